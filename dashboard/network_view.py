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
from linkage.explore import day

#: Line colour per relationship (a line takes its most specific relationship's colour).
RELATIONSHIP_COLOURS = {
    "perpetrator-victim": "#c62828",
    "family": "#6a1b9a",
    "household": "#2e7d32",
    "co-involvement": "#78909c",
}
#: Line style per i2 link strength (``graph.export.strength``).
STRENGTH_LINES = {"confirmed": "solid", "tentative": "dashed", "unconfirmed": "dotted"}
#: Arrow heads per direction (``linkage.explore.network``): source to target, both ends, none.
ARROWS = {"one way": ("none", "triangle"), "both ways": ("triangle", "triangle"), "": ("none", "none")}
#: People's colours: children and adults apart, and a flag marked in a colour of its own for each.
NODE_GROUPS = {
    "child-flagged": ("#ad1457", "child (under 18) with a safeguarding flag"),
    "adult-flagged": ("#e65100", "adult with a safeguarding flag"),
    "child": ("#f9a825", "child (under 18)"),
    "adult": ("#546e7a", "adult or age unknown"),
}
#: The person opened: their group's colour, drawn larger with a dark ring.
CENTRE_RING = "#0d47a1"
_CHILD_BANDS = {"0-4", "5-11", "12-17"}
#: Charts of at most this many people label every line; bigger ones label the opened person's lines.
LABEL_EVERY_LINE_UP_TO = 3
# Last click handled, per drawing: the component keeps returning its last event on every rerun.
_HANDLED = "network_view_handled"
#: Most people drawn on one circle; a bigger network is laid out by force (fCoSE).
CIRCLE_UP_TO = 6


def layout(people: int) -> dict:
    """How to place ``people`` people (the component's default force layout packed them so closely
    that names and line labels overlapped).

    Up to :data:`CIRCLE_UP_TO`, everyone on one circle, the person opened first (at the top):
    no line runs through a person, and the opened person's lines fan out so their labels keep
    apart. Beyond it, fCoSE (force-directed, bundled with the component) with room for labels.
    """
    if people <= CIRCLE_UP_TO:
        return {"name": "circle", "radius": 170, "avoidOverlap": True, "nodeDimensionsIncludeLabels": True, "spacingFactor": 1.1,
                "fit": True, "padding": 90, "animate": False}
    return {
        "name": "fcose", "quality": "proof", "randomize": True, "animate": False, "fit": True, "padding": 90,
        "nodeDimensionsIncludeLabels": True, "idealEdgeLength": 230, "nodeSeparation": 150, "nodeRepulsion": 20000,
        "packComponents": True,
    }


def group(row: pd.Series) -> str:
    """A person's colour group: child or adult, flagged or not."""
    age = "child" if row["age_band"] in _CHILD_BANDS else "adult"
    return f"{age}-flagged" if len(row["flags"]) else age


def elements(nodes: pd.DataFrame, links: pd.DataFrame) -> dict:
    """Cytoscape elements: people (grouped for colour, the centre apart) and one line per linked pair.

    Every line touching the person opened is labelled with how they are linked. Other lines are
    labelled only in a chart of :data:`LABEL_EVERY_LINE_UP_TO` people or fewer: with more, two of
    them can cross at their middles (a circle's diameters always do), where labels would pile up;
    their colour says the relationship, and a click or the Links tab says all of it.
    """
    centre = set(nodes.loc[nodes["centre"], "id"])
    label_all = len(nodes) <= LABEL_EVERY_LINE_UP_TO
    node_items = [
        {"data": {
            "id": row["id"], "label": group(row) + ("|centre" if row["centre"] else ""), "name": row["label"],
            "born": day(row["dob"]), "agencies": ", ".join(row["agencies"]),
            "flags": ", ".join(f.replace("_", " ") for f in row["flags"]) or "none",
        }}
        for _, row in nodes.iterrows()
    ]
    edge_items = [
        {"data": {
            "id": f"e{i}", "source": row["source"], "target": row["target"],
            "label": f"{row['relationships'][0]}|{row['strength']}|{row['direction']}",
            "relationship": row["relationship"], "strength": row["strength"], "times": int(row["count"]),
            "caption": row["relationship"] if label_all or {row["source"], row["target"]} & centre else "",
            "from": day(row["first_date"]), "to": day(row["last_date"]),
        }}
        for i, (_, row) in enumerate(links.iterrows())
    ]
    return {"nodes": node_items, "edges": edge_items}


