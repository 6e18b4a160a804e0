"""The quality page's report tab: the run's quality report, section by section, with its charts.

The sections are ``linkage.report.report_sections``, the same rows ``mash report`` writes
as Markdown; this module only lays them out. Counts and rates only, so nothing is audited.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from linkage.errors import MashError
from linkage.report import (
    CHART_TITLES,
    MODEL_FALSE,
    MODEL_MISSED,
    QualityReport,
    Table,
    read_report_figures,
    report_charts,
    report_sections,
)

#: How counts and thresholds are shown (``linkage.report.sections.Kind``; shares and figures below).
_FORMATS = {"count": "localized", "threshold": "%g"}


def pick(current: QualityReport | None, saved: dict[int, Path]) -> QualityReport | None:
    """The report to show: the current run's, or one 'mash report' saved for an earlier run.

    Args:
        current: The current run's report, counted now (None if it could not be).
        saved: ``linkage.report.saved_reports`` of the store: run id to its figures file.

    Returns:
        The report chosen, or None when there is none to show (the reason already shown).
    """
    current_id = current.run_id if current is not None else None
    earlier = [run_id for run_id in saved if run_id != current_id]
    if not earlier:
        return current
    chosen = st.selectbox(
        "Run", [current_id, *earlier], key="quality_report_run",
        format_func=lambda r: f"Run {r}, saved by 'mash report'" if r in earlier
        else "The current results" if r is None else f"Run {r}, the current results",
        help="Earlier runs' reports as 'mash report' wrote them; a store keeps only the last two runs' results.",
    )
    if chosen == current_id:
        return current
    try:
        report = read_report_figures(saved[chosen])
    except MashError as exc:
        st.error(str(exc))
        return None
    st.info(f"Run {chosen}'s report as 'mash report' wrote it: its results are no longer read, so review decisions "
            "made since are not in it.")
    return report


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
                    show_table(table)
        else:
            for table in section.tables:
                show_table(table)


def show_table(table: Table) -> None:
    """One report table, numbers read as in the Markdown file (thousands separated, shares to two decimals)."""
    frame = table.frame.copy()
    config = {}
    for column in frame.columns:
        label = str(column).replace("_", " ")
        kind = table.kinds.get(column)
        if kind == "percent":
            frame[column] = frame[column].astype(float) * 100
            config[column] = st.column_config.NumberColumn(label, format="%.2f%%")
        elif kind == "verdict":
            config[column] = st.column_config.CheckboxColumn(label)
        elif kind == "number":
            frame[column] = frame[column].astype(float).round(1)
            config[column] = st.column_config.NumberColumn(label, format="localized")
        elif kind is not None:
            config[column] = st.column_config.NumberColumn(label, format=_FORMATS[kind])
        else:
            longest = frame[column].astype(str).str.len().max() if len(frame) else 0
            config[column] = st.column_config.TextColumn(label, width="large" if longest > 40 else None)
    st.dataframe(frame, hide_index=True, column_config=config, width="content")
