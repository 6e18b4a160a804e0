"""The run config: which sources to ingest, where the store is, and cleaning rules."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graph.config import FlagRules
from linkage.config.model import ModelConfig
from linkage.config.source import SourceConfig

#: Names that mean "no name recorded", compared after upper-casing and cleaning.
DEFAULT_PLACEHOLDER_NAMES = (
    "UNKNOWN", "UNK", "NK", "NOT KNOWN", "N K", "NFA", "NONE", "NO NAME", "UNNAMED",
    "UNBORN", "BABY", "BABY BOY", "BABY GIRL", "BABY OF", "INFANT", "NEWBORN",
    "TWIN", "TWIN 1", "TWIN 2", "TWIN 3", "TWIN A", "TWIN B", "TWIN C",
    "PERSON UNKNOWN", "MALE UNKNOWN", "FEMALE UNKNOWN", "XX", "XXX", "ZZ", "ZZZ", "TEST",
)

#: Dates of birth that systems use as defaults when the real one is not known.
DEFAULT_PLACEHOLDER_DOBS = (
    date(1900, 1, 1), date(1901, 1, 1), date(1800, 1, 1), date(1899, 12, 31),
    date(1970, 1, 1), date(9999, 12, 31),
)


#: Common UK nicknames whose formal name the curated list gets wrong or leaves
#: ambiguous (it lists BILL under ROBERT). Sex-ambiguous ones (SAM, ALEX) are left out.
DEFAULT_NICKNAMES = {
    **dict.fromkeys(("BILL", "BILLY", "WILL", "WILLY", "WILLIE", "LIAM"), "WILLIAM"),
    **dict.fromkeys(("BOB", "BOBBY", "ROB", "ROBBIE", "ROBBY", "BERTIE"), "ROBERT"),
    **dict.fromkeys(("LIZ", "LIZZIE", "LIZZY", "BETH", "BETTY", "BETSY", "ELIZA", "LIBBY"), "ELIZABETH"),
    **dict.fromkeys(("PEGGY", "MAGGIE", "MEG", "MADGE"), "MARGARET"),
    **dict.fromkeys(("TED", "TEDDY", "NED", "EDDIE", "EDDY"), "EDWARD"),
    **dict.fromkeys(("JIM", "JIMMY", "JAMIE"), "JAMES"),
    **dict.fromkeys(("DAVE", "DAVY"), "DAVID"),
    **dict.fromkeys(("MIKE", "MICK", "MICKY", "MICKEY"), "MICHAEL"),
    **dict.fromkeys(("DICK", "RICK", "RICKY", "RICH", "RICHIE"), "RICHARD"),
    **dict.fromkeys(("JOE", "JOEY"), "JOSEPH"),
    **dict.fromkeys(("TOM", "TOMMY"), "THOMAS"),
    **dict.fromkeys(("DAN", "DANNY"), "DANIEL"),
    **dict.fromkeys(("MATT", "MATTY"), "MATTHEW"),
    **dict.fromkeys(("NICK", "NICKY"), "NICHOLAS"),
    **dict.fromkeys(("PETE",), "PETER"),
    **dict.fromkeys(("TONY",), "ANTHONY"),
    **dict.fromkeys(("HARRY", "HAL"), "HENRY"),
    **dict.fromkeys(("SUE", "SUSIE", "SUZY"), "SUSAN"),
    **dict.fromkeys(("DEBBIE", "DEBBY", "DEB"), "DEBORAH"),
    **dict.fromkeys(("JENNY", "JEN"), "JENNIFER"),
    **dict.fromkeys(("BECKY", "BECCA"), "REBECCA"),
    **dict.fromkeys(("VICKY", "VICKI"), "VICTORIA"),
    **dict.fromkeys(("MANDY",), "AMANDA"),
    **dict.fromkeys(("TRISH", "TRICIA"), "PATRICIA"),
    **dict.fromkeys(("LEN", "LENNY"), "LEONARD"),
    **dict.fromkeys(("GAZ", "GAZZA"), "GARY"),
    **dict.fromkeys(("OLLY",), "OLIVER"),
    # The curated list also gives BENEDICT, KENDRICK and others; in UK records these are the usual ones.
    **dict.fromkeys(("BEN", "BENNY"), "BENJAMIN"),
    **dict.fromkeys(("KEN", "KENNY"), "KENNETH"),
    **dict.fromkeys(("DON", "DONNIE", "DONNY"), "DONALD"),
}


class StandardiseConfig(BaseModel):
    """Rules for nulling placeholder and impossible values before linkage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    placeholder_names: tuple[str, ...] = Field(
        default=DEFAULT_PLACEHOLDER_NAMES,
        description="Forenames or surnames that mean 'not known'; nulled with a note.",
    )
    placeholder_dobs: tuple[date, ...] = Field(
        default=DEFAULT_PLACEHOLDER_DOBS,
        description="Dates of birth that are system defaults; nulled with a note.",
    )
    nicknames: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_NICKNAMES),
        description="Nickname to formal forename, applied before the curated nicknames list.",
    )
    earliest_dob: date = Field(
        default=date(1900, 1, 1),
        description="Dates of birth before this are impossible and are nulled with a note.",
    )


