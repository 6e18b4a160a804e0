"""Context candidate pairs' scores kept with the results, so a nightly run scores only the pairs it has not seen.

The context step (:mod:`linkage.resolve.context`) has the trained model score each weak
person's candidate pairs. An incremental run clusters the people its new records touch and
their neighbours, and most of their candidate pairs are the same two records under the same
model as the night before: at a million people, about 140,000 pairs and over a second of a
nightly run, for a thousand new records.

A pair's scores depend only on the two records' model input and the model (its settings and
its saved term frequencies), so they are kept under a hash of each side's model input (every
column but the id) and the model's identity. A run looks its pairs up and has Splink score
only those it finds no row for. Sides keep their order (the lower id on the left), so a pair
seen the other way round is scored afresh.

A full run starts the table afresh; an incremental run adds the pairs it scored. Rows of
records that have since changed stay until the next full run: their hash is of the old
content, so they are never found again. The hash is DuckDB's 64-bit ``hash``, as the
extracts' row hashes are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from linkage.pipeline import create_table_from_arrow, fetch_arrow, run_sql
from linkage.store import has_table

if TYPE_CHECKING:  # train imports the model code; only the type is named here
    from linkage.resolve.train import TrainedModel

__all__ = ["CONTEXT_SCORES", "ContextScores"]

#: The results table of kept scores.
CONTEXT_SCORES = "context_scores"
#: Key columns: the model's identity and each side's model-input hash.
_MODEL, _KEY_L, _KEY_R = "model", "key_l", "key_r"
#: The column marking, in a lookup, the wanted pairs found kept.
_KEPT = "__kept"


class ContextScores:
    """The kept scores of one model in one results file.

    Args:
        con: The results connection (never one a Splink result is open on).
        model: The model's identity (version, fingerprint and creation time).
        fresh: Start the table afresh (a full run); otherwise add to what is kept.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, model: str, fresh: bool) -> None:
        self._con = con
        self._model = model
        if fresh and has_table(self._con, CONTEXT_SCORES):
            run_sql(con, "drop_context_scores", f"DROP TABLE {CONTEXT_SCORES}")
        elif has_table(self._con, CONTEXT_SCORES):
            # Another model's scores are no use to this one.
            run_sql(con, "stale_context_scores", f"DELETE FROM {CONTEXT_SCORES} WHERE {_MODEL} <> $model", {"model": model})

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, model: TrainedModel, fresh: bool) -> ContextScores:
        """The kept scores of a trained model (its identity: version, fingerprint, creation time)."""
        return cls(con, f"{model.version}:{model.fingerprint}:{model.created_at}", fresh)

    def keys(self, records: pa.Table) -> pa.Array:
        """Each record's model-input hash (every column but ``unique_id``), in the records' order."""
        create_table_from_arrow(self._con, "context_score_records", records, temporary=True)
        hashed = fetch_arrow(
            self._con, "hash_context_records",
            "SELECT unique_id, hash(struct_pack(*COLUMNS(* EXCLUDE (unique_id)))) AS k FROM context_score_records",
        )
        run_sql(self._con, "drop_context_score_records", "DROP TABLE context_score_records")
        at = pc.index_in(records["unique_id"], value_set=hashed["unique_id"])
        return pc.take(hashed["k"], at).combine_chunks()

    def lookup(self, pairs: pa.Table) -> tuple[pa.Table, pa.Table]:
        """Split keyed pairs (``unique_id_l``, ``unique_id_r``, ``key_l``, ``key_r``) into those kept and those not.

        Returns:
            The kept pairs' ids and score columns, and the pairs not kept (as given).
        """
        if not has_table(self._con, CONTEXT_SCORES):
            return pairs.slice(0, 0).select(["unique_id_l", "unique_id_r"]), pairs
        create_table_from_arrow(self._con, "context_score_wanted", pairs, temporary=True)
        on = f"s.{_KEY_L} = w.{_KEY_L} AND s.{_KEY_R} = w.{_KEY_R} AND s.{_MODEL} = $model"
        # One join for both: each wanted pair with its kept row, if any (a pair's keys are kept once: add).
        joined = fetch_arrow(
            self._con, "known_context_scores",
            f"SELECT w.*, s.{_MODEL} IS NOT NULL AS {_KEPT}, s.* EXCLUDE ({_MODEL}, {_KEY_L}, {_KEY_R}) "
            f"FROM context_score_wanted AS w LEFT JOIN {CONTEXT_SCORES} AS s ON {on}",
            {"model": self._model},
        )
        run_sql(self._con, "drop_context_score_wanted", "DROP TABLE context_score_wanted")
        kept = joined[_KEPT]
        found = joined.filter(kept).drop_columns([c for c in pairs.column_names if c not in ("unique_id_l", "unique_id_r")] + [_KEPT])
        return found, joined.filter(pc.invert(kept)).select(pairs.column_names)

    def add(self, scored: pa.Table) -> None:
        """Keep newly scored pairs: ``key_l``, ``key_r`` and the score columns."""
        if scored.num_rows == 0:
            return
        rows = scored.add_column(0, _MODEL, pa.repeat(pa.scalar(self._model, pa.string()), scored.num_rows))
        if not has_table(self._con, CONTEXT_SCORES):
            create_table_from_arrow(self._con, CONTEXT_SCORES, rows.slice(0, 0))
        self._con.register("_context_scores_new", rows)
        try:
            # Two pairs of records can share their keys (profiles an analyst's decision keeps apart): kept once.
            run_sql(
                self._con, "add_context_scores",
                f"INSERT INTO {CONTEXT_SCORES} BY NAME SELECT DISTINCT ON ({_KEY_L}, {_KEY_R}) * FROM _context_scores_new AS n "
                f"ANTI JOIN {CONTEXT_SCORES} AS s ON s.{_KEY_L} = n.{_KEY_L} AND s.{_KEY_R} = n.{_KEY_R} AND s.{_MODEL} = n.{_MODEL}",
            )
        finally:
            self._con.unregister("_context_scores_new")
