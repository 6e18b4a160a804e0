"""A Splink linker over the store's records, in its own in-memory DuckDB.

Splink materialises many intermediate tables; keeping them out of the store file
keeps the store small and means no Splink result is ever open on the store's
connection while the project runs its own SQL there.

:class:`ModelData` is what training and scoring need from the model input on any
engine; :class:`ArrowModelData` is DuckDB's, ``linkage.spark.SparkModelData`` Spark's.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.internals.misc import prob_to_match_weight
from splink.internals.splink_dataframe import SplinkDataFrame

from linkage.pipeline import Step, fetch_arrow, quote_ident
from linkage.config import ModelConfig
from linkage.resolve.cohort import with_cohort_lookup
from linkage.resolve.model_inputs import DERIVED_COLUMNS, MODEL_COLUMNS, identifier_columns
from linkage.store import connect_memory

SPLINK_TABLE = "mash_records"
#: Splink prediction columns kept for each scored pair (for "why linked" waterfalls).
_KEEP_PREFIXES = ("gamma_", "mw_", "tf_")

#: The model's input from canonical records: one definition, run by DuckDB as written and
#: rendered for Spark (:func:`linkage.spark.model_input_spark`).
MODEL_INPUT = Step(
    "model_input",
    "The record columns the model reads, and the columns derived for it",
    f"SELECT {', '.join(MODEL_COLUMNS)}, "
    + ", ".join(f"{sql} AS {name}" for name, sql in DERIVED_COLUMNS.items())
    + " FROM {input}",
)


def model_input_step(model: ModelConfig | None = None) -> Step:
    """:data:`MODEL_INPUT`, plus a column per identifier the model config declares (``id_<name>``).

    Declared identifiers are kept in the records' ``identifiers`` map, so the records table has
    one schema whatever the config; the model reads each from it here, as it derives the others.
    """
    extra = identifier_columns(model)
    if not extra:
        return MODEL_INPUT
    return Step(
        MODEL_INPUT.name,
        MODEL_INPUT.purpose + ", and each declared identifier",
        MODEL_INPUT.sql.replace(" FROM {input}", "".join(f", {sql} AS {name}" for name, sql in extra.items()) + " FROM {input}"),
        params={name: name.removeprefix("id_") for name in extra},
    )


def model_input(con: duckdb.DuckDBPyConnection, records_table: str, model: ModelConfig | None = None) -> pa.Table:
    """The columns the model reads, from the given records table, in a stable order.

    Args:
        con: The store connection.
        records_table: ``records`` or ``records__new``.
        model: The model config, for the identifiers it declares (none without it).

    Returns:
        An Arrow table ordered by ``unique_id``.
    """
    step = model_input_step(model)
    return fetch_arrow(con, "model_input", f"{step.render(records_table)} ORDER BY unique_id", step.params or None)


def make_linker(
    records: pa.Table, settings: SettingsCreator | dict[str, Any], term_frequencies: dict[str, pa.Table] | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> Linker:
    """A Splink linker over ``records`` with the given settings or saved model.

    Args:
        records: Output of :func:`model_input` (empty, for a linker scoring records handed to it).
        settings: A ``SettingsCreator`` (untrained) or a saved model's settings dict.
        term_frequencies: Term-frequency lookups saved with the model, by column;
            without them Splink derives term frequencies from ``records``.
        connection: The in-memory DuckDB to work in; a private one when None.

    Returns:
        The linker.
    """
    work = connect_memory() if connection is None else connection
    api = DuckDBAPI(connection=work)
    term_frequencies = with_cohort_lookup(records, settings, term_frequencies)
    # Splink's settings validation only warns about columns missing from the input; model_input
    # always holds every column the settings name, and the check parses all their SQL each time.
    linker = Linker(
        api.register(records, table_name=SPLINK_TABLE), settings, log_level=logging.WARNING, validate_settings=False
    )
    for column, table in (term_frequencies or {}).items():
        linker.table_management.register_term_frequency_lookup(api.register(table, table_name=f"tf_lookup_{column}"), column)
    return linker


def scored_pairs(*predictions: SplinkDataFrame) -> pa.Table:
    """The columns kept of each scored pair, lower id on the left, ordered by ids.

    Args:
        predictions: Splink prediction tables (one from ``predict``; two from an
            incremental run's ``predict_between`` and ``predict_within``).
    """
    parts = [_scored(prediction.as_duckdbpyrelation()) for prediction in predictions]
    if len(parts) == 1:
        return parts[0]
    return pa.concat_tables(parts, promote_options="default").sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")])


def _scored(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """One prediction's pairs as :func:`scored_pairs` keeps them."""
    # Comparisons are symmetric, so a pair scored right-to-left only needs its ids swapped.
    columns = [
        "least(unique_id_l, unique_id_r) AS unique_id_l", "greatest(unique_id_l, unique_id_r) AS unique_id_r",
        "match_weight", "match_probability", *kept_columns(relation.columns),
    ]
    return relation.project(", ".join(columns)).order("unique_id_l, unique_id_r").to_arrow_table()


def kept_columns(columns: Sequence[str]) -> list[str]:
    """Which of Splink's prediction columns a scored pair keeps, besides ids, weight and probability.

    Args:
        columns: The prediction's columns.

    Returns:
        Each comparison's gamma, weights and term-frequency adjustments, in Splink's
        order; not the compared values themselves (``*_l``, ``*_r``).
    """
    return [c for c in columns if c.startswith(_KEEP_PREFIXES) and not c.endswith(("_l", "_r"))]


#: The weight column ``ArrowModelData`` adds for its counts (not a model-input column).
_WEIGHT = "__records"


class ModelData(Protocol):
    """The model input on one engine, as training and scoring read it."""

    def rows(self) -> int:
        """How many records."""
        ...

    def value_counts(self, column: str) -> pa.Table:
        """Each non-null value of a column (``value``) and how many records hold it (``count``)."""
        ...

    def value_counts_of(self, columns: Sequence[str]) -> pa.Table:
        """Each combination of the columns' values and how many records hold it.

        Records with a null in any of the columns are left out. One row per combination
        reaches the caller (distinct names, not records).

        Returns:
            One column per name in ``columns``, typed as in the model input, then ``count``.
        """
        ...

    def linker(
        self, settings: SettingsCreator | dict[str, Any], term_frequencies: dict[str, pa.Table] | None = None
    ) -> Linker:
        """A Splink linker over the records on this engine, as :func:`make_linker` makes one."""
        ...

    def counting(self) -> duckdb.DuckDBPyConnection:
        """A private in-memory DuckDB connection to count over what this input's counts return (close it after).

        Its temporary and registered tables are its own; an engine may open it on a database it
        keeps for this input's counts, since a new database costs more than a small count.
        """
        ...

    def sample(self, fraction: float, seed: int) -> ModelData:
        """A random share of the rows (each kept with chance ``fraction``, independently), on the same engine."""
        ...

    def candidate_weights(self, linker: Linker, threshold: float, keep_weight: float | None = None) -> pa.Table:
        """The match weights of the candidate pairs the linker's blocking rules form, and the record pairs each stands for.

        Pairs under ``threshold`` (match probability) are left out. One row per distinct
        weight (to 0.01) reaches the caller, with ``pairs`` summed; record pairs known to
        match without scoring (an identity profile's own) come as weight ``inf``.

        With ``keep_weight``, an engine may also keep the scored pairs at or above that match
        weight (:class:`KeptPairs`, DuckDB's in :attr:`ArrowModelData.kept`), so that scoring them
        again under another prior needs no second prediction; another engine keeps none.
        """
        ...


@dataclass(frozen=True)
class ArrowModelData:
    """The model input in memory, linked on a private in-memory DuckDB.

    Attributes:
        table: Output of :func:`model_input`, or its identity profiles (``linkage.resolve.profiles``).
        weights: Records each row stands for (a profile's size), or None (one each). Counts
            (:meth:`rows`, :meth:`value_counts`, :meth:`value_counts_of`) are of records, so
            what is counted from them (the prior, term frequencies, identifier u) is the same
            whether the records were collapsed into profiles or not.
        kept: The pairs :meth:`candidate_weights` kept (under ``"candidates"``), if asked to.
    """

    table: pa.Table
    weights: np.ndarray | None = field(default=None, compare=False)
    kept: dict[str, KeptPairs] = field(default_factory=dict, compare=False, repr=False)

    def rows(self) -> int:
        return self.table.num_rows if self.weights is None else int(self.weights.sum())

    def value_counts(self, column: str) -> pa.Table:
        if self.weights is None:
            counts = pc.value_counts(self.table[column].drop_null())
            return pa.table({"value": counts.field("values"), "count": counts.field("counts")})
        counts = self.value_counts_of([column])
        return pa.table({"value": counts[column], "count": counts["count"]})

    def value_counts_of(self, columns: Sequence[str]) -> pa.Table:
        # DuckDB, not Arrow's group_by, which cannot group by a list column (forename_groups).
        selected = self.table.select(list(columns))
        count = "count(*)"
        if self.weights is not None:
            selected = selected.append_column(_WEIGHT, pa.array(self.weights, pa.int64()))
            count = f"CAST(sum({_WEIGHT}) AS BIGINT)"
        con = self._counting
        con.register("model_input", selected)
        try:
            keys = ", ".join(quote_ident(column) for column in columns)
            return fetch_arrow(
                con,
                "model_input:value counts",
                f"SELECT {keys}, {count} AS count FROM model_input "
                f"WHERE {' AND '.join(f'{quote_ident(column)} IS NOT NULL' for column in columns)} GROUP BY ALL",
            )
        finally:
            con.unregister("model_input")

    @cached_property
    def _counting(self) -> duckdb.DuckDBPyConnection:
        # One private DuckDB for all of this input's counts: training counts some thirty
        # column sets, and a new in-memory database for each cost more than the counting.
        return connect_memory()

    def counting(self) -> duckdb.DuckDBPyConnection:
        # A connection of its own to the counts' database: its temporary and registered tables go when it closes.
        return self._counting.cursor()

    def linker(
        self, settings: SettingsCreator | dict[str, Any], term_frequencies: dict[str, pa.Table] | None = None
    ) -> Linker:
        return make_linker(self.table, settings, term_frequencies)

    def sample(self, fraction: float, seed: int) -> ArrowModelData:
        # The model input is ordered by record id (profiles by their first record), so a seed keeps the same rows.
        kept = np.random.default_rng(seed).random(self.table.num_rows) < fraction
        return ArrowModelData(self.table.filter(pa.array(kept)), None if self.weights is None else self.weights[kept])

    def candidate_weights(self, linker: Linker, threshold: float, keep_weight: float | None = None) -> pa.Table:
        predicted = linker.inference.predict(threshold_match_probability=threshold)
        prediction = predicted.as_duckdbpyrelation()
        if keep_weight is not None:
            at_least = prediction.filter(duckdb.ColumnExpression("match_weight") >= duckdb.ConstantExpression(keep_weight))
            terms, prior = _weight_terms(linker), _prior(linker)
            lowest = max(keep_weight, prob_to_match_weight(threshold))
            self.kept["candidates"] = KeptPairs(_scored(at_least), terms, prior, lowest, linker)
        scored = prediction.project("unique_id_l, unique_id_r, round(match_weight, 2) AS match_weight").to_arrow_table()
        # The linker may be kept to score more pairs (KeptPairs.scored_within): its prediction is let go.
        predicted.drop_table_from_database_and_remove_from_cache()
        if self.weights is None:
            pairs = np.ones(scored.num_rows)
            own = 0.0
        else:
            # A profile stands for its records: a pair of profiles for every pair of their records,
            # and a profile's own records (identical to the model) are pairs that match.
            ids = self.table["unique_id"]
            sizes = self.weights.astype("float64")
            pairs = sizes[pc.index_in(scored["unique_id_l"], ids).to_numpy()] * sizes[pc.index_in(scored["unique_id_r"], ids).to_numpy()]
            own = float((sizes * (sizes - 1) / 2).sum())
        # Grouped in Arrow: a DuckDB database for it cost more than the grouping.
        grouped = pa.table({"match_weight": scored["match_weight"], "pairs": pa.array(pairs, pa.float64())}).group_by("match_weight").aggregate([("pairs", "sum")])
        grouped = grouped.rename_columns({"pairs_sum": "pairs"}).select(["match_weight", "pairs"])
        if own:
            grouped = pa.concat_tables([grouped, pa.table({"match_weight": pa.array([np.inf], grouped.schema.field("match_weight").type), "pairs": [own]})])
        return grouped


@dataclass(frozen=True)
class KeptPairs:
    """Scored pairs kept from a prediction, to be scored again under another prior without predicting.

    Splink's match weight is the prior's weight plus each comparison's terms (``mw_*``), added
    in the comparisons' order, so another prior's weight gives the pairs' weights exactly as a
    prediction under that prior would.

    Attributes:
        pairs: The pairs, as :func:`scored_pairs` keeps them.
        terms: The match-weight columns Splink adds, in its order.
        prior: The prior they were scored under.
        lowest: The lowest match weight (under that prior) a pair may have to be here.
        linker: The linker that scored them, if kept to score other pairs alike (:meth:`scored_within`).
    """

    pairs: pa.Table
    terms: list[str]
    prior: float
    lowest: float
    linker: Linker | None = field(default=None, compare=False, repr=False)

    @classmethod
    def scorer(cls, linker: Linker) -> KeptPairs:
        """No pairs, only a linker kept to score others alike (:meth:`scored_within`) under its own model."""
        return cls(pa.table({}), _weight_terms(linker), _prior(linker), -math.inf, linker)

    def rescored(self, prior: float, threshold: float) -> pa.Table | None:
        """The pairs at or above ``threshold`` (match probability) under ``prior``, or None if some may be missing.

        Args:
            prior: The prior to score them under.
            threshold: The match probability a pair needs (as ``predict``'s threshold).
        """
        needed = prob_to_match_weight(threshold)
        # A pair reaches the threshold under the new prior from this weight under the old one.
        if needed - (prob_to_match_weight(prior) - prob_to_match_weight(self.prior)) < self.lowest + _SLACK:
            return None
        return self._rescored(prior, needed)

    def _rescored(self, prior: float, needed: float) -> pa.Table:
        """The pairs whose match weight under ``prior`` is at least ``needed``, rescored under it."""
        weight = np.full(self.pairs.num_rows, float(prob_to_match_weight(prior)))
        for term in self.terms:  # added one by one, left to right, as the SQL does
            weight = weight + self.pairs[term].to_numpy(zero_copy_only=False)
        keep = weight >= needed
        chosen = weight[keep]
        # Splink's match probability, 1 / (1 + 2^-w) or 2^w / (1 + 2^w) below zero, with the C library's
        # pow as DuckDB's POWER (numpy's vectorised power differs from it in the last bit now and then).
        probability = [1.0 / (1.0 + math.pow(2.0, -w)) if w >= 0 else math.pow(2.0, w) / (1.0 + math.pow(2.0, w)) for w in chosen.tolist()]
        pairs = self.pairs.filter(pa.array(keep))
        pairs = pairs.set_column(pairs.column_names.index("match_weight"), "match_weight", pa.array(chosen, pa.float64()))
        return pairs.set_column(pairs.column_names.index("match_probability"), "match_probability", pa.array(probability, pa.float64()))

    def scored_within(self, records: pa.Table, blocking_rule: dict[str, str], prior: float, threshold: float) -> pa.Table:
        """Pairs among other records, scored by the linker that scored these and rescored under ``prior``.

        What a new linker over ``records`` with the same model under ``prior``, predicting with
        ``blocking_rule`` alone, gives (Splink's ``predict_within`` on the kept linker, its term
        frequencies the ones registered there), without building one: every pair the rule blocks
        is scored, then rescored as :meth:`rescored` does.

        Args:
            records: Model-input rows (any extra column the rule reads included).
            blocking_rule: The one prediction rule, as a Splink settings dict gives it.
            prior: The prior to score them under.
            threshold: The match probability a pair needs.

        Raises:
            ValueError: No linker was kept.
        """
        if self.linker is None:
            raise ValueError("KeptPairs.scored_within: the linker that scored these pairs was not kept")
        table = self.linker.table_management.register_table(records, f"{SPLINK_TABLE}_within", overwrite=True)
        predicted = self.linker.inference.predict_within(table, blocking_rules_to_generate_predictions=[blocking_rule])
        try:
            every = KeptPairs(scored_pairs(predicted), self.terms, self.prior, -math.inf)
        finally:
            predicted.drop_table_from_database_and_remove_from_cache()
            table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        return every._rescored(prior, prob_to_match_weight(threshold))


def _weight_terms(linker: Linker) -> list[str]:
    """The match-weight columns Splink adds to the prior's weight, in its order."""
    return [term for comparison in linker._settings_obj.comparisons for term in comparison._match_weight_columns_to_sum]


def _prior(linker: Linker) -> float:
    """The prior a linker scores under."""
    return linker._settings_obj.core_model_settings.probability_two_random_records_match


#: Match weight between the lowest a kept pair may have and the lowest one rescoring needs (float rounding).
_SLACK = 1e-6


def as_model_data(records: pa.Table | ModelData) -> ModelData:
    """The model input as :class:`ModelData`: an Arrow table wrapped for DuckDB, any other engine's as it is."""
    return ArrowModelData(records) if isinstance(records, pa.Table) else records