class ExtractChecks(BaseModel):
    """What makes an extract bad as a whole, and what a run does with one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on_bad_extract: Literal["stop", "skip"] = Field(
        default="stop",
        description="On a bad extract, 'stop' the run (the previous results stay), or 'skip' that source and keep "
        "its data from the last good run. A source config's own 'on_bad_extract' overrides this.",
    )
    max_growth: float = Field(
        default=10.0, gt=1,
        description="An extract with more than this many times the rows of its source's last good extract is bad.",
    )
    max_shrink: float = Field(
        default=0.5, gt=0, le=1,
        description="An extract that has lost more than this share of the rows of its source's last good extract is bad "
        "(0.5: fewer than half the rows), so a cut or broken file never withdraws records; 1 turns the check off.",
    )
    max_row_lines: int = Field(
        default=10, ge=1,
        description="A CSV row spanning more lines than this (quoted values with line breaks) is taken for a stray quote "
        "that joined the rows after it into one, and the extract is bad. Whatever this limit, a row whose quote never "
        "closes before the end of the file, a row over several lines that the reader cannot read, and a row with a line "
        "inside it that has the header's number of fields on its own (rows a stray quote joined) are always bad.",
    )
    max_blank_rise: float = Field(
        default=0.2, gt=0, le=1,
        description="A mapped column whose share of blank cells rises by more than this (0.2: 20 percentage points) "
        "since its source's last good extract is reported after the run (a warning, not a bad extract).",
    )
    max_quarantine_share: float = Field(
        default=0.25, gt=0, le=1,
        description="An extract with more than this share of its rows quarantined is bad.",
    )
    max_nulled_share: float = Field(
        default=0.5, gt=0, le=1,
        description="A mapped person field (postcode, NHS number, date of birth...) whose non-blank values "
        "standardisation nulled on more than this share of a source's records (0.5: most of them) is reported "
        "loudly after the run and the ingest, naming the source, the YAML key and the count (a warning, not a bad "
        "extract): the field is lost to linkage, as when a non-UK postcode column is mapped onto 'postcode'.",
    )
    min_rows_for_share: int = Field(
        default=100, ge=0,
        description="The quarantine share is judged only on extracts of at least this many rows, and the nulled "
        "share of a field only on at least this many non-blank values.",
    )


class DashboardSettings(BaseModel):
    """How long a dashboard sign-in lasts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idle_timeout_minutes: int = Field(
        default=30, ge=1, le=24 * 60,
        description="Minutes a signed-in dashboard session may go unused (no click, no page load) before the user "
        "must sign in again. A page refresh within this time keeps the user signed in.",
    )
    session_max_hours: float = Field(
        default=12, gt=0, le=7 * 24,
        description="Hours after sign-in at which a session ends however busy it is (a working day plus overtime).",
    )


class SparkSettings(BaseModel):
    """How a run with ``engine: spark`` gets its Spark session and where it keeps its Parquet tables."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    master: str = Field(
        default="local[2]",
        description="Spark master of a session mash starts itself ('local[N]': N threads on this machine). "
        "Under spark-submit or on Databricks the running session is used and this is ignored.",
    )
    shuffle_partitions: int = Field(
        default=4, ge=1,
        description="spark.sql.shuffle.partitions for a session mash starts; on a cluster set it in spark-submit "
        "to a few times the total cores.",
    )
    work_dir: Path | None = Field(
        default=None,
        description="Directory for each run's Parquet tables (standardised records, pairs, clusters, graph inputs), "
        "relative to the working directory; default: '<store>.spark' beside the store. On a cluster: a shared "
        "filesystem mounted at this same path on the driver and every executor (NFS, EFS, /dbfs).",
    )
    checkpoint_dir: str | None = Field(
        default=None,
        description="Where Splink checkpoints its large intermediate tables: a path or a URI Spark writes to "
        "(hdfs://, s3a://, dbfs:/); default: 'checkpoints' under the run's work directory. Needs room for "
        "the blocked pairs.",
    )
    jaro_winkler: Literal["duckdb", "jar"] = Field(
        default="duckdb",
        description="'duckdb': a Python Jaro-Winkler equal to DuckDB's, so pairs score as on DuckDB; 'jar': "
        "Splink's faster JVM function, which scores a few name pairs differently (docs/scaling.md).",
    )
    keep_outputs: bool = Field(
        default=False,
        description="Keep a completed run's Parquet tables in the work directory (they are always kept when a "
        "run fails, to inspect).",
    )


#: Share of this machine's memory each DuckDB database of a run may hold by default. A run
#: has at most two open at once (the results file and Splink's work database), so they
#: keep to half the machine between them, leaving the rest to Python's tables and others.
DEFAULT_MEMORY_SHARE = 0.25
#: A DuckDB memory size: a number and a unit (DuckDB's own spelling).
MEMORY_SIZE = r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$"


def default_memory_limit() -> str | None:
    """:data:`DEFAULT_MEMORY_SHARE` of this machine's physical memory, in MiB (None where it cannot be read)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None  # not POSIX: DuckDB's own default (80% of memory)
    return f"{int(total * DEFAULT_MEMORY_SHARE / 2**20)}MiB"