def _styles() -> tuple[list[NodeStyle], list[EdgeStyle]]:
    caption = {"font-size": 12, "text-wrap": "wrap", "text-max-width": "100px",
               "text-background-color": "#ffffff", "text-background-opacity": 0.85,
               "text-background-padding": 1, "min-zoomed-font-size": 0}
    node_styles = [
        NodeStyle(name + suffix, colour, caption="name", icon="person", custom_styles={**caption, **extra})
        for name, (colour, _) in NODE_GROUPS.items()
        for suffix, extra in (("", {}), ("|centre", {"width": 30, "height": 30, "border-width": 4,
                                                     "border-color": CENTRE_RING, "font-weight": "bold"}))
    ]
    edge_styles = [
        EdgeStyle(
            f"{relationship}|{strength}|{direction}", colour, caption="caption", curve_style="bezier",
            custom_styles={
                "line-style": line, "width": 3 if relationship == "perpetrator-victim" else 2,
                "source-arrow-shape": arrows[0], "target-arrow-shape": arrows[1], "source-arrow-color": colour,
                "arrow-scale": 0.9, "font-size": 10, "color": "#ffffff", "text-background-opacity": 1,
                "text-background-padding": 2, "min-zoomed-font-size": 0,
            },
        )
        for relationship, colour in RELATIONSHIP_COLOURS.items()
        for strength, line in STRENGTH_LINES.items()
        for direction, arrows in ARROWS.items()
    ]
    return node_styles, edge_styles


def legend() -> None:
    """A key to colours, rings, arrows and line styles."""
    relationships = " ".join(
        f"<span style='color:{c};font-weight:600'>━ {r}</span>&nbsp;&nbsp;" for r, c in RELATIONSHIP_COLOURS.items()
    )
    people = " ".join(
        f"<span style='color:{c};font-weight:600'>● {meaning}</span>&nbsp;&nbsp;" for c, meaning in NODE_GROUPS.values()
    )
    st.markdown(
        f"<div style='font-size:0.85rem'>{relationships}<br>{people}"
        f"<span style='color:{CENTRE_RING};font-weight:600'>◉ the person opened (ringed)</span><br>"
        "One line per pair of people, coloured by the most specific way they are linked; the opened person's "
        "lines are labelled with every way (click any line, or see the Links tab, for the others). "
        "Arrows point from perpetrator to victim and from carer to child. "
        "Lines: ━ confirmed (link probability ≥ 0.99) &nbsp; ╍ tentative (≥ 0.9) &nbsp; ┈ unconfirmed, "
        "by the weakest record link behind the line. Click a person to open them.</div>",
        unsafe_allow_html=True,
    )


def draw(nodes: pd.DataFrame, links: pd.DataFrame, key: str, height: int = 600) -> str | None:
    """Draw the network; return the person clicked since the last rerun, if any.

    Args:
        nodes: People (``linkage.explore.Network.nodes`` columns).
        links: One line per pair (``linkage.explore.Network.links``).
        key: Widget key; use one per person and depth so the drawing is remade when they change.
        height: Pixels.
    """
    node_styles, edge_styles = _styles()
    event = streamlit_cytoscape(
        elements(nodes, links), layout=layout(len(nodes)), node_styles=node_styles, edge_styles=edge_styles, height=height,
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
