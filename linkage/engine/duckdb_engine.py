"""The default engine: every heavy stage in DuckDB and Arrow, in this process."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from linkage.config import RunConfig, SourceConfig
from linkage.engine.protocol import Grouping
from linkage.ingest.run import ingest_source
from linkage.pipeline import create_table_from_arrow
from linkage.resolve.blocking import check_pair_budget
from linkage.resolve.context import Context, context_events
from linkage.resolve.context_scores import ContextScores
from linkage.resolve.linker import ArrowModelData, KeptPairs, model_input
from linkage.resolve.profiles import Profiles, collapse, self_pairs
from linkage.resolve.run import cluster_records, predict, record_groups
from linkage.resolve.train import TrainedModel, train_and_save
from linkage.safeguard import FlagReport, build_flag_tables


class DuckDBEngine:
    """Ingest, train, score, cluster and flag in DuckDB and Arrow (the :class:`linkage.engine.Engine` for ``engine: duckdb``).

    Profiles and scored pairs are Arrow tables in memory; the run's memory limit and
    spill directory bound DuckDB's share (``linkage.batch.run_limits``).
    """

    name = "duckdb"

    def __init__(self, run: RunConfig) -> None:
        """Args:
        run: The run config.
        """
        self.run = run
        # The pairs training scored, rescored under the trained prior, for the profiles and model they belong
        # to, with what training kept of them (its linker scores the profiles' own pairs).
        self._rescored: tuple[pa.Table, TrainedModel, pa.Table, KeptPairs] | None = None

    def __enter__(self) -> DuckDBEngine:
        return self

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        return None

    def read_source(self, con: duckdb.DuckDBPyConnection, run: RunConfig, source: SourceConfig, known: str | None) -> None:
        """Read and standardise one source with the SQL steps (:func:`linkage.ingest.run.ingest_source`)."""
        ingest_source(con, run, source, known)

    def profiles(self, con: duckdb.DuckDBPyConnection, records_table: str, keep_apart: set[str]) -> Profiles:
        """Collapse the records into identity profiles, then check the blocking rules against the pair budget.

        The budget is checked before training too: its deterministic rules count their
        pairs by forming them.
        """
        model = self.run.model
        # Only the profiles are kept: the records' own model input is let go (a few hundred MB at 1M records).
        profiles = collapse(model_input(con, records_table, model), model, keep_apart=keep_apart)
        check_pair_budget(profiles.records, model, self.run.resources.pair_budget)
        return profiles

    def train(self, profiles: Profiles) -> TrainedModel:
        """Train on the profiles, each weighted by the records it stands for, and save the model.

        The candidate pairs training scored for the prior are kept, rescored under the trained
        prior, for :meth:`predict` of these profiles with this model (a second prediction of the
        same pairs with the same m and u was a fifth of a small run's training).
        """
        data = ArrowModelData(profiles.records, profiles.sizes)
        model = train_and_save(self.run.store, data, self.run.model)
        kept = data.kept.get("candidates")
        scored = None if kept is None else kept.rescored(model.splink["probability_two_random_records_match"], self.run.model.thresholds.review)
        self._rescored = None if scored is None else (profiles.records, model, scored, kept)
        return model

    def predict(self, profiles: Profiles, model: TrainedModel) -> pa.Table:
        """Scored pairs between profiles and each profile's own pair, in one table.

        Right after :meth:`train` of these profiles, the pairs between them are the ones training
        kept, rescored, and the own pairs are scored by training's kept linker (no linker built);
        otherwise both are predicted anew.
        """
        review = self.run.model.thresholds.review
        rescored, self._rescored = self._rescored, None
        kept = None
        if rescored is not None and rescored[0] is profiles.records and rescored[1] is model:
            pairs, kept = rescored[2], rescored[3]
        else:
            pairs = predict(profiles.records, model, review)
        own = self_pairs(profiles, model.splink, model.term_frequency_tables(), review, kept)
        return pairs if own is None else pa.concat_tables([pairs, own], promote_options="default")

    def cluster(
        self,
        con: duckdb.DuckDBPyConnection,
        records_table: str,
        profiles: Profiles,
        scored: pa.Table,
        model: TrainedModel,
        decided: dict[tuple[str, str], str],
    ) -> Grouping:
        """Constrained clustering with relational context (the DA participants recorded with each record)."""
        context = Context(
            context_events(con, records_table), model.splink, model.term_frequency_tables(),
            scores=ContextScores.of(con, model, fresh=True),
        )
        clustered = cluster_records(profiles, scored, decided, self.run.model, context)
        create_table_from_arrow(con, "pairs__new", clustered.pairs)
        create_table_from_arrow(con, "profiles__new", profiles.members())
        return Grouping(record_groups(clustered), profiles=profiles.records.num_rows, ambiguous=clustered.ambiguous)

    def flags(self, con: duckdb.DuckDBPyConnection, records: str, clusters: str, persons: str) -> FlagReport:
        """Build the graph in this process and run every flag rule (:func:`linkage.safeguard.build_flag_tables`)."""
        return build_flag_tables(con, self.run.flags, records, clusters, persons)
