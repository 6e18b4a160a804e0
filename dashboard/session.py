"""What every dashboard page shares: the signed-in user, the store, the audit trail.

Pages call these helpers and never open connections or read the users file
themselves. The run config comes from ``$MASH_CONFIG`` (default ``configs/run.yaml``)
with an optional ``$MASH_STORE`` override of its store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from linkage import audit as audit_log
from linkage.access import User, can_do
from linkage.config import RunConfig, load_run_config
from linkage.errors import MashError, without_values
from linkage.store import connect, open_state, results_path

logger = logging.getLogger(__name__)

#: Environment variable naming the run config.
CONFIG_ENV = "MASH_CONFIG"
#: Environment variable overriding the run config's store.
STORE_ENV = "MASH_STORE"
#: The run config when ``$MASH_CONFIG`` is not set.
DEFAULT_CONFIG = Path("configs/run.yaml")
#: The profile page, for :func:`open_person`.
PROFILE_PAGE = "app_pages/profile.py"

#: Session-state keys (per browser session; cleared at sign-out).
USER_KEY = "auth_user"
PURPOSE_KEY = "auth_purpose"
PERSON_KEY = "person_id"
#: A person named by the link the user arrived with, opened once they have signed in.
ARRIVED_FOR_KEY = "arrived_for_person"


def signed_in() -> User | None:
    """The signed-in user, or None."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def current_user() -> User:
    """The signed-in user; stops the page if nobody is signed in."""
    user = signed_in()
    if user is None:
        st.warning("Sign in to use the dashboard.")
        st.stop()
    return user


def sign_in(user: User) -> None:
    """Start a session for a user who has just proved their password (used by the entry page).

    Everything is cleared but the person a shared link named, so the link still opens them.
    """
    arrived_for = st.session_state.get(ARRIVED_FOR_KEY)
    st.session_state.clear()
    st.session_state[USER_KEY] = user
    if arrived_for:
        st.session_state[ARRIVED_FOR_KEY] = arrived_for


def sign_out() -> None:
    """End the session: forget the user, their purpose and everything they opened."""
    st.session_state.clear()


def require(action: str) -> None:
    """Stop the page with a message if the signed-in user's role may not take an action.

    Args:
        action: An action name from ``linkage.access.ACTION_ROLES`` (``search``, ``export``...).
    """
    user = current_user()
    if not can_do(user.role, action):
        st.error(f"Your role ({user.role}) may not {action.replace('_', ' ')}.")
        st.stop()


def purpose() -> str:
    """The purpose the user stated for this session; stops the page if none was given."""
    stated = st.session_state.get(PURPOSE_KEY)
    if not stated:
        st.warning("State the purpose of this session first.")
        st.stop()
    return stated


def set_purpose(text: str) -> None:
    """Record the purpose the user states after signing in (used by the entry page)."""
    st.session_state[PURPOSE_KEY] = text.strip()


def has_purpose() -> bool:
    """Whether the user has stated a purpose for this session."""
    return bool(st.session_state.get(PURPOSE_KEY))


def audit(action: str, target: str | None = None, detail: str | dict[str, Any] | None = None) -> None:
    """Append an audit row for the signed-in user with their stated purpose.

    Args:
        action: ``search``, ``view_person``, ``export``, ``review_decide`` or ``read_audit``.
        target: What it was done to (a person id, a search, a pair).
        detail: Anything else worth keeping; a dict is stored as JSON.

    If the audit log cannot be written, the page shows why (no traceback) and stops,
    so nothing is shown that was not logged.
    """
    user = current_user()
    try:
        with state() as con:
            audit_log.record(con, user.name, user.role, action, target, purpose(), detail)
    except (MashError, duckdb.Error, OSError) as exc:
        # No audit row, no data: the page stops here, before it shows what it found.
        logger.error("audit write failed (%s); the %s was not shown", type(exc).__name__, action)
        st.error(
            "This could not be recorded in the audit log, so it is not shown: every search and view of a person "
            "must be logged. Try again in a minute; if it keeps happening, tell your linkage administrator "
            f"that the audit log could not be written ({_reason(exc)}).",
            icon=":material/gpp_bad:",
        )
        st.stop()


def _reason(error: BaseException) -> str:
    """Why a write to the state database failed, without a traceback: the store in use, a full disk..."""
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    # Messages from the store name the file and the problem, never a value (quoted literals are dropped).
    return without_values(str(error).strip().splitlines()[0]) if str(error).strip() else type(error).__name__


def open_person(person_id: str) -> None:
    """Open a person's profile page (the id also goes in the URL, so the link can be shared)."""
    st.session_state[PERSON_KEY] = person_id
    st.switch_page(PROFILE_PAGE, query_params={"person": person_id})


def run_config() -> RunConfig:
    """The run config named by ``$MASH_CONFIG``, with ``$MASH_STORE`` applied."""
    return _load_config(os.environ.get(CONFIG_ENV) or str(DEFAULT_CONFIG), os.environ.get(STORE_ENV) or None)


def store_path() -> Path:
    """The store's state database file."""
    return Path(run_config().store)


@contextmanager
def results() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the current run's results; stops the page if there are none yet."""
    try:
        path = results_path(store_path())
    except MashError as exc:
        st.error(str(exc))
        st.stop()
    cursor = _results_connection(str(path)).cursor()
    try:
        yield cursor
    finally:
        cursor.close()


@contextmanager
def state() -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection to the state database, closed on exit.

    If the state database cannot be opened (a full disk, a lock held too long) the page
    says why and stops: it holds the audit log, so nothing could be logged.
    """
    try:
        con = open_state(store_path())
    except (MashError, duckdb.Error, OSError) as exc:
        logger.error("state database could not be opened (%s); the page was stopped", type(exc).__name__)
        st.error(
            "The state database (audit log, decisions) cannot be opened, so nothing is shown: it could not be "
            "recorded in the audit log. Try again in a minute; if it keeps happening, tell your linkage "
            f"administrator ({_reason(exc)}).",
            icon=":material/gpp_bad:",
        )
        st.stop()
    try:
        yield con
    finally:
        con.close()


@st.cache_resource(show_spinner=False)
def _load_config(config: str, store: str | None) -> RunConfig:
    # A RunConfig holds paths and thresholds only, no personal data.
    return load_run_config(config, store=store)


def _close(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


# Keyed by the results file: a completed run switches every session to the new file;
# the previous connection stays for pages mid-query and is closed when evicted.
@st.cache_resource(show_spinner=False, max_entries=2, on_release=_close)
def _results_connection(path: str) -> duckdb.DuckDBPyConnection:
    return connect(path, read_only=True)
