"""The quality report's sections as plain tables (``linkage.report.tables``, the row model every report renders)."""

from __future__ import annotations

import pandas as pd

from linkage.report.build import QualityReport
from linkage.report.tables import Section, Table

#: Headings of the report's sections, in order (the dashboard and the tests use them).
SECTIONS = (
    "Overview",
    "Match-weight distribution",
    "Agreement by field",
    "Review band and clearance",
    "Estimated false and missed matches",
    "Results across thresholds",
    "Plausibility failures",
    "Linkage rates by age band, sex and agency",
)

#: The chart (``linkage.report.CHART_TITLES``) that goes with a section, by heading.
SECTION_CHARTS = {
    SECTIONS[1]: "match_weights",
    SECTIONS[2]: "field_agreement",
    SECTIONS[5]: "thresholds",
    SECTIONS[7]: "link_rates",
}


def report_sections(report: QualityReport) -> tuple[Section, ...]:
    """The report's sections in :data:`SECTIONS` order, as tables of counts and rates.

    Args:
        report: From :func:`linkage.report.quality_report`.

    Returns:
        One :class:`Section` per heading.
    """
    r = report
    review = r.review
    cleared = r.review_cleared
    parts = (
        ("", (Table(pd.DataFrame([
            ("Records", r.overview["records"]), ("People", r.overview["people"]),
            ("People holding two or more records", r.overview["people_linked"]),
            ("Records linked to another record", r.overview["records_linked"]), ("Scored pairs", r.overview["pairs"]),
        ], columns=["measure", "count"]), {"count": "count"}),)),
        ("Scored pairs per match-weight interval, by whether clustering put the two records in one person.",
         (Table(_weights(r.weights), {"linked": "count", "not linked": "count"}),)),
        ("Share of scored pairs at each comparison level, in all and by band (level -1: a value missing)."
         if not r.agreement.empty else "The scored pairs carry no comparison levels.", _agreement(r.agreement)),
        (f"Review-band pairs in this run: {review['review']:,}; cleared by an analyst's decision: "
         + ("n/a" if cleared is None else f"{cleared:.2%}") + ".",
         (Table(pd.DataFrame([
             ("Review band, confirmed since", review["confirm"]), ("Review band, rejected since", review["reject"]),
             ("Review band, marked unsure", review["unsure"]), ("Review band, not yet decided", review["undecided"]),
             ("Confirmed before this run (confirmed band)", review["confirmed_before"]),
             ("Rejected before this run (rejected band)", review["rejected_before"]),
             ("Decisions on pairs this run did not score", review["decisions_not_scored"]),
         ], columns=["pairs", "count"]), {"count": "count"}),)),
        ("", (Table(r.error_rates, {"count": "number", "of": "number", "rate": "percent"}),)),
        (f"Pairs below the review threshold ({r.review_threshold:g}) were not kept, so lower thresholds have "
         "no figures.",
         (Table(r.thresholds.drop(columns=["scored"]), {"threshold": "threshold", "pairs": "count", "records": "count",
                                                        "expected_false": "number", "false_share": "percent"}),)),
        ("People whose records fail a plausibility check (counted, not split: an analyst decides).",
         (Table(r.plausibility, {"people": "count", "share": "percent"}),)),
        ("Records linked to at least one other record, per group: missed links that fall on one group more "
         "than another fall on its flags too.",
         (Table(r.link_rates, {"records": "count", "linked": "count", "rate": "percent"}),)),
    )
    return tuple(
        Section(heading, lead, tables, SECTION_CHARTS.get(heading))
        for heading, (lead, tables) in zip(SECTIONS, parts, strict=True)
    )


def _weights(weights: pd.DataFrame) -> pd.DataFrame:
    """Pairs per one-bit interval, linked and not linked side by side."""
    wide = weights.pivot_table(index="weight", columns="status", values="pairs", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=["linked", "not linked"], fill_value=0).reset_index()
    wide.insert(0, "match weight (bits)", [f"{w:g} to {w + 1:g}" for w in wide.pop("weight")])
    wide.columns.name = None
    return wide


def _agreement(agreement: pd.DataFrame) -> tuple[Table, ...]:
    """One table per comparison: its levels, most agreement first, with the share in all pairs and per band."""
    bands = ["all", *sorted(set(agreement["band"]) - {"all"})]
    tables = []
    for comparison, rows in agreement.groupby("comparison", sort=True):
        wide = rows.pivot_table(index=["level", "label"], columns="band", values="share", aggfunc="sum", fill_value=0.0)
        wide = wide.reindex(columns=[b for b in bands if b in wide.columns]).sort_index(ascending=False).reset_index()
        wide.columns.name = None
        tables.append(Table(wide, dict.fromkeys(wide.columns[2:], "percent"), title=str(comparison)))
    return tuple(tables)
