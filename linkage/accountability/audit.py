"""The append-only audit log: who searched for, viewed, exported or decided what, when and why.

DPA 2018 s.62 asks for a log of every consultation and disclosure of personal data.
Each row is written once in the state database's ``audit_log`` table and never
changed: this module offers no update or delete. What was searched for is recorded
here (that is the accountability record) but never in Python logs.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import duckdb

from linkage.accountability.access import MAX_USER_NAME
from linkage.pipeline import run_sql

#: The actions the dashboard records.
ACTIONS = (
    "search", "view_person", "export", "review_decide", "flag_decide", "read_audit", "sign_in", "sign_out", "sign_in_failed",
    "sign_in_locked", "sign_in_accepted", "session_resumed",
)

#: Failed sign-ins under one name, within :data:`LOCKOUT_MINUTES`, that lock the name out.
MAX_FAILED_SIGN_INS = 5
#: How long a name stays locked after too many failed sign-ins.
LOCKOUT_MINUTES = 15
#: Characters of a name typed at sign-in kept in the audit log; the rest is counted, not stored.
MAX_TYPED_NAME = MAX_USER_NAME
#: Characters kept of each typed field (a search's terms, a purpose); the rest is counted, not stored.
MAX_FIELD = 1000
#: Characters kept of an event's detail (the app's own JSON: filters, the ids of the people shown).
MAX_DETAIL = 100_000
# Characters shown as \uXXXX escapes: every control, format (bidirectional overrides, isolates and
# marks, zero-width space), surrogate, private-use and unassigned character but the zero-width
# (non-)joiners some scripts' names need.
_KEPT_FORMAT = {"\u200c", "\u200d"}


@dataclass(frozen=True)
class AuditEvent:
    """One row of the audit log."""

    event_id: int
    logged_at: datetime
    user_name: str
    role: str
    action: str
    target: str | None
    purpose: str | None
    detail: str | None


def record(
    state_con: duckdb.DuckDBPyConnection,
    user_name: str,
    role: str,
    action: str,
    target: str | None = None,
    purpose: str | None = None,
    detail: str | dict[str, Any] | None = None,
) -> int:
    """Append one event to the audit log.

    Args:
        state_con: A read-write state database connection (``linkage.store.open_state``).
        user_name: Who acted.
        role: Their role at the time.
        action: What they did, one of :data:`ACTIONS`.
        target: What it was done to: a person id, a pair, a search, an export file.
        purpose: The purpose the user stated for the session.
        detail: Anything else worth keeping (a dict is stored as JSON text).

    Every field is stored as :func:`shown` makes it: control and invisible formatting
    characters (a right-to-left override) as visible escapes, and cut at
    :data:`MAX_USER_NAME` (the user), :data:`MAX_FIELD` (target, purpose) or
    :data:`MAX_DETAIL` characters with the rest counted.

    Returns:
        The new event's id.

    Raises:
        ValueError: An unknown action or an empty user name.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; use one of {ACTIONS}")
    if not user_name:
        raise ValueError("an audit event needs a user name")
    if isinstance(detail, dict):
        detail = json.dumps(detail, sort_keys=True, default=str)
    # One place makes every field safe to store and to show: see shown().
    user_name, role = shown(user_name, MAX_USER_NAME), shown(str(role), MAX_FIELD)
    target, purpose, detail = shown(target, MAX_FIELD), shown(purpose, MAX_FIELD), shown(detail, MAX_DETAIL)
    (event_id,) = run_sql(
        state_con,
        "audit_record",
        "INSERT INTO audit_log (user_name, role, action, target, purpose, detail) "
        "VALUES ($user_name, $role, $action, $target, $purpose, $detail) RETURNING event_id",
        {"user_name": user_name, "role": role, "action": action, "target": target, "purpose": purpose, "detail": detail},
    ).fetchone()
    return event_id


def read(
    state_con: duckdb.DuckDBPyConnection,
    *,
    user_name: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    text: str | None = None,
    limit: int = 500,
) -> list[AuditEvent]:
    """Audit events, newest first, filtered.

    Args:
        state_con: A state database connection.
        user_name: Only this user's events.
        action: Only this action.
        target: Only events about this target (exact, e.g. a person id).
        since: Only events at or after this time.
        until: Only events before this time.
        text: Only events whose target, purpose or detail contains this text (any case).
        limit: At most this many events.

    Returns:
        The matching events, newest first.
    """
    cursor = run_sql(
        state_con,
        "audit_read",
        "SELECT event_id, logged_at, user_name, role, action, target, purpose, detail FROM audit_log "
        "WHERE ($user_name IS NULL OR user_name = $user_name) AND ($action IS NULL OR action = $action) "
        "AND ($target IS NULL OR target = $target) AND ($since IS NULL OR logged_at >= $since) "
        "AND ($until IS NULL OR logged_at < $until) "
        "AND ($text IS NULL OR strpos(lower(concat_ws(' ', target, purpose, detail)), lower($text)) > 0) "
        "ORDER BY event_id DESC LIMIT $limit",
        {
            "user_name": user_name, "action": action, "target": target, "since": since, "until": until,
            "text": text or None, "limit": limit,
        },
    )
    # Rows written before record() escaped every field are made as safe to show.
    return [_shown_event(AuditEvent(*row)) for row in cursor.fetchall()]


