"""Family and household network: the people around a person, how they are linked and how sure each link is.

The header and the People and Links tabs count the same things (``Network.people_count``,
``Network.link_count``): everyone drawn, and one line per linked pair.
"""

from __future__ import annotations

import streamlit as st

from dashboard import network_view, session
from dashboard.exporting import export_button
from dashboard.viewing import AGENCY_NAMES, person_picker, record_view
from linkage.accountability.access import can_do
from linkage.explore import network_export, person_network, readable, withhold_in_network

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
people_label = f"{network.people_count} {'person' if network.people_count == 1 else 'people'}"
links_label = f"{network.link_count} link{'' if network.link_count == 1 else 's'}"
st.markdown(f"**{centre['label']}** ({person_id}) and everyone within {DEPTHS[depth].lower()}: "
            f"{people_label} · {links_label}")
if network.truncated:
    st.warning(f"More people are within reach than can be drawn; the nearest {network.people_count} are shown. "
               "Lower the depth to see everyone at that distance.")
network_view.legend()
clicked = network_view.draw(network.nodes, network.links, key=f"network_{person_id}_{depth}")
if clicked and clicked != person_id and clicked in set(network.nodes["id"]):
    session.open_person(clicked)

people, links = st.tabs([f"People ({network.people_count})", f"Links ({network.link_count})"])
with people:
    table = readable(
        network.nodes.assign(
            flags=network.nodes["flags"].map(lambda f: [c.replace("_", " ") for c in f]),
            agencies=network.nodes["agencies"].map(lambda a: [AGENCY_NAMES.get(x, x) for x in a]),
            group=[network_view.NODE_GROUPS[network_view.group(row)][1] for _, row in network.nodes.iterrows()],
        ),
        days=("dob",), keep=("flags", "agencies", "hops", "centre"),
    )
    picked = st.dataframe(
        table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="network_people",
        placeholder="",
        column_order=["label", "hops", "dob", "sex", "group", "agencies", "flags", "id"],
        column_config={
            "label": st.column_config.TextColumn("Person", width=180),
            "hops": st.column_config.NumberColumn("Steps", width=50),
            "dob": st.column_config.TextColumn("Born", width=90),
            "sex": st.column_config.TextColumn("Sex", width=60),
            "group": st.column_config.TextColumn("Drawn as", width=230),
            "agencies": st.column_config.ListColumn("Known to", width=220),
            "flags": st.column_config.ListColumn("Flags", width=160),
            "id": st.column_config.TextColumn("Person id", width=100),
        },
    )
    rows = picked.selection.rows if picked else []
    if rows and table.iloc[rows[0]]["id"] != person_id:
        session.open_person(table.iloc[rows[0]]["id"])
with links:
    names = dict(zip(network.nodes["id"], network.nodes["label"], strict=True))
    st.caption("One row per line drawn: a pair of people, with every way they are linked.")
    st.dataframe(
        readable(
            network.links.assign(source=network.links["source"].map(names), target=network.links["target"].map(names)),
            days=("first_date", "last_date"), numbers={"weakest_link": "{:.3f}"}, keep=("count",),
        ),
        hide_index=True, width="stretch", placeholder="",
        column_order=["source", "target", "relationship", "direction", "strength", "weakest_link", "count",
                      "first_date", "last_date"],
        column_config={
            "source": st.column_config.TextColumn("From", width="medium"),
            "target": st.column_config.TextColumn("To", width="medium"),
            "relationship": st.column_config.TextColumn("Linked as", width="medium"),
            "direction": st.column_config.TextColumn("Arrow", width=80, help="one way: from perpetrator to victim, "
                                                     "or from carer to child; both ways: each recorded against the other"),
            "strength": st.column_config.TextColumn("Strength", width=90),
            "weakest_link": st.column_config.TextColumn("Weakest link", width=90),
            "count": st.column_config.NumberColumn("Times", width=60,
                                                   help="Events recording the first (most specific) relationship"),
            "first_date": st.column_config.TextColumn("From date", width=90),
            "last_date": st.column_config.TextColumn("To date", width=90),
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
