"""MASH triage: the queue of flagged people, most severe first, with the decision on each; select a row to open the person.

The queue and the list of cleared flags show names and dates of birth, so each distinct
view of them is audited (``view_person``, target ``triage queue`` or ``triage cleared
flags``, the filters and the people shown).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session
from dashboard.encompass_view import encompass_download
from dashboard.viewing import record_view
from linkage.accountability.flag_decisions import STATUS_LABELS, decision_history, decisions_in_force
from linkage.explore.triage import FLAG_LABELS, flag_changes, triage_options, triage_queue

session.current_user()
st.title("MASH triage")

with session.state() as state:
    history = decision_history(state)
with session.results() as con:
    options = triage_options(con)
    decisions = decisions_in_force(con, history)
    changes = flag_changes(con, decisions)

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
status_col, raised_col = st.columns([1.3, 3], vertical_alignment="bottom")
statuses = status_col.multiselect(
    "Decision", list(STATUS_LABELS), format_func=STATUS_LABELS.get, placeholder="Any decision",
    help="New: nobody has recorded a decision on the flag yet. Record one on the person's profile (Flags tab).",
    key="triage_statuses", persist_state="session",
)
raised_only = raised_col.toggle(
    f"Only flags the last run raised ({changes.raised:,})", key="triage_raised_only", persist_state="session",
    disabled=changes.first_run,
)

if changes.first_run:
    st.caption("This is the first run: every flag is new to it.")
else:
    st.caption(
        f"Since the run before: **{changes.raised:,}** flags raised (marked *New* in the queue), "
        f"**{len(changes.cleared):,}** cleared (listed below the queue)."
    )

with session.results() as con:
    queue = triage_queue(
        con, codes=codes, agencies=agencies, since=since, until=until, areas=areas, decisions=decisions,
        statuses=statuses, raised_only=raised_only,
    )

shown = len(queue.rows)
st.caption(
    f"**{queue.people:,}** flagged people ({queue.flags:,} flags)"
    + (f", the {shown:,} most severe shown" if shown < queue.people else "")
    + ". Select a row to open the person and record a decision on their flags."
)


def cleared_flags() -> None:
    """The flags the last run cleared: kept in sight, since a decision may rest on one."""
    if changes.cleared.empty:
        return
    with st.expander(f"Cleared by the last run ({len(changes.cleared):,})", icon=":material/flag_check:"):
        st.caption("The rule no longer holds on the data (an incident aged out of its window, a link was rejected, "
                   "records were withdrawn). Select a row to open the person.")
        cleared = changes.cleared.assign(dob=pd.to_datetime(changes.cleared["dob"]))
        record_view("view_person", "triage cleared flags", {"page": "triage", "people": cleared["person_id"].tolist()})
        picked = st.dataframe(
            cleared, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
            key="triage_cleared", column_order=["name", "dob", "flag", "rule", "status", "person_id"],
            column_config={
                "name": st.column_config.TextColumn("Person", width=170),
                "dob": st.column_config.DateColumn("Born", format="DD/MM/YYYY", width=95),
                "flag": st.column_config.TextColumn("Flag cleared", width=180),
                "rule": st.column_config.TextColumn("Rule", width=420),
                "status": st.column_config.TextColumn("Decision", width=200),
                "person_id": st.column_config.TextColumn("Person id", width=100),
            },
        )
        chosen = picked.selection.rows if picked else []
        if chosen:
            session.open_person(cleared.iloc[chosen[0]]["person_id"])


encompass_download(options.areas, options.last_event)

if queue.rows.empty:
    st.info("No flagged people match these filters.")
    cleared_flags()
    st.stop()

# Names and dates of birth of flagged people are a consultation: logged once per distinct view.
record_view(
    "view_person", "triage queue",
    {
        "page": "triage", "flags": sorted(codes), "agencies": sorted(agencies), "areas": sorted(areas),
        "since": str(since) if since else None, "until": str(until) if until else None,
        "decisions": sorted(statuses), "raised_only": raised_only, "people": queue.rows["person_id"].tolist(),
    },
)

# Real dates (not Python objects) so a missing one shows blank, not "None".
table = queue.rows.assign(
    dob=pd.to_datetime(queue.rows["dob"]), latest_event=pd.to_datetime(queue.rows["latest_event"]),
    raised=queue.rows["raised"].map({True: "New", False: ""}),
)
selection = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * shown, 640),
    placeholder="",
    on_select="rerun",
    selection_mode="single-row",
    key="triage_table",
    column_order=["severity", "raised", "name", "dob", "area", "status", "why", "flags", "specss", "people_involved", "latest_event",
                  "weakest_link", "person_id"],
    column_config={
        "severity": st.column_config.NumberColumn("Sev", help="Severity of the most severe flag (1-10)", width=45),
        "raised": st.column_config.TextColumn("Run", help="New: the last run raised one of these flags", width=50),
        "name": st.column_config.TextColumn("Person", width=170),
        "status": st.column_config.TextColumn(
            "Decision", help="The least advanced decision on the person's flags: New (none recorded), Under review, "
            "Actioned with its outcome", width=170,
        ),
        "dob": st.column_config.DateColumn("Born", format="DD/MM/YYYY", width=95),
        "area": st.column_config.TextColumn("Area", help="Postcode district", width=55),
        "why": st.column_config.TextColumn("Why", help="The most severe flag's rule and its evidence", width=460),
        "flags": st.column_config.ListColumn("Flags", width=220),
        "specss": st.column_config.ListColumn(
            "SPECSS+", help="SPECSS+ risk factors around the person as a DA victim; among equal severities, more "
            "factors rank higher. The profile's Flags tab shows each factor's records.", width=220,
        ),
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
cleared_flags()
