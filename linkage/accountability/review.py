"""Analysts' review decisions on record pairs, kept in the state database.

A decision is written and committed at once, so it survives a restart of the
dashboard. The next ``mash run`` applies confirm (must link) and reject (cannot
link) decisions when it clusters (see ``linkage.resolve.run``), and the flags built
on those people are recomputed by that run. 'unsure' is recorded for the history
and changes nothing. Decisions are never updated: a newer one supersedes an older
one for the same pair, and the whole history stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from linkage.pipeline import run_sql

#: The decisions an analyst may record.
DECISIONS = ("confirm", "reject", "unsure")

#: Columns of :func:`decisions_for`.
DECISION_COLUMNS = ["unique_id_l", "unique_id_r", "decision", "reason", "reviewer", "decided_at", "latest"]


@dataclass(frozen=True)
class Decision:
    """One saved decision: the pair (least id first), what was decided, why, by whom and when."""

    unique_id_l: str
    unique_id_r: str
    decision: str
    reason: str
    reviewer: str
    decided_at: datetime


def save_decision(
    state_con: duckdb.DuckDBPyConnection,
    unique_id_l: str,
    unique_id_r: str,
    decision: str,
    reason: str,
    reviewer: str,
) -> Decision:
    """Record an analyst's decision on a pair of records, committed at once.

    Args:
        state_con: A read-write state connection (``linkage.store.open_state``).
        unique_id_l: One record (``source:record_id``).
        unique_id_r: The other; the pair is stored least id first whatever the order given.
        decision: ``confirm`` (same person), ``reject`` (different people) or ``unsure``.
        reason: Why, in the analyst's words; required.
        reviewer: Who decided.

    Returns:
        The decision as stored.

    Raises:
        ValueError: An unknown decision, an empty reason or reviewer, or a record paired with itself.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("give a reason for the decision")
    if not (reviewer or "").strip():
        raise ValueError("a decision needs a reviewer")
    left, right = sorted((unique_id_l.strip(), unique_id_r.strip()))
    if not left or left == right:
        raise ValueError("a decision needs two different records")
    # Autocommit: the row is durable when this returns, whatever happens to the dashboard next.
    row = run_sql(
        state_con,
        "save_review_decision",
        "INSERT INTO review_decisions (unique_id_l, unique_id_r, decision, reason, reviewer, decided_at) "
        "VALUES ($l, $r, $decision, $reason, $reviewer, now()) RETURNING decided_at",
        {"l": left, "r": right, "decision": decision, "reason": reason, "reviewer": reviewer.strip()},
    ).fetchone()
    return Decision(left, right, decision, reason, reviewer.strip(), row[0])


def decisions_for(state_con: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """The decision history of the given pairs, newest first.

    Args:
        state_con: A state connection.
        pairs: ``(unique_id_l, unique_id_r)`` in either order.

    Returns:
        One row per decision (see :data:`DECISION_COLUMNS`); ``latest`` marks the one in force.
    """
    wanted = sorted({tuple(sorted(p)) for p in pairs})
    if not wanted:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    frame = pd.DataFrame(wanted, columns=["l", "r"])
    state_con.register("review_wanted", frame)
    try:
        return run_sql(
            state_con,
            "read_review_decisions",
            "SELECT d.unique_id_l, d.unique_id_r, d.decision, d.reason, d.reviewer, d.decided_at, "
            "row_number() OVER (PARTITION BY d.unique_id_l, d.unique_id_r ORDER BY d.decided_at DESC) = 1 AS latest "
            "FROM (SELECT least(unique_id_l, unique_id_r) AS unique_id_l, greatest(unique_id_l, unique_id_r) AS unique_id_r, "
            "decision, reason, reviewer, decided_at FROM review_decisions) AS d "
            "JOIN review_wanted AS w ON w.l = d.unique_id_l AND w.r = d.unique_id_r "
            "ORDER BY d.unique_id_l, d.unique_id_r, d.decided_at DESC",
        ).df()
    finally:
        state_con.unregister("review_wanted")


def recent_decisions(state_con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    """The latest decisions across all pairs, newest first (for the review page's history).

    Args:
        state_con: A state connection.
        limit: Most rows.

    Returns:
        unique_id_l, unique_id_r, decision, reason, reviewer, decided_at.
    """
    return run_sql(
        state_con,
        "recent_review_decisions",
        "SELECT least(unique_id_l, unique_id_r) AS unique_id_l, greatest(unique_id_l, unique_id_r) AS unique_id_r, "
        "decision, reason, reviewer, decided_at FROM review_decisions ORDER BY decided_at DESC LIMIT $limit",
        {"limit": limit},
    ).df()


def decided_pairs(state_con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every pair with a decision in force, and that decision (the review queue leaves them out).

    Args:
        state_con: A state connection.

    Returns:
        unique_id_l, unique_id_r (least first), decision, reviewer, decided_at: the latest per pair.
    """
    return run_sql(
        state_con,
        "decided_review_pairs",
        "SELECT least(unique_id_l, unique_id_r) AS unique_id_l, greatest(unique_id_l, unique_id_r) AS unique_id_r, "
        "arg_max(decision, decided_at) AS decision, arg_max(reviewer, decided_at) AS reviewer, max(decided_at) AS decided_at "
        "FROM review_decisions GROUP BY ALL",
    ).df()
