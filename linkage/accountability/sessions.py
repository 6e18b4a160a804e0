"""Dashboard sign-in sessions that survive a page refresh: signed tokens, expiry and revocation.

A session starts when a user proves their password. The browser keeps a token
``v1.<session id>.<signature>``, the signature an HMAC-SHA256 of the id under a
secret key that lives beside the store (created on first use, readable only by its
owner, never in the repository). The session itself lives in the state database's
``sign_in_sessions`` table, so it can be ended: at sign-out, after an idle spell,
or at its maximum age. A token is honoured only if its signature is right and its
session is open and fresh; a forged, ended or stale token opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from linkage.pipeline import run_sql
from linkage.store import layout

_VERSION = "v1"
_KEY_BYTES = 32
_ID_BYTES = 24

#: Why a session ended, as recorded in ``sign_in_sessions.end_reason``.
END_REASONS = ("signed_out", "idle", "expired", "user_changed")


@dataclass(frozen=True)
class SignInSession:
    """An open session.

    Attributes:
        session_id: The random id the token carries.
        user_name: Who signed in.
        role: Their role when they signed in.
        purpose: The purpose they stated, or None before they have.
        started_at: When they signed in.
        last_seen: When the session was last used.
    """

    session_id: str
    user_name: str
    role: str
    purpose: str | None
    started_at: datetime
    last_seen: datetime


def session_key(store: str | Path) -> bytes:
    """The store's secret signing key, created (owner-only) the first time it is needed.

    Args:
        store: The store's state database file.

    Returns:
        The key bytes.
    """
    path = layout(store).session_key
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(handle, "wb") as out:
        out.write(secrets.token_bytes(_KEY_BYTES))
    return path.read_bytes()


def start(state_con: duckdb.DuckDBPyConnection, key: bytes, user_name: str, role: str, now: datetime | None = None) -> str:
    """Open a session for a user who has just proved their password.

    Args:
        state_con: A read-write state database connection.
        key: From :func:`session_key`.
        user_name: Who signed in.
        role: Their role.
        now: The time to record (default: now).

    Returns:
        The token for the browser to keep.
    """
    now = now or datetime.now()
    session_id = secrets.token_urlsafe(_ID_BYTES)
    run_sql(
        state_con,
        "session_start",
        "INSERT INTO sign_in_sessions (session_id, user_name, role, started_at, last_seen) "
        "VALUES ($id, $user_name, $role, $now, $now)",
        {"id": session_id, "user_name": user_name, "role": str(role), "now": now},
    )
    return f"{_VERSION}.{session_id}.{_sign(key, session_id)}"


def resume(
    state_con: duckdb.DuckDBPyConnection,
    key: bytes,
    token: str,
    *,
    idle: timedelta,
    lifetime: timedelta,
    now: datetime | None = None,
) -> SignInSession | None:
    """The open session a token names, marked as used now; None if the token is no good.

    A session idle for longer than ``idle`` or older than ``lifetime`` is ended here
    (reason ``idle`` or ``expired``) and refused.

    Args:
        state_con: A read-write state database connection.
        key: From :func:`session_key`.
        token: What the browser sent.
        idle: How long a session may go unused.
        lifetime: How long a session may last however busy.
        now: The time to judge at (default: now).

    Returns:
        The session, or None for a forged, malformed, ended or stale token.
    """
    now = now or datetime.now()
    session_id = _verified_id(key, token)
    if session_id is None:
        return None
    row = run_sql(
        state_con,
        "session_find",
        "SELECT session_id, user_name, role, purpose, started_at, last_seen FROM sign_in_sessions "
        "WHERE session_id = $id AND ended_at IS NULL",
        {"id": session_id},
    ).fetchone()
    if row is None:
        return None
    session = SignInSession(*row)
    if now - session.started_at > lifetime:
        _end(state_con, session_id, "expired", now)
        return None
    if now - session.last_seen > idle:
        _end(state_con, session_id, "idle", now)
        return None
    run_sql(state_con, "session_touch", "UPDATE sign_in_sessions SET last_seen = $now WHERE session_id = $id", {"id": session_id, "now": now})
    return session


def set_purpose(state_con: duckdb.DuckDBPyConnection, key: bytes, token: str, purpose: str) -> None:
    """Keep the purpose the user stated with their session, so a refresh does not ask again.

    Args:
        state_con: A read-write state database connection.
        key: From :func:`session_key`.
        token: The session's token (a forged one changes nothing).
        purpose: What the user typed.
    """
    session_id = _verified_id(key, token)
    if session_id is not None:
        run_sql(
            state_con,
            "session_purpose",
            "UPDATE sign_in_sessions SET purpose = $purpose WHERE session_id = $id AND ended_at IS NULL",
            {"id": session_id, "purpose": purpose},
        )


def end(state_con: duckdb.DuckDBPyConnection, key: bytes, token: str, reason: str = "signed_out", now: datetime | None = None) -> None:
    """End the session a token names: the token opens nothing afterwards.

    Args:
        state_con: A read-write state database connection.
        key: From :func:`session_key`.
        token: The session's token (a forged one changes nothing).
        reason: One of :data:`END_REASONS`.
        now: The time to record (default: now).

    Raises:
        ValueError: An unknown reason.
    """
    if reason not in END_REASONS:
        raise ValueError(f"unknown end reason {reason!r}; use one of {END_REASONS}")
    session_id = _verified_id(key, token)
    if session_id is not None:
        _end(state_con, session_id, reason, now or datetime.now())


def _end(state_con: duckdb.DuckDBPyConnection, session_id: str, reason: str, now: datetime) -> None:
    run_sql(
        state_con,
        "session_end",
        "UPDATE sign_in_sessions SET ended_at = $now, end_reason = $reason WHERE session_id = $id AND ended_at IS NULL",
        {"id": session_id, "now": now, "reason": reason},
    )


def _sign(key: bytes, session_id: str) -> str:
    digest = hmac.new(key, f"{_VERSION}.{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _verified_id(key: bytes, token: str) -> str | None:
    """The session id of a well-formed token whose signature is right, else None."""
    parts = token.split(".") if isinstance(token, str) and len(token) < 200 else []
    if len(parts) != 3 or parts[0] != _VERSION or not parts[1]:
        return None
    return parts[1] if hmac.compare_digest(_sign(key, parts[1]), parts[2]) else None
