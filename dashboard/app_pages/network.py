"""Family and household network: the people around a person, how they are linked and how sure each link is."""

from __future__ import annotations

import streamlit as st

from dashboard import network_view, session
from dashboard.exporting import export_button
from dashboard.viewing import person_picker, record_view
from linkage.access import can_do
from linkage.explore import network_export, person_network, withhold_in_network

DEPTHS = {1: "1 step", 2: "2 steps", 3: "3 steps"}

session.current_user()
session.require("view_person")
st.title("Family and household network")

person_id = person_picker()

depth = st.segmented_control(
    "Depth", list(DEPTHS), format_func=DEPTHS.get, default=1, required=True, key="network_depth",
    help="One step is a shared event (abuse, care, co-involvement) or a shared address (household).",
)
with session.results() as con:
    network = person_network(con, person_id, depth)
    if network is not None:
        network = withhold_in_network(con, network, can_do(session.current_user().role, "see_refuge_address"))
if network is None:
    st.error(f"No person {person_id} in the current results.")
    st.stop()
record_view("view_person", person_id, {"page": "network", "depth": depth})

centre = network.nodes[network.nodes["centre"]].iloc[0]
st.markdown(f"**{centre['label']}** ({person_id}) · {len(network.nodes) - 1} people within {DEPTHS[depth].lower()} · "
            f"{len(network.edges)} links")
if network.truncated:
    st.warning(f"More people are within reach than can be drawn; the nearest {len(network.nodes)} are shown. "
               "Lower the depth to see everyone at that distance.")
network_view.legend()
clicked = network_view.draw(network.nodes, network.edges, key=f"network_{person_id}_{depth}")
if clicked and clicked != person_id and clicked in set(network.nodes["id"]):
    session.open_person(clicked)

people, links = st.tabs([f"People ({len(network.nodes)})", f"Links ({len(network.edges)})"])
with people:
    table = network.nodes.assign(flags=network.nodes["flags"].map(lambda f: [c.replace("_", " ") for c in f]))
    picked = st.dataframe(
        table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="network_people",
        column_order=["label", "hops", "dob", "sex", "agencies", "flags", "id"],
        column_config={
            "label": st.column_config.TextColumn("Person", width="medium"),
            "hops": st.column_config.NumberColumn("Steps", width=60),
            "dob": st.column_config.DateColumn("Born", format="DD/MM/YYYY"),
            "sex": st.column_config.TextColumn("Sex", width="small"),
            "agencies": st.column_config.ListColumn("Known to"),
            "flags": st.column_config.ListColumn("Flags", width="medium"),
            "id": st.column_config.TextColumn("Person id", width="small"),
        },
    )
    rows = picked.selection.rows if picked else []
    if rows and table.iloc[rows[0]]["id"] != person_id:
        session.open_person(table.iloc[rows[0]]["id"])
with links:
    names = dict(zip(network.nodes["id"], network.nodes["label"], strict=True))
    st.dataframe(
        network.edges.assign(source=network.edges["source"].map(names), target=network.edges["target"].map(names)),
        hide_index=True, width="stretch",
        column_config={
            "weakest_link": st.column_config.NumberColumn("Weakest link", format="%.3f"),
            "first_date": st.column_config.DateColumn("From", format="DD/MM/YYYY"),
            "last_date": st.column_config.DateColumn("To", format="DD/MM/YYYY"),
        },
    )


export_button(
    "Download chart data for i2 / Gephi",
    lambda: network_export(network),
    file_name=f"network-{person_id}-depth{depth}.zip",
    target=person_id,
    detail={"page": "network", "depth": depth, "format": "i2/Gephi csv zip"},
    mime="application/zip",
    help="entities.csv and links.csv: every person, event and address in this network with all attributes.",
)
