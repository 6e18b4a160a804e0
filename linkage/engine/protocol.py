"""The engine seam: what a full run asks of the engine that does its heavy stages.

As Splink's ``DatabaseAPI`` lets one linker run on DuckDB or Spark, an :class:`Engine`
lets one run orchestration (``linkage.batch``) and one :func:`linkage.resolve.resolve`
run on DuckDB in this process (:class:`linkage.engine.duckdb_engine.DuckDBEngine`) or on a
Spark session (``linkage.spark.engine.SparkEngine``). What each engine hands back between
stages (its profiles, its scored pairs) stays in the engine's own form: Arrow tables in
memory for DuckDB, DataFrames and Parquet for Spark. Both write the same tables into the
run's DuckDB results file, so everything after them (person ids, the golden view, the
store, the dashboard) is one code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from linkage.config import RunConfig, SourceConfig
from linkage.resolve.train import TrainedModel
from linkage.safeguard import FlagReport


@dataclass(frozen=True)
class Grouping:
    """Records grouped into people by an engine, before they get person ids.

    Attributes:
        groups: One row per record: ``unique_id``, ``label`` (int64: records of one person
            share it), ``link_strength`` (``single``, ``strong`` or ``confirmed``) and
            ``best_match_probability`` (the record's best pair inside its person; null if none).
        profiles: Identity profiles scored.
        ambiguous: Records left unlinked because they match two people who cannot be one.
    """

    groups: pa.Table
    profiles: int
    ambiguous: int


class Engine(Protocol):
    """The heavy stages of a full run, on one engine.

    Use as a context manager around a run's stages (a Spark engine starts or joins its
    session there). Methods that take ``con`` write their tables into the run's results
    file under the names the DuckDB stages give them (``<table>__new``).
    """

    #: The engine's name, as the run config spells it (``duckdb``, ``spark``).
    name: str

    def __enter__(self) -> Engine: ...

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None: ...

    def read_source(self, con: duckdb.DuckDBPyConnection, run: RunConfig, source: SourceConfig, known: str | None) -> None:
        """Read and standardise one source into its ingest tables (a ``linkage.ingest.run.SourceReader``)."""

    def profiles(self, con: duckdb.DuckDBPyConnection, records_table: str, keep_apart: set[str]) -> Any:
        """The records' model input grouped into identity profiles (records in ``keep_apart`` each alone).

        Raises:
            MashError: A blocking rule would form more pairs than the run's pair budget.
        """

    def train(self, profiles: Any) -> TrainedModel:
        """Train the model on the profiles (weighted by their sizes) and save it as the store's next version."""

    def predict(self, profiles: Any, model: TrainedModel) -> Any:
        """Score candidate pairs between profiles, and each profile's own pair, at or above the review threshold."""

    def cluster(
        self,
        con: duckdb.DuckDBPyConnection,
        records_table: str,
        profiles: Any,
        scored: Any,
        model: TrainedModel,
        decided: dict[tuple[str, str], str],
    ) -> Grouping:
        """Constrained clustering of the profiles, expanded to records; writes ``pairs__new`` (banded) and ``profiles__new``."""

    def flags(self, con: duckdb.DuckDBPyConnection, records: str, clusters: str, persons: str) -> FlagReport:
        """Run every flag rule over the whole population; write the safeguarding tables as ``<name>__new``."""
