"""Intelligence: serial and repeat domestic abuse perpetrators ranked by RFG(V), and each one's victims."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import network_view, session
from dashboard.charts import incidents_chart
from dashboard.viewing import AGENCY_NAMES, record_view
from linkage.explore import perpetrator_incidents, perpetrators, victim_network, victims

COMPONENTS = ("recency", "frequency", "gravity", "victims")

session.current_user()
session.require("search")
st.title("Serial and repeat perpetrators")
st.caption(
    "Ranked by RFG(V): recency, frequency, gravity of incidents and number of victims over the lookback window, "
    "weighted as configured in configs/flags.yaml. Serial perpetrators (two or more victims in three years) without "
    "enough incidents for a score rank after those scored."
)

who_col, agency_col, limit_col = st.columns([2, 2, 1])
who = who_col.segmented_control("Who", ["serial and repeat", "serial only"], default="serial and repeat", required=True)
agency = agency_col.selectbox(
    "Evidence from", [None, *AGENCY_NAMES], format_func=lambda a: "any agency" if a is None else AGENCY_NAMES[a]
)
limit = limit_col.number_input("Show", min_value=10, max_value=500, value=100, step=10)
with session.results() as con:
    ranked = perpetrators(con, serial_only=who == "serial only", agency=agency, limit=int(limit))
# The names listed are a consultation: each distinct listing (filters, length, the people in it) is logged once.
record_view(
    "search", "intelligence: perpetrators ranked by RFG(V)",
    {"page": "intelligence", "who": who, "agency": agency, "limit": int(limit), "people": ranked["person_id"].tolist()},
)
if ranked.empty:
    st.info("No perpetrator flags match.")
    st.stop()

top = float(ranked["score"].max()) if ranked["score"].notna().any() else 1.0
picked = st.dataframe(
    ranked.assign(kind=["serial" if s else "repeat" for s in ranked["serial"]]),
    hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="intelligence_ranked",
    height=min(38 + 35 * len(ranked), 460),
    column_order=["rank", "name", "kind", "score", "recency", "frequency", "gravity", "victims", "first_incident",
                  "last_incident", "agencies", "person_id"],
    column_config={
        "rank": st.column_config.NumberColumn("#", width=40),
        "name": st.column_config.TextColumn("Person", width="medium"),
        "kind": st.column_config.TextColumn("Flag", width="small"),
        "score": st.column_config.ProgressColumn("RFG(V)", min_value=0.0, max_value=top, format="%.1f", width="small"),
        "recency": st.column_config.NumberColumn("Recency", format="%.2f", width="small"),
        "frequency": st.column_config.NumberColumn("Incidents", format="%d", width="small"),
        "gravity": st.column_config.NumberColumn("Gravity", format="%d", width="small"),
        "victims": st.column_config.NumberColumn("Victims", format="%d", width="small"),
        "first_incident": st.column_config.DateColumn("First", format="DD/MM/YYYY"),
        "last_incident": st.column_config.DateColumn("Latest", format="DD/MM/YYYY"),
        "agencies": st.column_config.ListColumn("Agencies", width="small"),
        "person_id": st.column_config.TextColumn("Person id", width="small"),
    },
)
rows = picked.selection.rows if picked else []
if not rows:
    st.caption("Select a row to see that person's score, victims and incidents.")
    st.stop()

row = ranked.iloc[rows[0]]
person_id = row["person_id"]
with session.results() as con:
    people = victims(con, person_id)
    incidents = perpetrator_incidents(con, person_id)
    network = victim_network(con, person_id)
record_view("view_person", person_id, {"page": "intelligence"})

st.divider()
head, open_profile, open_network = st.columns([4, 1, 1])
head.subheader(f"#{row['rank']} {row['name']} ({person_id})", anchor=False)
if open_profile.button("Profile", icon=":material/badge:", width="stretch"):
    session.open_person(person_id)
if open_network.button("Network", icon=":material/hub:", width="stretch"):
    st.switch_page("app_pages/network.py", query_params={"person": person_id})

if pd.notna(row["score"]):
    st.caption(f"RFG(V) score **{row['score']:.1f}** = the sum of each component times its weight:")
    for column, component in zip(st.columns(len(COMPONENTS)), COMPONENTS, strict=True):
        value, weight = row[component], row[f"weight_{component}"]
        column.metric(component.capitalize(), f"{value * weight:.1f}", delta=f"{value:g} x weight {weight:g}",
                      delta_color="off", delta_arrow="off")
else:
    st.caption("Serial perpetrator without an RFG(V) score (fewer incidents in the lookback than the repeat rule needs).")

left, right = st.columns([3, 2])
with left:
    st.markdown(f"**Victims ({len(people)})**")
    st.dataframe(
        people, hide_index=True, width="stretch",
        column_order=["name", "incidents", "first_incident", "last_incident", "worst_dash", "repeat_victim", "agencies",
                      "weakest_link", "victim_id"],
        column_config={
            "name": st.column_config.TextColumn("Victim", width="medium"),
            "incidents": st.column_config.NumberColumn("Incidents", width="small"),
            "first_incident": st.column_config.DateColumn("First", format="DD/MM/YYYY"),
            "last_incident": st.column_config.DateColumn("Latest", format="DD/MM/YYYY"),
            "worst_dash": st.column_config.TextColumn("Worst DASH"),
            "repeat_victim": st.column_config.CheckboxColumn("Repeat victim"),
            "agencies": st.column_config.ListColumn("Agencies"),
            "weakest_link": st.column_config.NumberColumn("Weakest link", format="%.3f"),
            "victim_id": st.column_config.TextColumn("Person id", width="small"),
        },
    )
    if not incidents.empty:
        st.altair_chart(incidents_chart(incidents), width="stretch")
with right:
    st.markdown("**Victim network**")
    if network is not None and network.link_count:
        clicked = network_view.draw(network.nodes, network.links, key=f"victims_{person_id}", height=380)
        if clicked:
            session.open_person(clicked)
        st.caption("Click a person to open their profile. Line style shows how sure each link is.")
