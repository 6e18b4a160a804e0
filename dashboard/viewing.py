"""What the analyst pages share: which person is open, and auditing each view once.

Streamlit reruns a page on every click, so a view is audited when it first shows
a target in the session, not on every rerun; the audit log then reads as what was
consulted, not as how often the page redrew.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import session
from linkage.resolve import resolve_person_id

#: How agencies are named on the analyst pages.
AGENCY_NAMES = {
    "police": "Police", "social_care": "Children's social care", "health": "Health", "education": "Education",
    "probation": "Probation", "housing": "Housing", "other": "Other",
}
#: Query parameter carrying the open person, so a profile or network link can be shared.
PERSON_PARAM = "person"
# (action, target, detail key) already audited in this session.
_AUDITED = "viewing_audited"
_TYPED_ID = "viewing_typed_person_id"


def selected_person() -> str | None:
    """The person the analyst opened: the link's ``?person=`` first, else the session's choice.

    The choice is written back to both, so the page's URL always names who is shown.
    """
    from_link = (st.query_params.get(PERSON_PARAM) or "").strip().upper()
    person_id = from_link or st.session_state.get(session.PERSON_KEY)
    if person_id:
        st.session_state[session.PERSON_KEY] = person_id
        if st.query_params.get(PERSON_PARAM) != person_id:
            st.query_params[PERSON_PARAM] = person_id
    return person_id


def choose_person(person_id: str) -> None:
    """Make a person the open one on this page (without leaving it)."""
    st.session_state[session.PERSON_KEY] = person_id
    st.query_params[PERSON_PARAM] = person_id


def person_picker() -> str:
    """A sidebar box to open a person by id, and the person now open (see :func:`selected_person`).

    Stops the page with a pointer to search and triage when no person is open.
    """
    with st.sidebar:
        st.text_input("Open person id", placeholder="MP0000042", key=_TYPED_ID, on_change=_open_typed)
    person_id = selected_person()
    if not person_id:
        st.info("Open a person from **Person search** or **MASH triage**, or type a person id in the sidebar.")
        st.stop()
    # Ids are stable across runs; one merged into another still opens the survivor.
    with session.results() as con:
        current = resolve_person_id(con, person_id)
    if current and current != person_id:
        st.info(f"{person_id} has been merged with {current}, the id this person is now known by.", icon=":material/merge:")
        return current
    return person_id


def _open_typed() -> None:
    typed = (st.session_state.get(_TYPED_ID) or "").strip().upper()
    if typed:
        choose_person(typed)
    # Emptied, so the box never reopens an earlier person after the analyst moves on.
    st.session_state[_TYPED_ID] = ""


def record_view(action: str, target: str, detail: dict[str, Any] | None = None) -> None:
    """Write an audit row the first time this session shows ``target`` this way.

    Args:
        action: The audit action (``view_person``, ``search``...).
        target: What was shown (a person id, a pair, a listing).
        detail: What view it was (page, depth...); part of what makes a view distinct.
    """
    key = (action, target, repr(sorted((detail or {}).items())))
    seen = st.session_state.setdefault(_AUDITED, set())
    if key in seen:
        return
    session.audit(action, target=target, detail=detail)
    seen.add(key)
