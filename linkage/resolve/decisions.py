"""Analysts' review decisions as resolution reads them: the table, the latest decision per pair, the records decided on."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from linkage.pipeline import run_sql
from linkage.store import REVIEW_DECISIONS_SQL


def ensure_decisions_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the analysts' review decisions table if absent. Runs never drop or rewrite it."""
    run_sql(con, "create_review_decisions", REVIEW_DECISIONS_SQL)


def read_decisions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """Each record pair's latest confirm/reject decision, keyed by (lower id, higher id).

    In the order they were made (by the latest decision on each pair): clustering merges
    confirmations in this order, and which of two confirmations a rejection refuses can
    depend on it.
    """
    rows = run_sql(
        con,
        "read_review_decisions",
        "SELECT least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r), "
        "arg_max(decision, decided_at) FROM review_decisions GROUP BY ALL ORDER BY max(decided_at), 1, 2",
    ).fetchall()
    return {(a, b): decision for a, b, decision in rows if decision in ("confirm", "reject")}


def decided_records(decided: Mapping[tuple[str, str], str]) -> set[str]:
    """Every record in a decided pair: each keeps an identity profile of its own (``profiles.collapse``'s ``keep_apart``)."""
    return {uid for pair in decided for uid in pair}
