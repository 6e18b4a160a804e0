"""MASH Link dashboard: sign in, state a purpose, then open the pages your role allows.

Run with ``mash dashboard`` (or ``streamlit run dashboard/app.py`` with ``MASH_CONFIG``,
``MASH_STORE`` and ``MASH_USERS`` set). This entry file owns navigation; each page is
a module in ``app_pages/``. A page refresh or a pasted link keeps the user signed in
(``dashboard.session_token``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import session, session_token
from linkage.accountability import audit
from dashboard.viewing import PERSON_PARAM
from linkage.accountability.access import ROLE_LABELS, User, authenticate, can_open, pages_for, users_file
from linkage.errors import MashError

HERE = Path(__file__).resolve().parent

#: Every page: file stem -> (title, Material icon, navigation section), in menu order.
PAGES: dict[str, tuple[str, str, str]] = {
    "triage": ("MASH triage", ":material/assignment_late:", "Safeguarding"),
    "search": ("Person search", ":material/person_search:", "Safeguarding"),
    "profile": ("Person profile", ":material/badge:", "Safeguarding"),
    "network": ("Family network", ":material/hub:", "Safeguarding"),
    "intelligence": ("Intelligence", ":material/crisis_alert:", "Intelligence"),
    "review": ("Linkage review", ":material/rule:", "Linkage"),
    "quality": ("Linkage quality", ":material/monitoring:", "Linkage"),
    "audit": ("Audit log", ":material/policy:", "Linkage"),
}

#: What the sign-in form says when an attempt cannot be recorded in the audit log.
SIGN_IN_UNRECORDED = (
    "Sign-in is unavailable: every sign-in attempt must be recorded in the audit log, and it cannot be written "
    "just now. Try again in a minute; if it keeps happening, tell your linkage administrator"
)
#: Set (for one run) when a session ended for idleness or elsewhere, to say so at sign-in.
ENDED_KEY = "auth_session_ended"

# A local file: a Material icon as page icon makes the browser fetch it from fonts.gstatic.com,
# a request off the machine that fails on a secure network with no internet (and leaks a visit).
st.set_page_config(page_title="MASH Link", page_icon=str(Path(__file__).parent / "assets" / "favicon.png"), layout="wide")


def sign_in_page() -> None:
    """The sign-in form: a name and password checked against the users file.

    It answers at every page's address, so a link to a page (``/profile?person=...``)
    opens that page once the user has signed in and stated a purpose.
    """
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title("MASH Link")
        st.caption("Multi-agency safeguarding: every agency's records about a person, linked.")
        if st.session_state.pop(ENDED_KEY, False):
            st.info("Your session ended after a spell without use, or was signed out elsewhere. Sign in again.")
        with st.form("sign_in_form"):
            name = st.text_input("User name", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
        if submitted:
            # Every attempt is on record before its answer is given; if it cannot be recorded, no answer is
            # given (not even whether the password was right) and the lockout cannot be dodged.
            with session.state(SIGN_IN_UNRECORDED, say_why=False) as con:
                locked = audit.locked_until(con, name)
                if locked is not None:
                    audit.record_locked_sign_in(con, name)
            if locked is not None:
                st.error(f"Too many failed sign-ins under this name: try again after {locked:%H:%M}.")
                return
            try:
                user = authenticate(users_file(), name, password)
            except MashError as exc:
                st.error(str(exc))  # the users file's path, key and problem: never a line of it (linkage.accountability.access)
                return
            with session.state(SIGN_IN_UNRECORDED, say_why=False) as con:
                if user is None:
                    audit.record_failed_sign_in(con, name)
                else:
                    audit.record(con, user.name, user.role, "sign_in_accepted")
            if user is None:
                st.error("Wrong user name or password.")
                return
            session.sign_in(user)
            session_token.issue(user)
            st.rerun()
        st.caption("Every search and view is recorded with your name and stated purpose (DPA 2018 s.62).")


def purpose_page() -> None:
    """Ask why the user is here; the answer goes with every audit row of the session."""
    user = session.current_user()
    _, middle, _ = st.columns([1, 1.6, 1])
    with middle:
        st.title("Purpose of this session")
        st.write(
            f"Signed in as **{user.name}** ({ROLE_LABELS[user.role]}). Say why you are using the dashboard: "
            "it is recorded with every search, view, export and decision you make."
        )
        with st.form("purpose_form"):
            text = st.text_input("Purpose", placeholder="e.g. MASH referral 2026-0193: strategy discussion", max_chars=200)
            submitted = st.form_submit_button("Continue", type="primary")
        if submitted:
            if len(text.strip()) < 5:
                st.error("Give a purpose of at least a few words, such as a referral reference.")
                return
            session.set_purpose(text)
            if not session.audit("sign_in", stop=False):
                session.set_purpose("")  # through only once the sign-in is on record
                return
            session_token.keep_purpose(session.purpose())
            st.rerun()
        if st.button("Sign out"):
            session_token.sign_out()
            st.rerun()


def refused_page() -> None:
    """What a page the user's role may not open shows at its address, instead of the page."""
    st.title("Not available")
    st.warning("Your role may not open this page. Choose a page from the menu.")


