"""Altair charts the analyst pages draw: timelines, match-weight waterfalls, score distributions."""

from __future__ import annotations

import altair as alt
import pandas as pd

#: One colour per agency, the same on every chart.
AGENCY_COLOURS = {
    "police": "#1f4e79", "social_care": "#7b3f9e", "health": "#2e7d32", "education": "#f9a825",
    "probation": "#6d4c41", "housing": "#00838f", "other": "#757575",
}
#: Colours for bands of scored pairs.
BAND_COLOURS = {
    "confirmed": "#1b5e20", "link": "#43a047", "supported": "#9ccc65", "review": "#fb8c00",
    "distinct": "#bdbdbd", "rejected": "#c62828",
}
DASH_COLOURS = {"high": "#c62828", "medium": "#fb8c00", "standard": "#fdd835", "not recorded": "#9e9e9e"}


def _scale(colours: dict[str, str], present: pd.Series) -> alt.Scale:
    domain = [k for k in colours if k in set(present)]
    return alt.Scale(domain=domain, range=[colours[k] for k in domain])


def timeline_chart(events: pd.DataFrame) -> alt.Chart:
    """Events across agencies: one row per agency, a mark per event, domestic abuse in red outline.

    Args:
        events: From ``linkage.explore.timeline``.
    """
    frame = events.assign(
        agency=events["agency"].astype(str),
        marker=events["domestic_abuse"].map({True: "domestic abuse"}).fillna("other"),
        role=events["role"].fillna("-"),
        what=events["event_type"].fillna(events["service"]).fillna("-"),
    )
    return (
        alt.Chart(frame)
        .mark_point(filled=True, size=140, opacity=0.85)
        .encode(
            x=alt.X("event_date:T", title=None, axis=alt.Axis(format="%b %Y", labelOverlap=True)),
            y=alt.Y("agency:N", title=None, sort=list(AGENCY_COLOURS)),
            color=alt.Color("agency:N", scale=_scale(AGENCY_COLOURS, frame["agency"]), legend=None),
            shape=alt.Shape(
                "marker:N", title="", scale=alt.Scale(domain=["domestic abuse", "other"], range=["triangle-up", "circle"])
            ),
            stroke=alt.condition(alt.datum.marker == "domestic abuse", alt.value("#c62828"), alt.value(None)),
            strokeWidth=alt.value(2),
            tooltip=[
                alt.Tooltip("event_date:T", title="Date", format="%d %b %Y"),
                alt.Tooltip("agency:N", title="Agency"),
                alt.Tooltip("what:N", title="Event"),
                alt.Tooltip("role:N", title="Role"),
                alt.Tooltip("record_id:N", title="Record"),
            ],
        )
        .properties(height=max(120, 55 * frame["agency"].nunique()))
    )


def waterfall_chart(bars: pd.DataFrame) -> alt.LayerChart:
    """Splink's match-weight waterfall: each comparison's weight from the prior to the final match weight.

    Args:
        bars: From ``linkage.explore.waterfall``.
    """
    frame = bars.assign(
        order=range(len(bars)),
        start=bars["cumulative"] - bars["weight"],
        end=bars["cumulative"],
        direction=bars["weight"].map(lambda w: "for a match" if w >= 0 else "against"),
        label=bars["comparison"].str.replace("_", " "),
        values=[
            "" if pd.isna(a) and pd.isna(b) else f"{'-' if pd.isna(a) else a} | {'-' if pd.isna(b) else b}"
            for a, b in zip(bars["value_l"], bars["value_r"], strict=True)
        ],
    )
    base = alt.Chart(frame).encode(y=alt.Y("label:N", sort=alt.SortField("order"), title=None))
    bars_layer = base.mark_bar(size=16).encode(
        x=alt.X("start:Q", title="match weight (bits)"),
        x2="end:Q",
        color=alt.Color(
            "direction:N", title=None,
            scale=alt.Scale(domain=["for a match", "against"], range=["#2e7d32", "#c62828"]),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Comparison"),
            alt.Tooltip("level:N", title="Level"),
            alt.Tooltip("values:N", title="Values"),
            alt.Tooltip("weight:Q", title="Weight", format="+.2f"),
            alt.Tooltip("cumulative:Q", title="Running total", format=".2f"),
            alt.Tooltip("probability:Q", title="Probability so far", format=".4f"),
        ],
    )
    text = base.mark_text(align="left", dx=6, fontSize=11).encode(
        x=alt.X("max_end:Q"), text=alt.Text("weight:Q", format="+.1f")
    ).transform_calculate(max_end="max(datum.start, datum.end)")
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#616161", strokeDash=[4, 3]).encode(x="x:Q")
    return (zero + bars_layer + text).properties(height=32 * len(frame) + 30)


def score_distribution_chart(distribution: pd.DataFrame) -> alt.Chart:
    """Scored pairs by match weight, one row per band, each with its own count scale.

    Separate rows rather than stacked bars: the link band outnumbers the review band a
    hundredfold, and a stack on a log scale would misstate both.

    Args:
        distribution: From ``linkage.explore.score_distribution``.
    """
    bands = [b for b in BAND_COLOURS if b in set(distribution["band"])]
    return (
        alt.Chart(distribution)
        .mark_bar()
        .encode(
            x=alt.X("weight:Q", bin=alt.Bin(step=1), title="match weight (bits)"),
            y=alt.Y("sum(pairs):Q", title=None, axis=alt.Axis(tickCount=3)),
            color=alt.Color("band:N", scale=_scale(BAND_COLOURS, distribution["band"]), legend=None),
            row=alt.Row("band:N", sort=bands, title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
            tooltip=["weight:Q", "band:N", alt.Tooltip("sum(pairs):Q", title="pairs", format=",")],
        )
        .properties(height=60, width=700)
        .resolve_scale(y="independent")
    )


def incidents_chart(incidents: pd.DataFrame) -> alt.Chart:
    """A perpetrator's incidents: one row per victim, coloured by DASH risk.

    Args:
        incidents: From ``linkage.explore.perpetrator_incidents``.
    """
    frame = incidents.assign(dash=incidents["dash_risk"].fillna("not recorded"))
    return (
        alt.Chart(frame)
        .mark_point(filled=True, size=150, shape="triangle-up")
        .encode(
            x=alt.X("event_date:T", title=None, axis=alt.Axis(format="%b %Y", labelOverlap=True)),
            y=alt.Y("victim_name:N", title=None),
            color=alt.Color("dash:N", title="DASH risk", scale=_scale(DASH_COLOURS, frame["dash"])),
            tooltip=[
                alt.Tooltip("event_date:T", title="Date", format="%d %b %Y"),
                alt.Tooltip("victim_name:N", title="Victim"),
                alt.Tooltip("event_type:N", title="Incident"),
                alt.Tooltip("dash:N", title="DASH"),
                alt.Tooltip("agency:N", title="Agency"),
                alt.Tooltip("record_id:N", title="Record"),
            ],
        )
        .properties(height=max(120, 45 * frame["victim_name"].nunique()))
    )