class Resources(BaseModel):
    """What a run may use of the machine: memory, spill space and candidate pairs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    memory_limit: str | None = Field(
        default_factory=default_memory_limit, pattern=MEMORY_SIZE,
        description="DuckDB memory_limit of each database a run opens (the results file and Splink's work "
        "database; at most two at once), e.g. '6GB'. Beyond it DuckDB spills to temp_directory. Default: a "
        "quarter of this machine's memory.",
    )
    temp_directory: Path | None = Field(
        default=None,
        description="Where DuckDB spills what does not fit in memory_limit, relative to the working directory; "
        "each database gets its own subdirectory, removed when it closes. Default: 'tmp' beside the store.",
    )
    pair_budget: int = Field(
        default=20_000_000, ge=1,
        description="The most candidate pairs one prediction blocking rule may add. Counted on a sample before "
        "predicting; a rule over it stops the run naming the rule and the size of its largest block. About "
        "1M per rule at 1M people.",
    )

    def spill_directory(self, store: Path) -> Path:
        """The temp directory, by default beside the store."""
        return self.temp_directory if self.temp_directory is not None else store.parent / "tmp"


class RunConfig(BaseModel):
    """A run: the store, the extracts and the sources to read from them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: Path = Field(
        default=Path("data/mash.duckdb"),
        description="DuckDB store file, relative to the working directory.",
    )
    extracts_dir: Path = Field(
        default=Path("data/extracts"),
        description="Directory holding the extract files, relative to the working directory.",
    )
    sources: tuple[SourceConfig, ...] = Field(
        description="Source configs, as paths relative to this file (loaded by load_run_config).",
        min_length=1,
    )
    model: ModelConfig = Field(
        default_factory=ModelConfig,
        description="The linkage model, as a path to its YAML relative to this file (loaded by load_run_config).",
    )
    flags: FlagRules = Field(
        default_factory=FlagRules,
        description="Safeguarding flag rules, as a path to their YAML relative to this file (loaded by load_run_config).",
    )
    standardise: StandardiseConfig = Field(
        default_factory=StandardiseConfig, description="Placeholder and impossible-value rules."
    )
    extract_checks: ExtractChecks = Field(
        default_factory=ExtractChecks, description="Whole-extract checks and the bad-extract policy."
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Where a full run computes: 'duckdb' on this machine, or 'spark' (standardisation, training, "
        "scoring, clustering and flag rules on Spark; results still land in the DuckDB store). "
        "Incremental runs are DuckDB only.",
    )
    spark: SparkSettings = Field(
        default_factory=SparkSettings, description="The Spark session and work directory, for engine 'spark'."
    )
    dashboard: DashboardSettings = Field(
        default_factory=DashboardSettings, description="Dashboard sign-in sessions: idle timeout and maximum length."
    )
    resources: Resources = Field(
        default_factory=Resources, description="Memory, spill directory and candidate-pair budget of a run."
    )
    config_path: Path | None = Field(
        default=None, exclude=True, description="Where this config was read from (set by the loader)."
    )

    def bad_extract_policy(self, source: SourceConfig) -> str:
        """'stop' or 'skip' for a bad extract of this source."""
        return source.on_bad_extract or self.extract_checks.on_bad_extract

    def extract_path(self, source: SourceConfig) -> Path:
        """The extract file of a source, resolved against ``extracts_dir``."""
        return source.file if source.file.is_absolute() else self.extracts_dir / source.file
