"""The profile's chronology tab: a person's (or their family's) events from every agency, shown, exported and printed.

The table, the CSV and the printable page are the same rows, from
``linkage.explore.chronology``. The person's own chronology is rendered with the
profile and audited by its view; taking in family and household is audited once
per session as a view of its own naming who was added. Each download is an
``export`` row written through :func:`dashboard.exporting.export_button` before
the file leaves.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session
from dashboard.exporting import export_button
from dashboard.viewing import AGENCY_NAMES, record_view
from linkage.explore import chronology, chronology_html, family_members

#: Column order on screen: how sure the link is sits beside what happened (the files keep the library's order).
ORDER = (
    "date", "person", "relationship", "agency", "event", "role", "link", "match_probability", "domestic_abuse",
    "dash_risk", "plan", "category", "service", "complaint", "markers", "record_id", "source", "person_id",
)
#: The widget that takes in family and household.
FAMILY_KEY = "chronology_family_{person_id}"


def show(person_id: str, name: str) -> None:
    """The chronology tab for an open person.

    Args:
        person_id: The person.
        name: How the person is named in headings (their golden name).
    """
    family = st.toggle(
        "Include family and household", key=FAMILY_KEY.format(person_id=person_id),
        help="Add the records of the people this person shares a care event (family) or an address (household) with, "
             "one step out, as on the family network.",
    )
    with session.results() as con:
        members = family_members(con, person_id) if family else {}
        events = chronology(con, person_id, members)
    detail = {"page": "profile", "view": "chronology", "family": family}
    if family:
        # The person's own chronology is part of the profile, audited with it; their family's records are not.
        detail["people"] = sorted(members)
        record_view("view_person", person_id, detail)
    if events.empty:
        st.info("No records are linked to this person.")
        return
    events = events.assign(agency=events["agency"].map(lambda a: AGENCY_NAMES.get(a, a)))
    who = f"{name} and {len(members)} family or household member{'s' if len(members) != 1 else ''}" if family else name
    undated = int((events["date"] == "").sum())
    st.caption(
        f"{len(events)} event{'s' if len(events) != 1 else ''} from {events['agency'].nunique()} "
        f"agenc{'ies' if events['agency'].nunique() != 1 else 'y'} about {who}, oldest first"
        + (f"; {undated} undated at the end" if undated else "")
        + ". **Link** is how sure the linkage is that the record is this person's (confirmed by an analyst, strong, "
        "review, only record), **Best match** the probability of the strongest pair joining it."
    )
    st.dataframe(
        events, hide_index=True, width="stretch",
        column_order=[c for c in ORDER if family or c not in ("person", "relationship")],
        column_config={
            "date": st.column_config.TextColumn("Date", width=90),
            "person": st.column_config.TextColumn("Person", width=200),
            "relationship": st.column_config.TextColumn("Relationship", width=110),
            "agency": st.column_config.TextColumn("Agency", width=150),
            "event": st.column_config.TextColumn("Event", width="medium"),
            "role": st.column_config.TextColumn("Role", width=90),
            "domestic_abuse": st.column_config.TextColumn("DA", width=40),
            "dash_risk": st.column_config.TextColumn("DASH", width=70),
            "plan": st.column_config.TextColumn("Plan", width=140),
            "category": st.column_config.TextColumn("Category"),
            "service": st.column_config.TextColumn("Service"),
            "complaint": st.column_config.TextColumn("Complaint", width="medium"),
            "markers": st.column_config.TextColumn("Markers"),
            "link": st.column_config.TextColumn("Link", width=90),
            "match_probability": st.column_config.TextColumn("Best match", width=80),
            "source": st.column_config.TextColumn("Source"),
            "record_id": st.column_config.TextColumn("Record", width=100),
            "person_id": st.column_config.TextColumn("Person id", width=100),
        },
    )
    stem = f"chronology-{person_id}{'-family' if family else ''}"
    notes = [
        "OFFICIAL-SENSITIVE: personal data from several agencies, shared for safeguarding.",
        f"Chronology of {who} ({person_id}): every record linked to them, oldest first, undated last. "
        "Link and best match say how sure the record linkage is that each record is this person's.",
        f"Printed by {session.current_user().name} on {pd.Timestamp.now():%d/%m/%Y %H:%M} for: {session.purpose()}",
    ]
    csv_col, print_col = st.columns(2)
    with csv_col:
        export_button(
            "Download chronology (CSV)", lambda: events, file_name=f"{stem}.csv", target=person_id,
            detail={**detail, "format": "csv"}, key=f"chronology_csv_{person_id}",
        )
    with print_col:
        export_button(
            "Download printable chronology (HTML)", lambda: chronology_html(events, f"Chronology: {who}", notes),
            file_name=f"{stem}.html", target=person_id, detail={**detail, "format": "html", "rows": len(events)},
            mime="text/html", key=f"chronology_html_{person_id}",
            help="A page to open in a browser and print (A4 landscape, headings on every page).",
        )
