"""The quality page's report tab: the run's quality report, section by section, with its charts.

The sections are ``linkage.report.report_sections``, the same rows ``mash report`` writes
as Markdown; this module only lays them out. Counts and rates only, so nothing is audited.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from linkage.report import CHART_TITLES, MODEL_FALSE, MODEL_MISSED, QualityReport, Table, report_charts, report_sections

#: How counts and thresholds are shown (``linkage.report.sections.Kind``; shares and figures below).
_FORMATS = {"count": "localized", "threshold": "%g"}


def show(report: QualityReport, saved: Path) -> None:
    """The headline figures, then each section: its lead, its chart and its tables.

    Args:
        report: From ``linkage.report.report_for_run``.
        saved: Where ``mash report`` keeps this run's report (said whether it is there yet).
    """
    cards = st.columns(4)
    for card, label, value in (
        (cards[0], "Review band cleared", report.review_cleared),
        (cards[1], "False matches expected (model)", report.rate(MODEL_FALSE)),
        (cards[2], "Missed matches expected (model)", report.rate(MODEL_MISSED)),
    ):
        card.metric(label, "n/a" if value is None else f"{value:.2%}")
    cards[3].metric("Plausibility failures", f"{int(report.plausibility['people'].sum()):,}",
                    help="People found by each plausibility check, added up (one person can fail two).")
    st.caption(f"Run {report.run_id}. " + (f"Saved by 'mash report' in {saved}." if saved.is_file()
                                            else "Run 'mash report' to keep it with the run history."))
    charts = report_charts(report)
    for section in report_sections(report):
        st.subheader(section.heading, divider="gray")
        if section.lead:
            st.caption(section.lead)
        if section.chart in charts:
            st.markdown(f"**{CHART_TITLES[section.chart]}**")
            # At their own width: stretched to the page, faceted charts draw nothing.
            st.altair_chart(charts[section.chart], width="content")
        if len(section.tables) > 1:
            for tab, table in zip(st.tabs([t.title for t in section.tables]), section.tables, strict=True):
                with tab:
                    _table(table)
        else:
            for table in section.tables:
                _table(table)


def _table(table: Table) -> None:
    """One report table, numbers read as in the Markdown file (thousands separated, shares to two decimals)."""
    frame = table.frame.copy()
    config = {}
    for column in frame.columns:
        label = str(column).replace("_", " ")
        kind = table.kinds.get(column)
        if kind == "percent":
            frame[column] = frame[column].astype(float) * 100
            config[column] = st.column_config.NumberColumn(label, format="%.2f%%")
        elif kind == "number":
            frame[column] = frame[column].astype(float).round(1)
            config[column] = st.column_config.NumberColumn(label, format="localized")
        elif kind is not None:
            config[column] = st.column_config.NumberColumn(label, format=_FORMATS[kind])
        else:
            longest = frame[column].astype(str).str.len().max() if len(frame) else 0
            config[column] = st.column_config.TextColumn(label, width="large" if longest > 40 else None)
    st.dataframe(frame, hide_index=True, column_config=config, width="content")
