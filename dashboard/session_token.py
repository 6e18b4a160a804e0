"""Keeping a user signed in across a page refresh or a pasted link (``linkage.accountability.sessions``).

Streamlit forgets everything when the browser reloads: each load is a new session.
At sign-in the app starts a server-side session and the browser keeps its signed
token in a cookie; a new load reads the cookie (``st.context.cookies``), checks the
token against the state database and restores the user and their stated purpose.
The session ends at sign-out (the token is refused from then on, in every tab), after
the idle timeout in the run config's ``dashboard`` section, or at its maximum age.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import streamlit as st

from dashboard import session
from linkage.accountability import audit as audit_log
from linkage.accountability import sessions
from linkage.accountability.access import User, load_users, users_file
from linkage.errors import MashError

#: The cookie that carries the token.
COOKIE = "mash_session"
#: Session-state keys: the token, this session's last use, its last check against the store.
TOKEN_KEY = "auth_token"
ACTIVE_KEY = "auth_token_active"
CHECKED_KEY = "auth_token_checked"
#: Seconds between checks of an open session against the store (a sign-out in another tab
#: takes effect within this time; every page load and idle spell is checked at once).
RECHECK_SECONDS = 60
#: What the page says when resuming a session cannot be recorded in the audit log.
RESUME_UNRECORDED = (
    "Your session could not be resumed: that must be recorded in the audit log, which cannot be written just now, "
    "so nothing is shown. Try again in a minute; if it keeps happening, tell your linkage administrator"
)
#: Set for the one run after a sign-out, so that run clears the cookie and reloads the browser.
SIGNED_OUT_KEY = "auth_signed_out"


def issue(user: User) -> None:
    """Start a session for a user who has just proved their password, and keep its token."""
    with session.state() as con:
        token = sessions.start(con, _key(), user.name, user.role)
    _keep(token)


def keep_purpose(text: str) -> None:
    """Store the purpose with the session, so a refresh does not ask for it again."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        with session.state() as con:
            sessions.set_purpose(con, _key(), token, text)


def revoke() -> None:
    """End this browser's session: its token opens nothing afterwards."""
    token = st.session_state.get(TOKEN_KEY) or st.context.cookies.get(COOKIE)
    if token:
        with session.state() as con:
            sessions.end(con, _key(), token)


def sign_out() -> None:
    """Sign out: end the session in the store, forget it here, and have the browser start afresh.

    The next run clears the cookie and reloads the page (:func:`sync_cookie`), so
    nothing drawn for the session (an emptied sidebar included) outlives it on screen.
    """
    revoke()
    session.sign_out()
    st.session_state[SIGNED_OUT_KEY] = True


def restore() -> bool:
    """Sign the user back in from the browser's cookie, if it names an open, fresh session.

    Returns:
        True if a session was restored (user and purpose are in session state).
    """
    token = st.context.cookies.get(COOKIE)
    if not token:
        return False
    found = _resume(token)
    if found is None:
        return False
    user = _current_user(found)
    if user is None:
        with session.state() as con:
            sessions.end(con, _key(), token, "user_changed")
        return False
    if found.purpose:
        # On record before the user is back in: the page asked for shows personal data at once.
        with session.state(RESUME_UNRECORDED) as con:
            audit_log.record(con, user.name, user.role, "session_resumed", purpose=found.purpose)
    session.sign_in(user)
    _keep(token)
    if found.purpose:
        session.set_purpose(found.purpose)
    return True


def still_valid() -> bool:
    """Whether the signed-in session is still open: not idle too long, not ended elsewhere.

    This session's idle time is judged on every run; the store (a sign-out in another
    tab, the maximum age) at most every :data:`RECHECK_SECONDS`. A session with no
    token (as in tests that set the user directly) is left alone.
    """
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return True
    now = datetime.now()
    idle = timedelta(minutes=session.run_config().dashboard.idle_timeout_minutes)
    if now - st.session_state.get(ACTIVE_KEY, now) > idle:
        with session.state() as con:
            sessions.end(con, _key(), token, "idle", now)
        return False
    st.session_state[ACTIVE_KEY] = now
    if now - st.session_state.get(CHECKED_KEY, now) < timedelta(seconds=RECHECK_SECONDS):
        return True
    if _resume(token) is None:
        return False
    st.session_state[CHECKED_KEY] = now
    return True


def sync_cookie(signed_in: bool) -> None:
    """Make the browser's cookie match: the token while signed in, nothing otherwise.

    Just after a sign-out the cookie is cleared (the browser may have been given it
    after this connection opened, so ``st.context.cookies`` cannot tell) and the page
    reloads, which starts a new, empty Streamlit session.
    """
    signed_out = st.session_state.pop(SIGNED_OUT_KEY, False)
    token = st.session_state.get(TOKEN_KEY) if signed_in else None
    if token:
        max_age = int(session.run_config().dashboard.session_max_hours * 3600)
        value = f"{COOKIE}={token}; Path=/; Max-Age={max_age}; SameSite=Strict"
    elif signed_out or COOKIE in st.context.cookies:
        value = f"{COOKIE}=; Path=/; Max-Age=0; SameSite=Strict"
    else:
        return
    reload = " location.reload();" if signed_out else ""
    # The token is URL-safe base64 and dots; json.dumps quotes it for the script all the same.
    st.html(
        f"<script>document.cookie = {json.dumps(value)} + (location.protocol === 'https:' ? '; Secure' : '');{reload}</script>",
        unsafe_allow_javascript=True,
    )


def _resume(token: str) -> sessions.SignInSession | None:
    settings = session.run_config().dashboard
    with session.state() as con:
        return sessions.resume(
            con, _key(), token,
            idle=timedelta(minutes=settings.idle_timeout_minutes), lifetime=timedelta(hours=settings.session_max_hours),
        )


def _keep(token: str) -> None:
    now = datetime.now()
    st.session_state[TOKEN_KEY] = token
    st.session_state[ACTIVE_KEY] = now
    st.session_state[CHECKED_KEY] = now


def _current_user(found: sessions.SignInSession) -> User | None:
    """The session's user if the users file still lists them with the same role."""
    try:
        listed = load_users(users_file()).get(found.user_name)
    except MashError:
        return None
    if listed is None or listed[0] != found.role:
        return None
    return User(found.user_name, listed[0])


def _key() -> bytes:
    return sessions.session_key(session.store_path())
