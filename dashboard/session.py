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

from linkage.accountability import audit as audit_log
from linkage.accountability.access import User, can_do
from linkage.config import RunConfig, load_run_config
from linkage.errors import MashError, StepError, without_values
from linkage.store import connect_results, open_state, results_path

logger = logging.getLogger(__name__)

#: Environment variable naming the run config.
CONFIG_ENV = "MASH_CONFIG"
#: Environment variable overriding the run config's store.
STORE_ENV = "MASH_STORE"
#: The run config when ``$MASH_CONFIG`` is not set.
DEFAULT_CONFIG = Path("configs/run.yaml")
#: The profile page, for :func:`open_person`.
PROFILE_PAGE = "app_pages/profile.py"

#: Errors of the state database (audit log, decisions, sessions): the page refuses, with no traceback.
STATE_ERRORS = (MashError, duckdb.Error, OSError)
#: What a page says instead of what it would show when the audit log cannot be written.
NOT_RECORDED = (
    "This could not be recorded in the audit log, so it is not shown: every search and view of a person must be "
    "logged. Try again in a minute; if it keeps happening, tell your linkage administrator that the audit log "
    "could not be written"
)
#: What a page says when the state database cannot be opened or used.
STATE_UNAVAILABLE = (
    "The state database (audit log, decisions) cannot be used, so nothing is shown: it could not be recorded in "
    "the audit log. Try again in a minute; if it keeps happening, tell your linkage administrator"
)

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
        action: An action name from ``linkage.accountability.access.ACTION_ROLES`` (``search``, ``export``...).
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


def audit(action: str, target: str | None = None, detail: str | dict[str, Any] | None = None, *, stop: bool = True) -> bool:
    """Append an audit row for the signed-in user with their stated purpose.

    Args:
        action: ``search``, ``view_person``, ``export``, ``review_decide`` or ``read_audit``.
        target: What it was done to (a person id, a search, a pair).
        detail: Anything else worth keeping; a dict is stored as JSON.
        stop: Stop the page if the row cannot be written (the default: what it would
            show was not logged). False for what needs no record to be safe, such as
            signing out: the refusal is shown and the caller carries on.

    Returns:
        Whether the row was written.

    If the audit log cannot be written, the page shows why (no traceback, no values)
    and stops, so nothing is shown that was not logged.
    """
    user = current_user()
    try:
        with open_state(store_path()) as con:
            audit_log.record(con, user.name, user.role, action, target, purpose(), detail)
    except STATE_ERRORS as exc:
        # No audit row, no data: the page stops here, before it shows what it found.
        refuse(NOT_RECORDED, exc, action)
        if stop:
            st.stop()
        return False
    return True


def refuse(message: str, error: BaseException, what: str, *, say_why: bool = True) -> None:
    """Say that something was refused because the state database failed: no traceback, no values.

    Args:
        message: What the user is told (without the reason).
        error: What failed; its reason is added to the message (``say_why``) and logged.
        what: What was refused, for the log.
        say_why: Whether to show the reason (the store in use, a full disk); not to visitors
            who have not signed in, who are told only to try again.
    """
    reason = _reason(error)
    # The server log gets the engine's first line too (quoted values dropped), for the administrator.
    logger.error("the state database failed (%s: %s); %s was refused", type(error).__name__,
                 without_values(str(error).strip().splitlines()[0]) if str(error).strip() else reason, what)
    st.error(f"{message} ({reason})." if say_why else f"{message}.", icon=":material/gpp_bad:")


def _reason(error: BaseException) -> str:
    """Why the state database failed, in a few words for the user: a full disk, the store in use, a refused write.

    Never a traceback, a SQL step or an engine's description of the row it refused:
    those go to the server log only.
    """
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    if isinstance(error, StepError):
        # The engine's kind of error ("Constraint Error"); for a file problem, the system's words ("No space left on device").
        kind, _, rest = str(error).partition(" failed: ")[2].partition(": ")
        if kind == "IO Error" and rest:
            return f"{kind}: {rest.splitlines()[0].rsplit(': ', 1)[-1]}"
        return f"the database refused it: {kind}" if kind.endswith("Error") else "the database refused it"
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
        connection = _results_connection(str(path))
    except MashError as exc:
        st.error(str(exc))
        st.stop()
    cursor = connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


@contextmanager
def state(refusal: str | None = None, *, say_why: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection to the state database, closed on exit.

    If the state database cannot be opened (a full disk, a lock held too long) or a
    read or write on it fails (an audit row refused), the page says why and stops: it
    holds the audit log, so nothing could be logged. No traceback reaches the browser.

    Args:
        refusal: What the page says then (default :data:`STATE_UNAVAILABLE`).
        say_why: Whether to add the reason (see :func:`refuse`).
    """
    try:
        con = open_state(store_path())
    except STATE_ERRORS as exc:
        refuse(refusal or STATE_UNAVAILABLE, exc, "the page", say_why=say_why)
        st.stop()
    try:
        yield con
    except STATE_ERRORS as exc:
        refuse(refusal or STATE_UNAVAILABLE, exc, "the page", say_why=say_why)
        st.stop()
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
    return connect_results(path)  # a refused file raises, so it is not cached
