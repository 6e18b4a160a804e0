"""Ingest every source of a run into the store, all or nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from linkage.config import RunConfig, SourceConfig
from linkage.errors import ExtractError, MashError
from linkage.ingest.blanks import count_blanks
from linkage.ingest.checks import check_extract, keep_last_good, last_good_rows
from linkage.ingest.hashes import changed_rows, hash_rows
from linkage.ingest.nulled import mostly_nulled
from linkage.ingest.read import RawExtract, read_extract
from linkage.pipeline import run_queue, run_sql
from linkage.standardise import CANONICAL_COLUMNS, create_lookup_tables, note_rows, standardisation_queue
from linkage.store import connect, layout, swap_in
from linkage.store.layout import remove_results_file
from linkage.text import INVISIBLE

logger = logging.getLogger(__name__)

#: Tables an ingest replaces, all at once, when every source has been read.
INGEST_TABLES = ("records", "quarantine", "dq_notes", "source_loads", "record_hashes", "column_blanks")

#: Reads and standardises one source: ``(con, run, source, known)``, as :func:`ingest_source`.
SourceReader = Callable[[duckdb.DuckDBPyConnection, RunConfig, SourceConfig, "str | None"], None]


@dataclass(frozen=True)
class SourceReport:
    """What one source contributed.

    Attributes:
        source: Source name.
        file: The extract read.
        rows_read: Data rows in the file.
        records: Rows kept as canonical records.
        quarantined: Rows set aside as unusable (``rows_read = records + quarantined``).
        notes: Data-quality notes on kept records (a nulled value each).
        quarantine_reasons: Quarantined rows by reason.
        note_counts: Notes by ``column: problem``.
        status: 'loaded'; 'kept' when a bad extract was skipped and the last good data kept;
            'skipped' when there was no earlier data to keep.
        problem: Why the extract was skipped.
        mostly_nulled: One line per mapped field that standardisation nulled on most records
            (see :func:`linkage.ingest.nulled.mostly_nulled`).
    """

    source: str
    file: str
    rows_read: int
    records: int
    quarantined: int
    notes: int
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    note_counts: dict[str, int] = field(default_factory=dict)
    status: str = "loaded"
    problem: str | None = None
    mostly_nulled: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestReport:
    """The outcome of an ingest run."""

    store: Path
    sources: tuple[SourceReport, ...]
    seconds: float


def ingest(run: RunConfig, on_source: Callable[[str], None] | None = None) -> IngestReport:
    """Read, validate and standardise every source into a check file, outside any run.

    The tables (records, quarantine, dq_notes, source_loads) go to the store's
    ingest-check file for inspection; the live results are not touched.

    Args:
        run: The run config.
        on_source: Called with each source name as it starts (progress display).

    Returns:
        Counts per source.

    Raises:
        ExtractError: An extract cannot be read as its config says.
        StepError: A standardisation step failed.
    """
    started = time.perf_counter()
    check = layout(run.store).ingest_check
    building = check.with_name(check.name + ".building")
    remove_results_file(building)
    con = connect(building)
    try:
        build_ingest_tables(con, run, on_source)
        swap_in(con, INGEST_TABLES)
        reports = source_reports(con, run)
    except BaseException:
        con.close()
        remove_results_file(building)
        raise
    con.close()
    # Replaced only when complete, so a failed check leaves the last one to inspect.
    remove_results_file(check)
    building.replace(check)
    seconds = time.perf_counter() - started
    logger.info("ingested %d sources in %.1fs", len(run.sources), seconds)
    return IngestReport(store=check, sources=reports, seconds=seconds)


def build_ingest_tables(
    con: duckdb.DuckDBPyConnection,
    run: RunConfig,
    on_source: Callable[[str], None] | None = None,
    previous: str | None = None,
    read: SourceReader | None = None,
) -> dict[str, str]:
    """Build ``records__new`` and the other ingest tables, without touching the live ones.

    A bad extract stops the run, or, where the source's policy is 'skip', is set
    aside and the source's rows from the previous results are kept instead.

    Args:
        con: The results connection.
        run: The run config.
        on_source: Called with each source name as it starts.
        previous: Schema of the previous results (attached), for growth checks and kept data.
        read: What reads and standardises one source into its ``std_``, ``quarantine_``,
            ``load_`` and ``hashes_`` tables: :func:`ingest_source` (DuckDB) by default;
            a Spark run passes its own.

    Returns:
        The problem of each skipped source, by source name.

    Raises:
        ExtractError: A bad extract whose policy is 'stop'.
        MashError: Every source was skipped.
    """
    create_lookup_tables(con, run.standardise.nicknames)
    last_rows = last_good_rows(con, previous) if previous else {}
    loaded, skipped = [], {}
    for source in run.sources:
        if on_source:
            on_source(source.name)
        problem = ingest_checked(con, run, source, last_rows.get(source.name), read=read or ingest_source)
        if problem:
            skipped[source.name] = problem
        else:
            loaded.append(source)
    if not loaded:
        raise MashError("every source was skipped as a bad extract; nothing to run on: " + "; ".join(skipped.values()))
    _build_tables(con, loaded)
    for source in run.sources:
        if source.name in skipped:
            keep_last_good(con, source, run.extract_path(source), skipped[source.name], previous)
    return skipped


def source_reports(con: duckdb.DuckDBPyConnection, run: RunConfig) -> tuple[SourceReport, ...]:
    """Counts per source from the live ingest tables, with the fields it mostly nulled (logged as warnings)."""
    return tuple(_report(con, run, s) for s in run.sources)


def ingest_checked(
    con: duckdb.DuckDBPyConnection,
    run: RunConfig,
    source: SourceConfig,
    last_rows: int | None,
    known: str | None = None,
    read: SourceReader | None = None,
) -> str | None:
    """Ingest one source and check the extract as a whole, under the source's bad-extract policy.

    Args:
        con: The results connection.
        run: The run config.
        source: The source to read.
        last_rows: Rows in its last good extract, if any.
        known: As for :func:`ingest_source`.
        read: The reader, :func:`ingest_source` by default (see :func:`build_ingest_tables`).

    Returns:
        None when the extract is good; its problem when it is bad and the policy is 'skip'.

    Raises:
        ExtractError: The extract is bad and the policy is 'stop'.
    """
    try:
        (read or ingest_source)(con, run, source, known)
        check_extract(con, run, source, last_rows)
    except ExtractError as problem:
        if run.bad_extract_policy(source) == "stop":
            raise
        # The message names the file and the problem, never a value from it.
        logger.warning("skipping source %s: %s", source.name, problem)
        return str(problem)
    return None


def ingest_source(con: duckdb.DuckDBPyConnection, run: RunConfig, source: SourceConfig, known: str | None = None) -> None:
    """Read one extract, hash its rows and standardise them into ``std_<source>`` and its quarantine.

    Args:
        con: The results connection.
        run: The run config.
        source: The source to read.
        known: A table of row hashes already standardised (``record_hashes``): rows found
            there unchanged are left out, for an incremental run.
    """
    path = run.extract_path(source)
    raw = read_extract(con, source, path, run.extract_checks.max_row_lines)
    count_blanks(con, source, raw.table)
    hash_rows(con, source, raw.table, raw.invisible)
    rows = raw.table
    if known is not None:
        rows = changed_rows(con, source, raw.table, known)
    run_queue(con, standardisation_queue(source, run, raw.invisible), rows, f"std_{source.name}")
    _collect_quarantine(con, source, path, replace(raw, table=rows))
    logger.info("source %s: %d rows read", source.name, raw.rows_read)


def _collect_quarantine(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, raw: RawExtract) -> None:
    """Quarantined rows of one source: the CSV reader's rejects and unusable records, invisible characters escaped."""
    params = {"source": source.name, "file": str(path), "invisible": INVISIBLE}
    parts = [
        "SELECT $source AS source, $file AS file, s.source_row, s.record_id, "
        "CAST(NULL AS VARCHAR) AS column_name, s.quarantine_reason AS reason, CAST(to_json(r) AS VARCHAR) AS raw "
        f"FROM std_{source.name} AS s JOIN {raw.table} AS r USING (source_row) "
        "WHERE s.quarantine_reason IS NOT NULL"
    ]
    if raw.rejects:
        parts.append(
            "SELECT $source, $file, source_row, CAST(NULL AS VARCHAR), column_name, reason, raw "
            f"FROM {raw.rejects}"
        )
    run_sql(
        con,
        f"quarantine_{source.name}",
        f"CREATE OR REPLACE TEMP TABLE quarantine_{source.name} AS "
        f"SELECT * REPLACE ({escaped_invisible('raw')} AS raw) FROM ({' UNION ALL '.join(parts)})",
        params,
    )
    record_load(con, source, path, raw.rows_read)