def allowed_pages(role: str) -> dict[str, list[st.Page]]:
    """The role's pages that exist, grouped by navigation section, and a hidden refusal at each other page's address.

    Without the refusals, an address the role may not open would raise Streamlit's
    "page not found" dialog.
    """
    sections: dict[str, list[st.Page]] = {}
    allowed = set(pages_for(role))
    for name, (title, icon, section) in PAGES.items():
        if name in allowed and (HERE / "app_pages" / f"{name}.py").is_file():
            sections.setdefault(section, []).append(st.Page(f"app_pages/{name}.py", title=title, icon=icon, url_path=name))
    refusals = [st.Page(refused_page, title=title, url_path=name, visibility="hidden") for name, (title, _, _) in PAGES.items() if name not in allowed]
    if refusals:
        sections.setdefault("", []).extend(refusals)
    return sections


def stand_in_pages(show, title: str, icon: str) -> list[st.Page]:
    """One page at every page's address that shows ``show`` (the sign-in form, or the purpose question).

    Streamlit names a page by its address, so once the user is through, the same
    address (and its ``?person=``) opens the real page they asked for.
    """
    return [st.Page(show, title=title, icon=icon, url_path=name, default=index == 0) for index, name in enumerate(PAGES)]


def sidebar(user: User) -> None:
    """Who is signed in, their purpose, and the way out."""
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{ROLE_LABELS[user.role]}")
        st.caption(f"Purpose: {session.purpose()}")
        if st.button("Sign out", icon=":material/logout:", width="stretch"):
            session.audit("sign_out", stop=False)  # signing out ends access: it goes ahead even unrecorded
            session_token.sign_out()
            st.rerun()


def no_error_details() -> None:
    """Show an uncaught error as Streamlit's bare "This app has encountered an error", for every session.

    Its message and traceback could quote personal data (an engine's message, a search
    typed) and name the server's files. Every failure the app expects is shown as a clear
    message instead (``session.refuse``); this covers a fault in the code. The server log
    keeps the details. ``mash dashboard`` sets it on the command line too.
    """
    if st.get_option("client.showErrorDetails") != "none":
        st.set_option("client.showErrorDetails", "none")


def no_builtin_export() -> None:
    """Turn off Streamlit's own table download and copy, for every session of this server.

    Personal data leaves the app only through ``dashboard.exporting`` (audited,
    spreadsheet-safe). ``client.disableDataExport`` stops st.dataframe drawing its
    "Download as CSV" button and copying cells; it is set here, not only on the command
    line, so no way of starting the app leaves them on. Browsers learn the setting at the
    start of a run, so the run that sets it (the server's first, unless ``mash dashboard``
    passed it) runs again.
    """
    if not st.get_option("client.disableDataExport"):
        st.set_option("client.disableDataExport", True)
        st.rerun()


no_error_details()
user = session.signed_in()
if user is not None and not session_token.still_valid():
    session.sign_out()
    st.session_state[ENDED_KEY] = True
    user = None
if user is None and session_token.restore():
    user = session.signed_in()
session_token.sync_cookie(signed_in=user is not None)
if user is None:
    page = st.navigation(stand_in_pages(sign_in_page, "Sign in", ":material/login:"), position="hidden")
    if page.url_path == "" and st.query_params.get(PERSON_PARAM):
        # A link to the app's root naming a person opens their profile after sign-in
        # (a link to a page opens that page, with its ?person=).
        st.session_state[session.ARRIVED_FOR_KEY] = st.query_params[PERSON_PARAM].strip().upper()
elif not session.has_purpose():
    page = st.navigation(stand_in_pages(purpose_page, "Purpose", ":material/edit_note:"), position="hidden")
else:
    page = st.navigation(allowed_pages(user.role))
    arrived_for = st.session_state.pop(session.ARRIVED_FOR_KEY, None)
    if arrived_for and can_open(user.role, "profile"):
        session.open_person(arrived_for)  # the person the shared link named
    sidebar(user)
no_builtin_export()  # after st.navigation, so a rerun keeps the page the address asked for
page.run()
