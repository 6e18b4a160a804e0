"""The quality page: counts, model charts, evaluation against the generator's truth on request, run history."""

from __future__ import annotations

from linkage.access import Role


def test_quality_shows_counts_runs_and_evaluates_on_request(app_as):
    at = app_as(Role.LINKAGE_ADMIN, "quality", purpose="test_quality")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Scored pairs"].replace(",", "")) > 0
    runs = at.dataframe[-1].value
    assert runs["status"].iloc[0] == "complete"
    next(b for b in at.button if b.label == "Evaluate against ground truth").click().run()
    assert not at.exception and not at.error
    headline = at.dataframe[0].value.set_index("measure")
    assert headline.at["Cluster-pair F1", "value"] > 0.95
    flags = next(d.value for d in at.dataframe if "code" in d.value.columns)
    assert "serial_perpetrator" in set(flags["code"])
    at.run()
    assert "Cluster-pair F1" in set(at.dataframe[0].value["measure"]), "the evaluation stays shown for the session"
    assert not any(b.label == "Evaluate against ground truth" for b in at.button)


def test_quality_report_tab_shows_the_runs_report(app_as):
    from linkage.report import SECTIONS

    at = app_as(Role.LINKAGE_ADMIN, "quality", purpose="test_quality_report")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Review band cleared"].endswith("%") or metrics["Review band cleared"] == "n/a"
    assert float(metrics["False matches expected (model)"].rstrip("%")) < 5, "a calibrated model on generated data"
    report = next(m.value for m in at.markdown if m.value.startswith("# Linkage quality report: run "))
    assert all(f"## {section}\n" in report for section in SECTIONS)
    assert "Run 'mash report' to keep it with the run history." in {c.value.split(". ", 1)[-1] for c in at.caption}
