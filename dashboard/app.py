"""MASH Link dashboard: sign in, state a purpose, then open the pages your role allows.

Run with ``mash dashboard`` (or ``streamlit run dashboard/app.py`` with ``MASH_CONFIG``,
``MASH_STORE`` and ``MASH_USERS`` set). This entry file owns navigation; each page is
a module in ``app_pages/``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import session
from linkage import audit
from dashboard.viewing import PERSON_PARAM
from linkage.access import ROLE_LABELS, User, authenticate, can_open, pages_for, users_file
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

st.set_page_config(page_title="MASH Link", page_icon=":material/shield_person:", layout="wide")


def sign_in_page() -> None:
    """The sign-in form: a name and password checked against the users file."""
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title("MASH Link")
        st.caption("Multi-agency safeguarding: every agency's records about a person, linked.")
        with st.form("sign_in_form"):
            name = st.text_input("User name", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
        if submitted:
            with session.state() as con:
                locked = audit.locked_until(con, name)
            if locked is not None:
                st.error(f"Too many failed sign-ins under this name: try again after {locked:%H:%M}.")
                return
            try:
                user = authenticate(users_file(), name, password)
            except MashError as exc:
                st.error(str(exc))
                return
            if user is None:
                with session.state() as con:
                    audit.record_failed_sign_in(con, name)
                st.error("Wrong user name or password.")
                return
            session.sign_in(user)
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
            session.audit("sign_in")
            st.rerun()
        if st.button("Sign out"):
            session.sign_out()
            st.rerun()


def allowed_pages(role: str) -> dict[str, list[st.Page]]:
    """The role's pages that exist, grouped by navigation section."""
    sections: dict[str, list[st.Page]] = {}
    for name in pages_for(role):
        if name not in PAGES or not (HERE / "app_pages" / f"{name}.py").is_file():
            continue
        title, icon, section = PAGES[name]
        sections.setdefault(section, []).append(st.Page(f"app_pages/{name}.py", title=title, icon=icon, url_path=name))
    return sections


def sidebar(user: User) -> None:
    """Who is signed in, their purpose, and the way out."""
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{ROLE_LABELS[user.role]}")
        st.caption(f"Purpose: {session.purpose()}")
        if st.button("Sign out", icon=":material/logout:", width="stretch"):
            session.audit("sign_out")
            session.sign_out()
            st.rerun()


user = session.signed_in()
if user is None and st.query_params.get(PERSON_PARAM):
    # Kept through sign-in: the link an analyst was sent should open that person.
    st.session_state[session.ARRIVED_FOR_KEY] = st.query_params[PERSON_PARAM].strip().upper()
if user is None:
    page = st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:")], position="hidden")
elif not session.has_purpose():
    page = st.navigation([st.Page(purpose_page, title="Purpose", icon=":material/edit_note:")], position="hidden")
else:
    page = st.navigation(allowed_pages(user.role))
    arrived_for = st.session_state.pop(session.ARRIVED_FOR_KEY, None)
    if arrived_for and can_open(user.role, "profile"):
        session.open_person(arrived_for)  # the person the shared link named
    sidebar(user)
page.run()
