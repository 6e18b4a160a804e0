"""The Spark engine (``engine: spark``): a full run's heavy stages on Spark, the results in the DuckDB store.

Spark reads the extracts and standardises them, trains (when the model is out of
date), scores candidate pairs, clusters records into people and runs the flag rules,
each stage writing Parquet under the run's work directory. The store stays a DuckDB
file, so the dashboard, the review queue and an incremental run read Spark's results
exactly as they read DuckDB's: each Parquet table is loaded into the run's new results
file with the types DuckDB's own stages give it. What stays on the driver, in DuckDB,
are linear passes over those tables: the ingest counts and extract checks, person ids
(which carry ids over from the previous results) and the golden view.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import duckdb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from linkage.config import RunConfig, SourceConfig
from linkage.errors import MashError
from linkage.ingest.blanks import empty_blanks
from linkage.ingest.row_count import count_rows
from linkage.ingest.run import escaped_invisible, record_load
from linkage.engine.protocol import Grouping
from linkage.pipeline import fetch_arrow, run_sql, write_parquet
from linkage.resolve.train import TrainedModel
from linkage.safeguard import (
    FlagReport, find_shared_addresses, flags_as_of, graph_events_sql, graph_people_sql, store_flags,
)
from linkage.spark.cluster import cluster_on_spark
from linkage.spark.flags import flags_on_spark
from linkage.spark.model_input import model_input_spark
from linkage.spark.predict import own_pairs_on_spark, predict_on_spark
from linkage.spark.profiles import SIZE, SparkProfiles, collapse_spark
from linkage.spark.standardise import standardise_source_spark, write_table
from linkage.spark.session import prepare_session, start_session
from linkage.spark.splink_api import splink_api
from linkage.spark.train import train_on_spark
from linkage.standardise.mapping import ENUM_FIELDS
from linkage.text import INVISIBLE

logger = logging.getLogger(__name__)

#: Enum columns of the canonical records, by their DuckDB type (text on Spark).
RECORD_ENUMS = {"agency": "agency_code", **ENUM_FIELDS}


def work_dir(run: RunConfig) -> Path:
    """Where a Spark run keeps its Parquet tables: the configured directory, or ``<store>.spark`` beside the store."""
    return run.spark.work_dir or run.store.with_name(f"{run.store.stem}.spark")


class SparkEngine:
    """The :class:`linkage.engine.Engine` for ``engine: spark``: its session, work directory and stages.

    Use as a context manager around the run's stages. A session already running in
    this process (spark-submit, Databricks, a test's) is used as it is and left
    running; otherwise one is started on ``spark.master`` and stopped at the end. A
    completed run's Parquet tables are removed unless ``spark.keep_outputs`` is set; a
    failed run's are kept, to inspect.
    """

    name = "spark"

    def __init__(self, run: RunConfig, run_id: int) -> None:
        """Args:
        run: The run config.
        run_id: This run's id; its Parquet tables go under ``run-<id>`` in the work directory.
        """
        self.run = run
        self.dir = work_dir(run) / f"run-{run_id:06d}"
        self._started = False
        self.spark: SparkSession | None = None

    def __enter__(self) -> SparkEngine:
        settings = self.run.spark
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        active = SparkSession.getActiveSession()
        self._started = active is None
        self.spark = active or start_session(settings.master, self.dir, settings.shuffle_partitions)
        prepare_session(self.spark, self.run.standardise.nicknames)
        checkpoints = settings.checkpoint_dir or self.dir / "checkpoints"
        self.api = splink_api(self.spark, checkpoints, jaro_winkler=settings.jaro_winkler)
        logger.info("spark run in %s (session %s)", self.dir, "started" if self._started else "joined")
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if self._started and self.spark is not None:
            self.spark.stop()
        if kind is None and not self.run.spark.keep_outputs:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif kind is not None:
            logger.warning("spark run failed; its Parquet tables are kept in %s", self.dir)

    # Ingest ---------------------------------------------------------------------------

    def read_source(self, con: duckdb.DuckDBPyConnection, run: RunConfig, source: SourceConfig, known: str | None) -> None:
        """Standardise one source on Spark and expose it to DuckDB as the ingest's per-source tables.

        A :data:`linkage.ingest.run.SourceReader`: ``std_<source>`` (Spark's
        Parquet, enum columns cast to DuckDB's types), ``quarantine_<source>``,
        ``load_<source>`` and an empty ``hashes_<source>`` (row hashes are DuckDB's own
        function, so an incremental run after a Spark run re-reads every row once).

        Raises:
            ExtractError: The extract cannot be read as its config says.
            MashError: Asked for an incremental read (``known``).
        """
        if known is not None:
            raise MashError("incremental runs are DuckDB only")
        assert self.spark is not None
        part = standardise_source_spark(self.spark, run, source)
        where = self.dir / "standardised" / source.name
        write_table(part.standardised, where / "std", f"spark_write_std_{source.name}")
        write_table(part.quarantine, where / "quarantine", f"spark_write_quarantine_{source.name}")
        part.standardised.unpersist()  # cached for the two writes; a joined session outlives the run
        name, path = source.name, run.extract_path(source)
        casts = ", ".join(f"CAST({column} AS {kind}) AS {column}" for column, kind in RECORD_ENUMS.items())
        run_sql(
            con, f"spark_std_{name}",
            f"CREATE OR REPLACE TEMP TABLE std_{name} AS SELECT * REPLACE ({casts}) FROM read_parquet($path)",
            {"path": _files(where / "std")},
        )
        run_sql(
            con, f"spark_quarantine_{name}",
            f"CREATE OR REPLACE TEMP TABLE quarantine_{name} AS SELECT source, file, CAST(source_row AS BIGINT) AS source_row, "
            f"record_id, column_name, reason, {escaped_invisible('raw')} AS raw FROM read_parquet($path)",
            {"path": _files(where / "quarantine"), "invisible": INVISIBLE},
        )
        # Every line read is a record, an unusable record, or a line the reader could not parse.
        (rows_read,) = run_sql(
            con, f"spark_rows_read_{name}",
            f"SELECT (SELECT count(*) FROM std_{name} WHERE quarantine_reason IS NULL) + (SELECT count(*) FROM quarantine_{name})",
        ).fetchall()[0]
        if source.file_format == "csv":
            # Spark's rows against the file's, counted on the driver as a DuckDB run counts them; Spark does not
            # say which line a row it could not parse began on, so the checks that need that are DuckDB's alone.
            rows_read = count_rows(source, path, int(rows_read), set(), run.extract_checks.max_row_lines).rows
        record_load(con, source, path, int(rows_read))
        empty_blanks(con, source)  # blank shares are counted on DuckDB runs only
        run_sql(
            con, f"spark_hashes_{name}",
            f"CREATE OR REPLACE TEMP TABLE hashes_{name} (source VARCHAR, source_row BIGINT, record_id VARCHAR, row_hash UBIGINT)",
        )

    # Resolve --------------------------------------------------------------------------

    def profiles(self, con: duckdb.DuckDBPyConnection, records_table: str, keep_apart: set[str]) -> SparkProfiles:
        """The records, exported to Parquet, as identity profiles on Spark (no pair budget check on Spark)."""
        assert self.spark is not None
        records_path = self.dir / "records.parquet"
        write_parquet(con, "spark_export_records", f"SELECT * FROM {records_table}", records_path)
        return collapse_spark(model_input_spark(self.spark, records_path), self.run.model, keep_apart=keep_apart)

    def train(self, profiles: SparkProfiles) -> TrainedModel:
        """Train on Spark with Splink's SparkAPI, each profile weighted by its size; saved as DuckDB saves a model."""
        return train_on_spark(self.api, profiles.sized, self.run.model, self.run.store, weight=SIZE)

    def predict(self, profiles: SparkProfiles, model: TrainedModel) -> DataFrame:
        """Score pairs between profiles and each profile's own pair, written as Parquet; the two read back as one frame."""
        assert self.spark is not None
        review = self.run.model.thresholds.review
        predict_on_spark(self.api, model, profiles.records, self.dir / "pairs", review)
        own_pairs_on_spark(self.api, model, profiles, self.dir / "own_pairs", review)
        return self.spark.read.parquet(str(self.dir / "pairs"), str(self.dir / "own_pairs"))

    def cluster(
        self,
        con: duckdb.DuckDBPyConnection,
        records_table: str,
        profiles: SparkProfiles,
        scored: DataFrame,
        model: TrainedModel,
        decided: dict[tuple[str, str], str],
    ) -> Grouping:
        """Cluster component by component on Spark; load the banded pairs, profiles and groups into the results file."""
        if self.run.model.constraints.context_links:
            logger.warning("relational context (constraints.context_links) is DuckDB only for now: this Spark run leaves it out")
        clustered = cluster_on_spark(self.api, profiles, scored, decided, self.run.model)
        write_table(clustered.clusters, self.dir / "clusters", "spark_write_clusters")
        write_table(clustered.pairs, self.dir / "banded_pairs", "spark_write_banded_pairs")
        write_table(profiles.members, self.dir / "profiles", "spark_write_profiles")
        clustered.release()
        (profile_count,) = profiles.listed.agg(F.count(F.lit(1))).collect()[0]
        profiles.release()
        run_sql(
            con, "spark_load_pairs",
            "CREATE OR REPLACE TABLE pairs__new AS SELECT * FROM read_parquet($path) ORDER BY unique_id_l, unique_id_r",
            {"path": _files(self.dir / "banded_pairs")},
        )
        run_sql(
            con, "spark_load_profiles",
            "CREATE OR REPLACE TABLE profiles__new AS SELECT unique_id, profile_id FROM read_parquet($path) ORDER BY unique_id",
            {"path": _files(self.dir / "profiles")},
        )
        groups = fetch_arrow(
            con, "spark_read_clusters",
            "SELECT unique_id, CAST(dense_rank() OVER (ORDER BY cluster_key) - 1 AS BIGINT) AS label, link_strength, "
            "best_match_probability FROM read_parquet($path) ORDER BY unique_id",
            {"path": _files(self.dir / "clusters")},
        )
        return Grouping(groups, profiles=int(profile_count), ambiguous=clustered.ambiguous)

    # Flags ----------------------------------------------------------------------------

    def flags(self, con: duckdb.DuckDBPyConnection, records: str, clusters: str, persons: str) -> FlagReport:
        """Run every flag rule on Spark over the whole population; write ``SAFEGUARDING_TABLES`` as ``__new``."""
        assert self.spark is not None
        rules = self.run.flags
        started = time.perf_counter()
        day = flags_as_of(con, rules, records)
        frames = {}
        for name, sql in (("events", graph_events_sql(records, clusters)), ("people", graph_people_sql(persons, records, clusters))):
            path = self.dir / f"graph_{name}.parquet"
            write_parquet(con, f"spark_export_graph_{name}", sql, path)
            frames[name] = self.spark.read.parquet(str(path))
        found = find_shared_addresses(con, rules, day, records, clusters)
        shared = dict(zip(found["address_key"], found["kind"]))
        flags = flags_on_spark(self.api, frames["people"], frames["events"], rules, day, shared=shared)
        seconds = {"flags": time.perf_counter() - started}
        return store_flags(con, flags, day, rules, records, clusters, seconds)


def _files(directory: Path) -> str:
    """A glob over a Parquet directory's files, for DuckDB's ``read_parquet``."""
    return str(directory / "*.parquet")

