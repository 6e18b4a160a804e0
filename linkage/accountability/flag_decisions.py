"""Decisions on flags: a flag prompts a person to decide, and what they decided is kept.

A flag is not a verdict (DPA 2018 ss.50A-50D expect meaningful human involvement in
decisions resting on automated processing). Each flag has a status: **new** until
someone records a decision, then **under review** or **actioned** with an outcome
(MARAC referral, strategy discussion...), always with an owner and a rationale.

Flags are re-created by every run, so a decision is keyed on what stays the same
from run to run: the flag code and the flagged person's id. Person ids are stable
across runs, and one merged into another is resolved to the survivor through the
results' ``person_ids`` (as :func:`linkage.resolve.resolve_person_id` does), so a
decision follows its person. Decisions live in the state database, which no run
rolls back; they are appended, never updated, and the latest for a flag is the one
in force. Each is written together with its audit row, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from linkage.accountability import audit
from linkage.pipeline import fetch_arrow, run_sql

#: How each status reads, in workflow order (a flag no one has decided on is new).
STATUS_LABELS = {"new": "New", "under_review": "Under review", "actioned": "Actioned"}
#: The statuses a decision may record.
DECIDED_STATUSES = ("under_review", "actioned")
#: The outcomes of an actioned flag, and how each reads.
OUTCOME_LABELS = {
    "marac_referral": "MARAC referral",
    "strategy_discussion": "Strategy discussion",
    "childrens_social_care": "Referred to children's social care",
    "early_help": "Referred to early help",
    "matac_tasking": "MATAC tasking",
    "no_further_action": "No further action",
}
#: Longest rationale kept (characters).
MAX_RATIONALE = 2000

#: Columns of :func:`decision_history` and :func:`decisions_in_force`.
DECISION_COLUMNS = ["flag_code", "person_id", "status", "outcome", "owner", "rationale", "decided_by", "decided_at"]
_SCHEMA = pa.schema([
    *((c, pa.string()) for c in DECISION_COLUMNS[:-1]),
    ("decided_at", pa.timestamp("us")),
])


@dataclass(frozen=True)
class FlagDecision:
    """One recorded decision on a flag (a flag code on a person)."""

    flag_code: str
    person_id: str
    status: str
    outcome: str | None
    owner: str
    rationale: str
    decided_by: str
    decided_at: datetime


def status_text(status: str, outcome: str | None = None) -> str:
    """A status as the dashboard and CLI show it: ``Actioned: MARAC referral``, ``Under review``, ``New``."""
    label = STATUS_LABELS.get(status, status)
    return f"{label}: {OUTCOME_LABELS.get(outcome, outcome)}" if outcome else label


def record_flag_decision(
    state_con: duckdb.DuckDBPyConnection,
    *,
    flag_code: str,
    person_id: str,
    status: str,
    outcome: str | None,
    owner: str,
    rationale: str,
    user_name: str,
    role: str,
    purpose: str | None,
) -> FlagDecision:
    """Record a decision on a flag and its audit row, together or not at all.

    Args:
        state_con: A read-write state connection (``linkage.store.open_state``).
        flag_code: The flag's code (``serial_perpetrator``...).
        person_id: The flagged person (the flag's subject).
        status: ``under_review`` or ``actioned``.
        outcome: For ``actioned``, one of :data:`OUTCOME_LABELS`; None otherwise.
        owner: Who owns the next step (a name or a team).
        rationale: Why, in the decider's words; required.
        user_name: Who recorded the decision.
        role: Their role.
        purpose: Their stated purpose, for the audit row.

    Returns:
        The decision as stored.

    Raises:
        ValueError: An unknown status or outcome, an outcome missing or given when it
            should not be, or an empty owner, rationale, flag or person.
    """
    if status not in DECIDED_STATUSES:
        raise ValueError(f"status must be one of {', '.join(DECIDED_STATUSES)}, not {status!r}")
    if status == "actioned" and outcome not in OUTCOME_LABELS:
        raise ValueError(f"an actioned flag needs an outcome: one of {', '.join(OUTCOME_LABELS)}")
    if status != "actioned" and outcome is not None:
        raise ValueError("only an actioned flag has an outcome")
    owner, rationale = (owner or "").strip(), (rationale or "").strip()
    flag_code, person_id = (flag_code or "").strip(), (person_id or "").strip().upper()
    if not owner:
        raise ValueError("name the owner of the flag (a person or a team)")
    if not rationale:
        raise ValueError("give the rationale for the decision")
    if len(rationale) > MAX_RATIONALE:
        raise ValueError(f"keep the rationale under {MAX_RATIONALE} characters")
    if not flag_code or not person_id or not user_name:
        raise ValueError("a decision needs a flag, a person and the user recording it")
    run_sql(state_con, "flag_decision_begin", "BEGIN TRANSACTION")
    try:
        (decided_at,) = run_sql(
            state_con,
            "save_flag_decision",
            "INSERT INTO flag_decisions (flag_code, person_id, status, outcome, owner, rationale, decided_by, decided_at) "
            "VALUES ($code, $person, $status, $outcome, $owner, $rationale, $user, now()) RETURNING decided_at",
            {
                "code": flag_code, "person": person_id, "status": status, "outcome": outcome, "owner": owner,
                "rationale": rationale, "user": user_name,
            },
        ).fetchall()[0]
        audit.record(
            state_con, user_name, role, "flag_decide", person_id, purpose,
            {"flag": flag_code, "status": status, "outcome": outcome, "owner": owner},
        )
        run_sql(state_con, "flag_decision_commit", "COMMIT")
    except BaseException:
        run_sql(state_con, "flag_decision_rollback", "ROLLBACK")
        raise
    return FlagDecision(flag_code, person_id, status, outcome, owner, rationale, user_name, decided_at)


def decision_history(state_con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Every decision ever recorded on a flag, oldest first, with the person id it was recorded under.

    Decisions are made by people, so there are few of them: the whole history is
    read and resolved against the current results by :func:`decisions_in_force`.
    """
    return fetch_arrow(
        state_con,
        "read_flag_decisions",
        f"SELECT {', '.join(DECISION_COLUMNS)} FROM flag_decisions ORDER BY decided_at, rowid",
    ).cast(_SCHEMA)


def decisions_in_force(con: duckdb.DuckDBPyConnection, history: pa.Table, *, latest: bool = True) -> pd.DataFrame:
    """Decisions resolved to the people the current results know, the latest per flag first.

    Args:
        con: A results cursor (its ``person_ids`` maps merged ids to their survivor).
        history: :func:`decision_history`.
        latest: Only the decision in force per flag code and person; False for every
            decision, newest first.

    Returns:
        :data:`DECISION_COLUMNS` with ``person_id`` the id the person is known by now,
        plus ``recorded_for`` (the id the decision was recorded under).
    """
    ids = "(SELECT person_id, CASE WHEN status = 'alias' THEN alias_of ELSE person_id END AS now_id FROM person_ids)"
    keep = "QUALIFY row_number() OVER (PARTITION BY flag_code, person_id ORDER BY decided_at DESC) = 1" if latest else ""
    con.register("flag_decision_history", history)
    try:
        frame = run_sql(
            con,
            "flag_decisions_in_force",
            "WITH resolved AS ("
            "  SELECT d.flag_code, coalesce(i.now_id, d.person_id) AS person_id, d.status, d.outcome, d.owner, "
            "  d.rationale, d.decided_by, d.decided_at, d.person_id AS recorded_for "
            f"  FROM flag_decision_history AS d LEFT JOIN {ids} AS i ON i.person_id = d.person_id) "
            f"SELECT * FROM resolved {keep} ORDER BY person_id, flag_code, decided_at DESC",
        ).df()
    finally:
        con.unregister("flag_decision_history")
    # Text columns with None for missing (pandas reads a null string as NaN).
    text = [c for c in frame.columns if c != "decided_at"]
    frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
    return frame


def in_force_table(decisions: pd.DataFrame) -> pa.Table:
    """Decisions in force as an Arrow table with fixed types (for registering, even when empty)."""
    columns = DECISION_COLUMNS
    frame = decisions.reindex(columns=columns) if len(decisions) else pd.DataFrame(columns=columns)
    return pa.Table.from_pandas(frame[columns], schema=_SCHEMA, preserve_index=False)
