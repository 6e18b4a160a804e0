"""The quality page: counts, model charts, evaluation against the generator's truth on request, run history."""

from __future__ import annotations

import numpy as np

from linkage.accountability.access import UserRole


def _frame(at, column: str):
    """The one table on the page with this column (the report tab's tables come before the other tabs')."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def _same_rows(shown, table) -> bool:
    """Whether a table on the page holds a report table's rows: shares shown as percentages, figures to 0.1."""
    if list(shown.columns) != list(table.frame.columns) or len(shown) != len(table.frame):
        return False
    for column in table.frame.columns:
        want, got = table.frame[column], shown[column]
        kind = table.kinds.get(column)
        if kind in ("percent", "number"):
            want = want.astype(float) * 100 if kind == "percent" else want.astype(float).round(1)
            if not np.allclose(got.astype(float), want, equal_nan=True):
                return False
        elif not got.equals(want):
            return False
    return True


def test_quality_shows_counts_runs_and_evaluates_on_request(app_as):
    at = app_as(UserRole.LINKAGE_ADMIN, "quality", purpose="test_quality")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Scored pairs"].replace(",", "")) > 0
    runs = _frame(at, "run_id")
    assert runs["status"].iloc[0] == "complete"
    next(b for b in at.button if b.label == "Evaluate against ground truth").click().run()
    assert not at.exception and not at.error
    headline = _frame(at, "detail").set_index("measure")
    assert headline.at["Cluster-pair F1", "value"] > 95, "shown as a percentage"
    flags = _frame(at, "flag")
    assert "serial_perpetrator" in set(flags["flag"])
    at.run()
    assert "Cluster-pair F1" in set(_frame(at, "detail")["measure"]), "the evaluation stays shown for the session"
    assert not any(b.label == "Evaluate against ground truth" for b in at.button)


def test_quality_report_tab_shows_the_runs_report(app_as, dashboard_store):
    from linkage.report import MODEL_FALSE, SECTIONS, report_for_run, report_sections

    at = app_as(UserRole.LINKAGE_ADMIN, "quality", purpose="test_quality_report")
    assert not at.exception and not at.error
    # The same report counted again outside the app: the page shows its figures, section by section.
    expected, _ = report_for_run(dashboard_store.run)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Review band cleared"] == f"{expected.review_cleared:.2%}"
    assert metrics["False matches expected (model)"] == f"{expected.rate(MODEL_FALSE):.2%}"
    assert float(metrics["False matches expected (model)"].rstrip("%")) < 5, "a calibrated model on generated data"
    assert metrics["Plausibility failures"] == f"{int(expected.plausibility['people'].sum()):,}"
    assert [h.value for h in at.subheader] == list(SECTIONS)
    shown = [d.value for d in at.dataframe]
    for section in report_sections(expected):
        for table in section.tables:
            assert any(_same_rows(f, table) for f in shown), f"{section.heading} {table.title}: table not shown"
    report = next(m.value for m in at.markdown if m.value.startswith("# Linkage quality report: run "))
    assert all(f"## {section}\n" in report for section in SECTIONS)
    assert "Run 'mash report' to keep it with the run history." in {c.value.split(". ", 1)[-1] for c in at.caption}


def test_an_earlier_runs_saved_report_can_be_chosen(app_as, dashboard_store, tmp_path, monkeypatch):
    from dataclasses import replace

    from dashboard.session import STORE_ENV
    from linkage.report import report_for_run, write_quality_report
    from linkage.store import layout
    from tests.dashboard.conftest import copy_store

    state = copy_store(dashboard_store, tmp_path / "store")
    monkeypatch.setenv(STORE_ENV, str(state))
    current, _ = report_for_run(dashboard_store.run)
    # Run 7's report, as 'mash report' wrote it then: every review-band pair decided.
    earlier = replace(current, run_id=7, review={**current.review, "confirm": current.review["review"], "reject": 0, "unsure": 0, "undecided": 0})
    write_quality_report(earlier, layout(state).report_dir(7))
    layout(state).report_dir(8).mkdir()
    (layout(state).report_dir(8) / "report.json").write_text("{not json", encoding="utf-8")

    at = app_as(UserRole.LINKAGE_ADMIN, "quality", purpose="test_quality_saved_report")
    assert not at.exception and not at.error
    run = at.selectbox(key="quality_report_run")
    assert run.options == [f"Run {current.run_id}, the current results", "Run 8, saved by 'mash report'",
                           "Run 7, saved by 'mash report'"]
    assert {m.label: m.value for m in at.metric}["Review band cleared"] == f"{current.review_cleared:.2%}"
    run.select(7).run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Review band cleared"] == "100.00%"
    assert "Run 7's report as 'mash report' wrote it" in at.info[0].value
    assert any(c.value.startswith("Run 7. Saved by 'mash report' in ") for c in at.caption)
    at.selectbox(key="quality_report_run").select(8).run()
    assert not at.exception
    assert "not a quality report's figures (JSONDecodeError)" in at.error[0].value
    assert not any(m.label == "Review band cleared" for m in at.metric), "nothing shown from a file it cannot read"