def escaped_invisible(column: str) -> str:
    """SQL for a text column with each :data:`linkage.text.INVISIBLE` character written as its JSON escape.

    A quarantined row's ``raw`` keeps what the file held, to fix it by, but a NUL or a
    right-to-left override in it is shown as ``\\u0000`` or ``\\u202e`` rather than obeyed
    by whatever displays it. In a row's cells as JSON the escape reads back as the same
    character (a tag character as its surrogate pair). Binds ``$invisible``; only values
    holding such a character are taken apart.
    """
    c = "unicode(c)"
    escape = (
        f"CASE WHEN NOT regexp_full_match(c, $invisible) THEN c WHEN {c} > 65535 THEN printf('\\u%04x\\u%04x', "
        f"55296 + (({c} - 65536) >> 10), 56320 + (({c} - 65536) & 1023)) ELSE printf('\\u%04x', {c}) END"
    )
    return (
        f"CASE WHEN regexp_matches({column}, $invisible) THEN "
        f"array_to_string(list_transform(regexp_extract_all({column}, '(?s).'), lambda c: {escape}), '') ELSE {column} END"
    )


def record_load(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, rows_read: int) -> None:
    """Note one source's file and rows read, as ``load_<source>``, for ``source_loads`` and the extract checks."""
    run_sql(
        con,
        f"load_{source.name}",
        f"CREATE OR REPLACE TEMP TABLE load_{source.name} AS SELECT $source AS source, $file AS file, "
        "CAST($rows_read AS BIGINT) AS rows_read, now() AS loaded_at, 'loaded' AS status, CAST(NULL AS VARCHAR) AS problem",
        {"source": source.name, "file": str(path), "rows_read": rows_read},
    )


