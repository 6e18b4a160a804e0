"""Linkage quality and runs: the run's quality report, score distribution, model charts, evaluation, run history.

Everything here is counts and model parameters; no person is shown, so nothing is audited.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import report_view, session
from dashboard.charts import score_distribution_chart
from linkage.errors import MashError
from linkage.evaluate import evaluation_report
from linkage.explore import band_counts, model_charts, run_history, score_distribution, truth_dir
from linkage.report import QualityReport, Section, report_for_run, report_markdown, report_path, saved_reports
from linkage.resolve import load_latest_model
from linkage.store import results_path

# Once asked for, the evaluation is shown on every visit in this session (it is cached per results file).
_EVALUATE = "quality_evaluate"

session.current_user()
st.title("Linkage quality and runs")


@st.cache_data(show_spinner="Evaluating against ground truth...", max_entries=4)
def _evaluation(results_file: str, truth_dir: str) -> tuple[Section, ...]:
    # Aggregate figures only (no personal data), keyed by the results file, so a new run re-evaluates.
    with session.results() as con:
        return evaluation_report(con, Path(truth_dir))


@st.cache_data(show_spinner="Measuring linkage quality...", ttl=120, max_entries=4)
def _quality_report(results_file: str) -> QualityReport:
    # Counts and rates only (no personal data), keyed by the results file; refreshed every two
    # minutes so decisions made since show in the review band's clearance.
    return report_for_run(session.run_config())[0]


with session.results() as con:
    counts = band_counts(con)
    distribution = score_distribution(con)
    model = load_latest_model(session.store_path())
    charts = model_charts(con, model) if model else {}

bands = counts[counts["kind"] == "band"].set_index("value")["count"]
strengths = counts[counts["kind"] == "link strength"].set_index("value")["count"]
metrics = st.columns(5)
metrics[0].metric("Scored pairs", f"{int(bands.sum()):,}")
metrics[1].metric("In review band", f"{int(bands.get('review', 0)):,}")
metrics[2].metric("Records linked", f"{int(strengths.drop('single', errors='ignore').sum()):,}")
metrics[3].metric("Single-record people", f"{int(strengths.get('single', 0)):,}")
metrics[4].metric("Analyst-confirmed links", f"{int(strengths.get('confirmed', 0)):,}")

report_tab, scores_tab, model_tab, evaluation_tab, runs_tab = st.tabs(
    ["Quality report", "Score distribution", "Model", "Evaluation", "Runs"]
)
with report_tab:
    try:
        report = _quality_report(str(results_path(session.store_path())))
    except MashError as exc:
        report = None
        st.error(str(exc))
    report = report_view.pick(report, saved_reports(session.store_path()))
    if report is not None:
        report_view.show(report, report_path(session.store_path(), report.run_id))
        with st.expander("The full report, as 'mash report' writes it"):
            st.markdown(report_markdown(report))
with scores_tab:
    st.caption("Scored pairs by match weight, one row per band clustering put them in (each row has its own scale).")
    st.altair_chart(score_distribution_chart(distribution), width="stretch")
with model_tab:
    if not charts:
        st.info("No trained model yet; run 'mash run'.")
    else:
        st.caption(f"Model version {model.version}, trained {model.created_at} on {model.records:,} records.")
        for title, chart in charts.items():
            st.markdown(f"**{title}**")
            # At their own width: stretched to the page, the faceted match-weights chart draws nothing.
            st.vega_lite_chart(chart, width="content")
with evaluation_tab:
    with session.state() as state:
        truth = truth_dir(state)
    if truth is None:
        st.info("No ground truth beside the extracts (only generated extracts have it), so nothing to evaluate.")
    elif not (st.session_state.get(_EVALUATE) or st.button("Evaluate against ground truth", icon=":material/fact_check:")):
        st.caption(f"Scores the current results against the generator's truth in {truth} (a few seconds at 200,000 people).")
    else:
        st.session_state[_EVALUATE] = True
        try:
            sections = _evaluation(str(results_path(session.store_path())), str(truth))
        except MashError as exc:
            st.error(str(exc))
            st.stop()
        # The same sections 'mash evaluate' prints and writes as Markdown.
        for section in sections:
            st.markdown(f"**{section.heading}**")
            if section.lead:
                st.caption(section.lead)
            for table in section.tables:
                report_view.show_table(table)
with runs_tab:
    with session.state() as state:
        runs = run_history(state)
    st.dataframe(
        runs, hide_index=True, width="stretch",
        column_config={
            "started_at": st.column_config.DatetimeColumn("Started", format="DD/MM/YYYY HH:mm:ss"),
            "finished_at": st.column_config.DatetimeColumn("Finished", format="DD/MM/YYYY HH:mm:ss"),
            "seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
            "stage_seconds": st.column_config.JsonColumn("Seconds by stage"),
        },
    )
