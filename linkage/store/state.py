"""The state database: what analysts and runs write that no run may roll back.

Review decisions, decisions on flags, the audit log, the run history and dashboard sign-in sessions live here, apart from the
results files, so a failed or killed run can never touch them. Every writer (a run,
each dashboard action) opens it briefly, so a busy moment is waited out, not refused.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from linkage.errors import MashError
from linkage.pipeline import run_sql
from linkage.store.connection import connect

#: Seconds to wait for another process's short write to the state database.
STATE_WAIT_SECONDS = 15.0

#: The analysts' review decisions table: in the state database, and copied into each run's results.
REVIEW_DECISIONS_SQL = (
    "CREATE TABLE IF NOT EXISTS review_decisions ("
    "unique_id_l VARCHAR NOT NULL, unique_id_r VARCHAR NOT NULL, "
    "decision VARCHAR NOT NULL CHECK (decision IN ('confirm', 'reject', 'unsure')), "
    "reason VARCHAR, reviewer VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL DEFAULT now())"
)

_STATE_TABLES = (
    ("create_review_decisions", REVIEW_DECISIONS_SQL),
    (
        "create_flag_decisions",
        "CREATE TABLE IF NOT EXISTS flag_decisions ("
        "flag_code VARCHAR NOT NULL, person_id VARCHAR NOT NULL, "
        "status VARCHAR NOT NULL CHECK (status IN ('under_review', 'actioned')), outcome VARCHAR, "
        "owner VARCHAR NOT NULL, rationale VARCHAR NOT NULL, decided_by VARCHAR NOT NULL, "
        "decided_at TIMESTAMP NOT NULL DEFAULT now(), CHECK ((status = 'actioned') = (outcome IS NOT NULL)))",
    ),
    (
        "create_runs",
        "CREATE TABLE IF NOT EXISTS runs ("
        "run_id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, status VARCHAR NOT NULL, "
        "started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, results_file VARCHAR, "
        "model_version INTEGER, config_hash VARCHAR, config JSON, inputs JSON, counts JSON, "
        "seconds JSON, error VARCHAR)",
    ),
    ("create_audit_sequence", "CREATE SEQUENCE IF NOT EXISTS audit_event_id"),
    (
        "create_audit_log",
        "CREATE TABLE IF NOT EXISTS audit_log ("
        "event_id BIGINT PRIMARY KEY DEFAULT nextval('audit_event_id'), "
        "logged_at TIMESTAMP NOT NULL DEFAULT now(), user_name VARCHAR NOT NULL, role VARCHAR NOT NULL, "
        "action VARCHAR NOT NULL, target VARCHAR, purpose VARCHAR, detail VARCHAR)",
    ),
    (
        "create_sign_in_sessions",
        "CREATE TABLE IF NOT EXISTS sign_in_sessions ("
        "session_id VARCHAR PRIMARY KEY, user_name VARCHAR NOT NULL, role VARCHAR NOT NULL, purpose VARCHAR, "
        "started_at TIMESTAMP NOT NULL, last_seen TIMESTAMP NOT NULL, ended_at TIMESTAMP, end_reason VARCHAR)",
    ),
)


def open_state(store: str | Path, *, wait: float = STATE_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the state database for a short read or write, creating its tables if absent.

    Close it as soon as the write is done (use it in a ``with`` block): while it is
    open, other processes wait.

    Args:
        store: The store's state database file (the run config's ``store``).
        wait: Seconds to wait while another process has it open.

    Returns:
        A read-write connection.

    Raises:
        MashError: Still held by another process after ``wait`` seconds.
    """
    deadline = time.monotonic() + wait
    pause = 0.02
    while True:
        try:
            con = connect(store)
            break
        except MashError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
    for name, sql in _STATE_TABLES:
        run_sql(con, name, sql)
    return con

