"""The quality report's charts (Altair): the CLI saves them beside the Markdown, the dashboard draws them."""

from __future__ import annotations

import altair as alt
import pandas as pd

from linkage.report.build import QualityReport

#: Chart name (also its file stem) -> title.
CHART_TITLES = {
    "match_weights": "Match weights of linked and unlinked pairs",
    "field_agreement": "Comparison levels by band",
    "thresholds": "Pairs and records across thresholds",
    "link_rates": "Share of records linked, by group",
}
_STATUS_COLOURS = alt.Scale(domain=["linked", "not linked"], range=["#43a047", "#fb8c00"])


def report_charts(report: QualityReport) -> dict[str, alt.TopLevelMixin]:
    """The report's charts by name (see :data:`CHART_TITLES`); a section with no rows has no chart."""
    charts: dict[str, alt.TopLevelMixin] = {}
    if not report.weights.empty:
        charts["match_weights"] = weight_chart(report.weights)
    if not report.agreement.empty:
        charts["field_agreement"] = agreement_chart(report.agreement)
    scored = report.thresholds[report.thresholds["scored"]]
    if not scored.empty:
        charts["thresholds"] = thresholds_chart(scored)
    if not report.link_rates.empty:
        charts["link_rates"] = link_rates_chart(report.link_rates)
    return charts


def weight_chart(weights: pd.DataFrame) -> alt.Chart:
    """Scored pairs by match weight, one row for pairs linked into one person and one for the rest.

    Args:
        weights: ``QualityReport.weights``.
    """
    return (
        alt.Chart(weights)
        .mark_bar()
        .encode(
            x=alt.X("weight:Q", bin=alt.Bin(step=1), title="match weight (bits)"),
            y=alt.Y("sum(pairs):Q", title="pairs", axis=alt.Axis(tickCount=3)),
            color=alt.Color("status:N", scale=_STATUS_COLOURS, legend=None),
            row=alt.Row("status:N", title=None, sort=["linked", "not linked"]),
            tooltip=["weight:Q", "status:N", alt.Tooltip("sum(pairs):Q", title="pairs", format=",")],
        )
        .properties(height=90, width=600)
        .resolve_scale(y="independent")
    )


def agreement_chart(agreement: pd.DataFrame) -> alt.Chart:
    """For each comparison, the share of pairs at each level, one column per band.

    Args:
        agreement: ``QualityReport.agreement``.
    """
    frame = agreement.assign(
        level_name=[f"{g}: {label}" if label else str(g) for g, label in zip(agreement["level"], agreement["label"], strict=True)]
    )
    bands = ["all", *sorted(set(frame["band"]) - {"all"})]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("comparison:N", title=None),
            x=alt.X("share:Q", title="share of pairs", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("level:O", title="level (-1: missing)", scale=alt.Scale(scheme="viridis")),
            order=alt.Order("level:O", sort="descending"),
            column=alt.Column("band:N", title=None, sort=bands),
            tooltip=["comparison:N", "band:N", "level_name:N", alt.Tooltip("pairs:Q", format=","),
                     alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=150)
    )


def thresholds_chart(thresholds: pd.DataFrame) -> alt.Chart:
    """Pairs and records at or above each threshold the run kept pairs for.

    Args:
        thresholds: ``QualityReport.thresholds``, scored rows.
    """
    frame = thresholds.melt(id_vars=["threshold"], value_vars=["pairs", "records"], var_name="count of", value_name="n")
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("threshold:Q", title="match probability threshold", scale=alt.Scale(zero=False)),
            y=alt.Y("n:Q", title="at or above the threshold"),
            color=alt.Color("count of:N", title=None),
            tooltip=["threshold:Q", "count of:N", alt.Tooltip("n:Q", format=",")],
        )
        .properties(height=220, width=600)
    )


def link_rates_chart(rates: pd.DataFrame) -> alt.Chart:
    """Share of records linked to another record, per age band, sex and agency.

    Args:
        rates: ``QualityReport.link_rates``.
    """
    return (
        alt.Chart(rates)
        .mark_bar(color="#1d5c8a")
        .encode(
            y=alt.Y("group:N", title=None, sort=None),
            x=alt.X("rate:Q", title="records linked", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            row=alt.Row("dimension:N", title=None, sort=["age band", "sex", "agency"]),
            tooltip=["dimension:N", "group:N", alt.Tooltip("records:Q", format=","),
                     alt.Tooltip("linked:Q", format=","), alt.Tooltip("rate:Q", format=".1%")],
        )
        .properties(width=500)
        .resolve_scale(y="independent")
    )