def count(state_con: duckdb.DuckDBPyConnection) -> int:
    """The number of events in the audit log."""
    return run_sql(state_con, "audit_count", "SELECT count(*) FROM audit_log").fetchone()[0]


def user_names(state_con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every user name in the audit log, sorted (including users since removed from the users file)."""
    rows = run_sql(state_con, "audit_users", "SELECT DISTINCT user_name FROM audit_log ORDER BY user_name").fetchall()
    return [shown(name) for (name,) in rows]


def shown(text: str | None, limit: int | None = None) -> str | None:
    """Text made safe to store in the audit log and to show on its page.

    Control and invisible characters (right-to-left overrides and isolates, zero-width
    and direction marks, NUL, line breaks) become visible ``\\uXXXX`` escapes, so a
    reader sees what was typed, not what it pretends to be ("name=\\u202eMP0000042"
    does not display reversed). Text longer than ``limit`` characters is cut there and
    the rest counted.

    Args:
        text: The text (None stays None).
        limit: The most characters kept (before escaping); None keeps them all.

    Returns:
        The escaped text, with ``... (+N characters)`` if it was cut.
    """
    if text is None:
        return None
    rest = len(text) - limit if limit is not None else 0
    kept = text[:limit] if rest > 0 else text
    escaped = "".join(_escape(c) if unicodedata.category(c).startswith("C") and c not in _KEPT_FORMAT else c for c in kept)
    return escaped + f"... (+{rest} characters)" if rest > 0 else escaped


def typed_name(raw: str) -> str:
    """A user name as typed by someone not yet signed in, as the audit log stores it (:func:`shown`).

    Args:
        raw: What was typed in the user name box.

    Returns:
        At most :data:`MAX_TYPED_NAME` characters, escaped, plus a count of the rest;
        ``(blank)`` for nothing.
    """
    return shown(raw.strip() or "(blank)", MAX_TYPED_NAME)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _shown_event(event: AuditEvent) -> AuditEvent:
    return replace(
        event, user_name=shown(event.user_name), target=shown(event.target), purpose=shown(event.purpose),
        detail=shown(event.detail),
    )


def record_failed_sign_in(state_con: duckdb.DuckDBPyConnection, user_name: str) -> None:
    """Log a failed sign-in under the name typed (see :func:`typed_name`; never the password typed)."""
    record(state_con, user_name.strip() or "(blank)", "unknown", "sign_in_failed")


def record_locked_sign_in(state_con: duckdb.DuckDBPyConnection, user_name: str) -> None:
    """Log an attempt refused because its name is locked out (the password is not checked).

    Kept apart from ``sign_in_failed`` so that attempts during a lockout are each on
    record without stretching the lockout itself.
    """
    record(state_con, user_name.strip() or "(blank)", "unknown", "sign_in_locked")


def locked_until(state_con: duckdb.DuckDBPyConnection, user_name: str, now: datetime | None = None) -> datetime | None:
    """When a name may try to sign in again, if too many recent sign-ins under it failed.

    A name is locked for :data:`LOCKOUT_MINUTES` after :data:`MAX_FAILED_SIGN_INS`
    failures within that time with no accepted password since; guessing a password
    then takes years, not minutes. Names are compared as :func:`typed_name` stores them.

    Args:
        state_con: A state database connection.
        user_name: The name typed.
        now: The time to judge at (default: now).

    Returns:
        The time the lock ends, or None if the name may sign in.
    """
    now = now or datetime.now()
    window = timedelta(minutes=LOCKOUT_MINUTES)
    failures = [
        at for (at,) in run_sql(
            state_con,
            "audit_failed_sign_ins",
            "SELECT logged_at FROM audit_log WHERE user_name = $name AND action = 'sign_in_failed' AND logged_at >= $since "
            "AND logged_at > coalesce((SELECT max(logged_at) FROM audit_log WHERE user_name = $name "
            "AND action IN ('sign_in', 'sign_in_accepted')), "
            "TIMESTAMP '1900-01-01') ORDER BY logged_at DESC LIMIT $n",
            {"name": typed_name(user_name), "since": now - window, "n": MAX_FAILED_SIGN_INS},
        ).fetchall()
    ]
    if len(failures) < MAX_FAILED_SIGN_INS:
        return None
    return failures[-1] + window
