"""The profile's summary tab, the first thing an analyst sees: who the person lives with, open flags, agencies.

The rows come from ``linkage.explore`` (``household``, ``flag_briefs``,
``agency_contacts``) as text ready to read; this module lays them out.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboard.viewing import AGENCY_NAMES
from linkage.explore import Household

_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~])")


def _plain(text: str) -> str:
    """Text an agency recorded, shown as written (no Markdown, no LaTeX from a ``$``)."""
    return _MARKDOWN.sub(r"\\\1", text)


def show(home: Household, briefs: pd.DataFrame, agencies: pd.DataFrame, overlap_days: int) -> None:
    """The summary tab.

    Args:
        home: ``linkage.explore.household`` of the person.
        briefs: ``linkage.explore.flag_briefs`` of their flags.
        agencies: ``linkage.explore.agency_contacts`` of the person.
        overlap_days: The household overlap the rules use (said in the caption).
    """
    lives_with(home, overlap_days)
    open_flags(briefs)
    agencies_involved(agencies)


def lives_with(home: Household, overlap_days: int) -> None:
    """Household now and before: names, roles, DOBs, where and when."""
    st.subheader("Lives with", anchor=False)
    where = (f"Lives at **{_plain(home.address)}** (their latest recorded address"
             + (f", recorded there since {home.since})" if home.since else ")")) if home.address else "No address recorded"
    st.caption(
        f"{where}. Living together: the same address with seen periods no more than {overlap_days} days apart, "
        "or the same social care episode (as the safeguarding rules count it)."
    )
    for address, people in home.shared:
        st.caption(f"Not listed: {people} people recorded at {_plain(address)} at the same time, a shared address "
                   "(hostel, refuge, hospital or block) rather than a household.")
    if home.people.empty:
        st.info("Nobody is recorded living with this person, at an address or on a social care episode.")
        return
    table = home.people.assign(link="/profile?person=" + home.people["person_id"])
    st.dataframe(
        table, hide_index=True, width="stretch", placeholder="",
        column_order=["when", "person", "born", "age", "role", "where", "seen", "link"],
        column_config={
            "when": st.column_config.TextColumn("When", width=60),
            "person": st.column_config.TextColumn("Person", width=170),
            "born": st.column_config.TextColumn("Born", width=85),
            "age": st.column_config.TextColumn("Age", width=40),
            "role": st.column_config.TextColumn("Role", width=250),
            "where": st.column_config.TextColumn("Where", width=250),
            "seen": st.column_config.TextColumn("Seen there", width=165),
            "link": st.column_config.LinkColumn("Person id", display_text=r"person=(.*)$", width=100,
                                                help="Open the person's profile"),
        },
    )


def open_flags(briefs: pd.DataFrame) -> None:
    """Flags still open (new or under review), in words, each with its latest evidence."""
    shown = briefs[briefs["open"]] if len(briefs) else briefs
    st.subheader(f"Open flags ({len(shown)})", anchor=False)
    closed = len(briefs) - len(shown)
    if shown.empty:
        st.info("No open safeguarding flags name this person."
                + (f" {closed} flag{'s' if closed != 1 else ''} actioned: see the Flags tab." if closed else ""))
        return
    for brief in shown.itertuples(index=False):
        about = f" about {_plain(brief.about)}" if brief.about else ""
        lines = [f"- {_plain(line)}" for line in brief.evidence]
        if brief.more:
            lines.append(f"- and {brief.more} more event{'s' if brief.more != 1 else ''} (Flags tab)")
        st.markdown(
            f"**{_plain(brief.label)}**{about} · severity {brief.severity} · decision: **{brief.status}**  \n"
            f"{_plain(brief.rule)}.\n\n" + "\n".join(lines)
        )
    if closed:
        st.caption(f"{closed} more flag{'s' if closed != 1 else ''} actioned: see the Flags tab.")


def agencies_involved(agencies: pd.DataFrame) -> None:
    """Each agency that knows the person, with its latest contact."""
    st.subheader("Agencies involved", anchor=False)
    st.dataframe(
        agencies.assign(agency=agencies["agency"].map(lambda a: AGENCY_NAMES.get(a, a))),
        hide_index=True, width="stretch", placeholder="",
        column_config={
            "agency": st.column_config.TextColumn("Agency", width=170),
            "records": st.column_config.NumberColumn("Records", width=70),
            "first_contact": st.column_config.TextColumn("First contact", width=100),
            "latest_contact": st.column_config.TextColumn("Latest contact", width=100),
            "latest_event": st.column_config.TextColumn("Latest contact was", width="large"),
            "role": st.column_config.TextColumn("As", width=90),
            "record_id": st.column_config.TextColumn("Record", width=100),
        },
    )
