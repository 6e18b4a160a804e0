"""Linkage quality: counts, score distribution, evaluation against truth, run history."""

from __future__ import annotations

from linkage.evaluate import evaluation_report
from linkage.explore import band_counts, model_charts, run_history, score_distribution, truth_dir
from linkage.resolve import load_latest_model
from linkage.store import open_state


def test_score_distribution_counts_every_scored_pair_once(cur):
    distribution = score_distribution(cur)
    total = cur.execute("SELECT count(*) FROM pairs").fetchone()[0]
    assert distribution["pairs"].sum() == total
    counts = band_counts(cur)
    assert counts.loc[counts["kind"] == "band", "count"].sum() == total
    records = cur.execute("SELECT count(*) FROM clusters").fetchone()[0]
    assert counts.loc[counts["kind"] == "link strength", "count"].sum() == records


def test_evaluation_against_the_generators_truth(cur, linked):
    run, _ = linked
    with open_state(run.store) as state:
        found = truth_dir(state)
        runs = run_history(state)
    assert found == run.extracts_dir / "truth"
    sections = {s.heading: s for s in evaluation_report(cur, found)}
    headline = sections["Headline"].tables[0].frame.set_index("measure")
    assert headline.at["Cluster-pair F1", "value"] > 0.95
    assert set(sections["Hard negatives (different people who look alike)"].tables[0].frame["kind"]) == {
        "Twins", "Junior/senior", "Namesakes"}
    assert "serial_perpetrator" in set(sections["Safeguarding flags against truth"].tables[0].frame["flag"])
    assert sections["Precision, recall and F1"].tables[0].frame["precision"].between(0, 1).all()
    assert runs["status"].iloc[0] == "complete"
    assert runs["people"].iloc[0] == cur.execute("SELECT count(*) FROM persons").fetchone()[0]


def test_model_charts_are_splinks_two_charts(cur, linked):
    run, _ = linked
    charts = model_charts(cur, load_latest_model(run.store))
    assert list(charts) == ["Match weights", "m and u parameters"]
    assert all("$schema" in spec for spec in charts.values())