def record_columns() -> str:
    """The records table's columns, in order, as a select list over a ``std_`` table."""
    return ", ".join(c for c in CANONICAL_COLUMNS if c != "dq")


def _build_tables(con: duckdb.DuckDBPyConnection, sources: list[SourceConfig]) -> None:
    names = [s.name for s in sources]
    union = " UNION ALL ".join
    run_sql(
        con,
        "build_records",
        "CREATE OR REPLACE TABLE records__new AS "
        + union(f"SELECT {record_columns()} FROM std_{n} WHERE quarantine_reason IS NULL" for n in names),
    )
    run_sql(
        con,
        "build_dq_notes",
        "CREATE OR REPLACE TABLE dq_notes__new AS " + union(note_rows().render(f"std_{n}") for n in names),
    )
    run_sql(
        con,
        "build_quarantine",
        "CREATE OR REPLACE TABLE quarantine__new AS " + union(f"SELECT * FROM quarantine_{n}" for n in names),
    )
    run_sql(
        con,
        "build_record_hashes",
        "CREATE OR REPLACE TABLE record_hashes__new AS "
        + union(f"SELECT source, record_id, row_hash FROM hashes_{n} WHERE record_id IS NOT NULL" for n in names),
    )
    run_sql(
        con,
        "build_column_blanks",
        "CREATE OR REPLACE TABLE column_blanks__new AS " + union(f"SELECT * FROM blanks_{n}" for n in names),
    )
    run_sql(
        con,
        "build_source_loads",
        "CREATE OR REPLACE TABLE source_loads__new AS SELECT l.source, l.file, l.rows_read, l.loaded_at, "
        "(SELECT count(*) FROM records__new r WHERE r.source = l.source) AS records, "
        "(SELECT count(*) FROM quarantine__new q WHERE q.source = l.source) AS quarantined, l.status, l.problem FROM ("
        + union(f"SELECT * FROM load_{n}" for n in names)
        + ") AS l",
    )


def _report(con: duckdb.DuckDBPyConnection, run: RunConfig, source: SourceConfig) -> SourceReport:
    params = {"source": source.name}
    file, rows_read, records, quarantined, status, problem = run_sql(
        con, "report_counts",
        "SELECT file, rows_read, records, quarantined, status, problem FROM source_loads WHERE source = $source", params,
    ).fetchone()
    reasons = dict(
        run_sql(
            con, "report_quarantine",
            "SELECT reason, count(*) FROM quarantine WHERE source = $source GROUP BY reason ORDER BY count(*) DESC, reason",
            params,
        ).fetchall()
    )
    notes = dict(
        run_sql(
            con, "report_notes",
            "SELECT column_name || ': ' || problem, count(*) FROM dq_notes WHERE source = $source "
            "GROUP BY ALL ORDER BY count(*) DESC, 1",
            params,
        ).fetchall()
    )
    checks = run.extract_checks
    nulled = mostly_nulled(con, "records", source, checks.max_nulled_share, checks.min_rows_for_share)
    return SourceReport(
        source=source.name, file=file, rows_read=rows_read, records=records, quarantined=quarantined,
        notes=sum(notes.values()), quarantine_reasons=reasons, note_counts=notes, status=status, problem=problem,
        mostly_nulled=tuple(nulled),
    )
