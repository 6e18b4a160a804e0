"""The interactive network drawing shared by the network and intelligence pages.

Drawn with streamlit-cytoscape (0.2), the maintained fork of st-link-analysis (the
component the issue names), on Cytoscape.js. It keeps st-link-analysis's toolbar
(fit, fullscreen, a side panel with the clicked element's properties) and its click
events (a click on a person opens them), and adds what st-link-analysis 0.4 lacks:
Cytoscape styles passed through, which dashed and dotted lines for link strength need.
st-cytoscape (0.0.5) takes raw stylesheets but only reports selections and has no
toolbar; streamlit-agraph (vis.js) draws well but needs its own graph classes. The
JavaScript is bundled in the wheel; nothing is fetched from the internet. Its own
"Download as JSON" button is taken out (``dashboard.network_component``): the network
leaves only through the page's audited export.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_cytoscape import EdgeStyle, Event, NodeStyle

from dashboard.network_component import streamlit_cytoscape

#: Line colour per relationship.
RELATIONSHIP_COLOURS = {
    "perpetrator-victim": "#c62828",
    "family": "#6a1b9a",
    "household": "#2e7d32",
    "co-involvement": "#78909c",
}
#: Line style per i2 link strength (``graph.export.strength``).
STRENGTH_LINES = {"confirmed": "solid", "tentative": "dashed", "unconfirmed": "dotted"}
#: Node groups: colour and what they mean.
NODE_GROUPS = {
    "centre": ("#0d47a1", "the person opened"),
    "flagged": ("#d84315", "has a safeguarding flag"),
    "child": ("#f9a825", "under 18"),
    "adult": ("#546e7a", "adult or age unknown"),
}
_CHILD_BANDS = {"0-4", "5-11", "12-17"}
# Last click handled, per drawing: the component keeps returning its last event on every rerun.
_HANDLED = "network_view_handled"


def _group(row: pd.Series) -> str:
    if row["centre"]:
        return "centre"
    if len(row["flags"]):
        return "flagged"
    return "child" if row["age_band"] in _CHILD_BANDS else "adult"


def elements(nodes: pd.DataFrame, edges: pd.DataFrame) -> dict:
    """Cytoscape elements: people (grouped for colour) and links (grouped by relationship and strength)."""
    node_items = [
        {"data": {
            "id": row["id"], "label": _group(row), "name": row["label"],
            "born": str(row["dob"] or ""), "agencies": ", ".join(row["agencies"]),
            "flags": ", ".join(f.replace("_", " ") for f in row["flags"]) or "none",
        }}
        for _, row in nodes.iterrows()
    ]
    edge_items = [
        {"data": {
            "id": f"e{i}", "source": row["source"], "target": row["target"],
            "label": f"{row['relationship']}|{row['strength']}", "relationship": row["relationship"],
            "strength": row["strength"], "times": int(row["count"]),
            "from": str(row["first_date"] or ""), "to": str(row["last_date"] or ""),
        }}
        for i, (_, row) in enumerate(edges.iterrows())
    ]
    return {"nodes": node_items, "edges": edge_items}


def _styles() -> tuple[list[NodeStyle], list[EdgeStyle]]:
    node_styles = [
        NodeStyle(group, colour, caption="name", icon="person", custom_styles={"font-size": 11})
        for group, (colour, _) in NODE_GROUPS.items()
    ]
    edge_styles = [
        EdgeStyle(
            f"{relationship}|{strength}", colour, caption=None,
            directed=relationship in ("perpetrator-victim", "family"), curve_style="bezier",
            custom_styles={"line-style": line, "width": 3 if relationship == "perpetrator-victim" else 2},
        )
        for relationship, colour in RELATIONSHIP_COLOURS.items()
        for strength, line in STRENGTH_LINES.items()
    ]
    return node_styles, edge_styles


def legend() -> None:
    """A one-line key to colours and line styles."""
    relationships = " ".join(
        f"<span style='color:{c};font-weight:600'>━ {r}</span>&nbsp;&nbsp;" for r, c in RELATIONSHIP_COLOURS.items()
    )
    people = " ".join(
        f"<span style='color:{c};font-weight:600'>● {meaning}</span>&nbsp;&nbsp;" for c, meaning in NODE_GROUPS.values()
    )
    st.markdown(
        f"<div style='font-size:0.85rem'>{relationships}<br>{people}<br>"
        "Lines: ━ confirmed (link probability ≥ 0.99) &nbsp; ╍ tentative (≥ 0.9) &nbsp; ┈ unconfirmed. "
        "Click a person to open them.</div>",
        unsafe_allow_html=True,
    )


def draw(nodes: pd.DataFrame, edges: pd.DataFrame, key: str, height: int = 520) -> str | None:
    """Draw the network; return the person clicked since the last rerun, if any.

    Args:
        nodes: People (``linkage.explore.Network.nodes`` columns).
        edges: Links (``linkage.explore.Network.edges`` columns).
        key: Widget key; use one per person and depth so the drawing is remade when they change.
        height: Pixels.
    """
    node_styles, edge_styles = _styles()
    event = streamlit_cytoscape(
        elements(nodes, edges), layout="cose", node_styles=node_styles, edge_styles=edge_styles, height=height,
        key=key, events=[Event("open_person", "tap", "node")],
    )
    if not isinstance(event, dict) or event.get("action") != "open_person":
        return None
    handled = st.session_state.setdefault(_HANDLED, {})
    stamp = event.get("timestamp")
    if handled.get(key) == stamp:
        return None
    handled[key] = stamp
    return (event.get("data") or {}).get("target_id")
