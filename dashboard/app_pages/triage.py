"""MASH triage: the queue of flagged people, most severe first; select a row to open the person.

The queue shows names and dates of birth, so each distinct view of it is audited
(``view_person``, target ``triage queue``, the filters and the people shown).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session
from dashboard.viewing import record_view
from linkage.triage import FLAG_LABELS, triage_options, triage_queue

session.current_user()
st.title("MASH triage")

with session.results() as con:
    options = triage_options(con)

# Filters keep their values for the session, so coming back from a profile keeps the view.
codes_col, agencies_col, dates_col, areas_col = st.columns([1.3, 1, 1, 1])
codes = codes_col.multiselect(
    "Flag", options.codes, format_func=lambda c: FLAG_LABELS.get(c, c), placeholder="All flags",
    key="triage_codes", persist_state="session",
)
agencies = agencies_col.multiselect(
    "Agency", options.agencies, format_func=lambda a: a.replace("_", " "), placeholder="All agencies",
    key="triage_agencies", persist_state="session",
)
dates = dates_col.date_input(
    "Evidence dated", value=(), min_value=options.first_event, max_value=options.last_event, format="DD/MM/YYYY",
    help="Keep flags with at least one evidence record in this range.", key="triage_dates", persist_state="session",
)
areas = areas_col.multiselect(
    "Area (postcode district)", options.areas, placeholder="All areas", key="triage_areas", persist_state="session",
)
since, until = (tuple(dates) + (None, None))[:2] if dates else (None, None)

with session.results() as con:
    queue = triage_queue(con, codes=codes, agencies=agencies, since=since, until=until, areas=areas)

shown = len(queue.rows)
st.caption(
    f"**{queue.people:,}** flagged people ({queue.flags:,} flags)"
    + (f", the {shown:,} most severe shown" if shown < queue.people else "")
    + ". Select a row to open the person."
)
if queue.rows.empty:
    st.info("No flagged people match these filters.")
    st.stop()

# Names and dates of birth of flagged people are a consultation: logged once per distinct view.
record_view(
    "view_person", "triage queue",
    {
        "page": "triage", "flags": sorted(codes), "agencies": sorted(agencies), "areas": sorted(areas),
        "since": str(since) if since else None, "until": str(until) if until else None,
        "people": queue.rows["person_id"].tolist(),
    },
)

# Real dates (not Python objects) so a missing one shows blank, not "None".
table = queue.rows.assign(dob=pd.to_datetime(queue.rows["dob"]), latest_event=pd.to_datetime(queue.rows["latest_event"]))
selection = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * shown, 640),
    placeholder="",
    on_select="rerun",
    selection_mode="single-row",
    key="triage_table",
    column_order=["severity", "name", "dob", "area", "why", "flags", "people_involved", "latest_event", "weakest_link", "person_id"],
    column_config={
        "severity": st.column_config.NumberColumn("Sev", help="Severity of the most severe flag (1-10)", width=45),
        "name": st.column_config.TextColumn("Person", width=170),
        "dob": st.column_config.DateColumn("Born", format="DD/MM/YYYY", width=95),
        "area": st.column_config.TextColumn("Area", help="Postcode district", width=55),
        "why": st.column_config.TextColumn("Why", help="The most severe flag's rule and its evidence", width=540),
        "flags": st.column_config.ListColumn("Flags", width=220),
        "people_involved": st.column_config.NumberColumn("People", help="People the flags involve (victims, household)", width=60),
        "latest_event": st.column_config.DateColumn("Latest", help="Latest evidence", format="DD/MM/YYYY", width=95),
        "weakest_link": st.column_config.ProgressColumn(
            "Link", help="Weakest match probability the flags rely on", min_value=0.0, max_value=1.0, format="%.2f", width=90
        ),
        "person_id": st.column_config.TextColumn("Person id", width=100),
    },
)
rows = selection.selection.rows if selection else []
if rows:
    session.open_person(table.iloc[rows[0]]["person_id"])
