"""The quality report on a hand-made store, every figure worked out by hand below.

People (report date 2026-01-01):
    P1: a1 police, a2 health, a3 social care; female, DOB 2020 (age 5); a1 and a2 on one day in two areas.
    P2: b1 police, b2 health; male, DOBs 1990-01-01 and 1991-07-20 (ages 36, 34), two NHS numbers,
        seen in area M in 2018 then area L in 2024 (six silent years).
    P3: c1 police, no DOB, no sex.      P4: d1 health, female, 75.      P5: e1 social care, male, 0.
    P6: g1 education, male, 18 today.   P7: h1 police, female, 18 tomorrow (17).

Scored pairs (band, match probability, match weight, gamma_dob, gamma_nhs_number):
    linked:     a1-a2 link .99 20.3 (2, 1)   a1-a3 link .96 15.0 (2, -1)
                a2-a3 supported .85 9.5 (1, -1)   b1-b2 confirmed .90 11.2 (2, 0)
    not linked: a1-c1 review .88 10.1 (-1, -1)   a3-e1 review .83 8.9 (0, -1)
                b2-d1 review .82 8.4 (1, -1)     c1-d1 review .81 8.2 (-1, -1)
                c1-e1 rejected .95 14.5 (0, -1)  d1-e1 distinct .97 16.0 (2, -1)

Decisions in force now (the state database's): b1-b2 confirm and c1-e1 reject (before the run, also in
the run's own review_decisions); a1-c1 unsure then confirm; d1-b2 reject (stored right id first);
c1-d1 unsure; d1-e1 reject then confirm; x1-x2 confirm (a pair the run did not score). a3-e1: none.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from linkage.config.model import ModelConfig
from linkage.errors import MashError
from linkage.report import (
    MODEL_FALSE,
    SECTIONS,
    QualityReport,
    quality_report,
    read_report_figures,
    report_charts,
    report_markdown,
    report_sections,
    saved_reports,
    write_quality_report,
)
from linkage.store import REVIEW_DECISIONS_SQL, layout

AS_OF = date(2026, 1, 1)
# unique id, agency, dob, sex, nhs number, postcode outward, event date, person
RECORDS = [
    ("a1", "police", "2020-06-01", "female", None, "SE15", "2025-03-01", "P1"),
    ("a2", "health", "2020-06-01", "female", None, "N1", "2025-03-01", "P1"),
    ("a3", "social_care", "2020-01-06", "female", None, "SE15", "2025-04-01", "P1"),
    ("b1", "police", "1990-01-01", "male", "9434765919", "M1", "2018-01-01", "P2"),
    ("b2", "health", "1991-07-20", "male", "9434765870", "L1", "2024-01-01", "P2"),
    ("c1", "police", None, None, None, None, None, "P3"),
    ("d1", "health", "1950-05-05", "female", None, None, None, "P4"),
    ("e1", "social_care", "2025-06-01", "male", None, None, None, "P5"),
    ("g1", "education", "2008-01-01", "male", None, None, None, "P6"),
    ("h1", "police", "2008-01-02", "female", None, None, None, "P7"),
]
# left, right, band, probability, weight, gamma_dob, gamma_nhs_number
PAIRS = [
    ("a1", "a2", "link", 0.99, 20.3, 2, 1),
    ("a1", "a3", "link", 0.96, 15.0, 2, -1),
    ("a2", "a3", "supported", 0.85, 9.5, 1, -1),
    ("b1", "b2", "confirmed", 0.90, 11.2, 2, 0),
    ("a1", "c1", "review", 0.88, 10.1, -1, -1),
    ("a3", "e1", "review", 0.83, 8.9, 0, -1),
    ("b2", "d1", "review", 0.82, 8.4, 1, -1),
    ("c1", "d1", "review", 0.81, 8.2, -1, -1),
    ("c1", "e1", "rejected", 0.95, 14.5, 0, -1),
    ("d1", "e1", "distinct", 0.97, 16.0, 2, -1),
]
BEFORE_RUN = [("b1", "b2", "confirm", 1), ("c1", "e1", "reject", 1)]
NOW = [
    *BEFORE_RUN,
    ("a1", "c1", "unsure", 2), ("a1", "c1", "confirm", 3),
    ("d1", "b2", "reject", 2),
    ("c1", "d1", "unsure", 2),
    ("d1", "e1", "reject", 2), ("d1", "e1", "confirm", 3),
    ("x1", "x2", "confirm", 2),
]
#: A name on every record: it must never reach the report.
NAME = "ZEBEDEE"


def _decisions(rows) -> pa.Table:
    return pa.table({
        "unique_id_l": [r[0] for r in rows], "unique_id_r": [r[1] for r in rows], "decision": [r[2] for r in rows],
        "reason": ["checked"] * len(rows), "reviewer": ["tester"] * len(rows),
        "decided_at": [datetime(2025, 12, day) for *_, day in rows],
    })


@pytest.fixture(scope="module")
def store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records (unique_id VARCHAR, source VARCHAR, agency VARCHAR, record_id VARCHAR, forename VARCHAR, "
        "dob DATE, sex VARCHAR, nhs_number VARCHAR, pnc_id VARCHAR, postcode_outward VARCHAR, event_date DATE)"
    )
    con.execute("CREATE TABLE clusters (unique_id VARCHAR, person_id VARCHAR, link_strength VARCHAR)")
    con.execute(
        "CREATE TABLE pairs (unique_id_l VARCHAR, unique_id_r VARCHAR, match_weight DOUBLE, match_probability DOUBLE, "
        "gamma_dob INTEGER, mw_dob DOUBLE, gamma_nhs_number INTEGER, band VARCHAR, reason VARCHAR)"
    )
    for uid, agency, dob, sex, nhs, area, event, person in RECORDS:
        con.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                    [uid, agency, agency, uid, NAME, dob, sex, nhs, area, event])
        con.execute("INSERT INTO clusters VALUES (?, ?, 'strong')", [uid, person])
    for left, right, band, p, w, dob, nhs in PAIRS:
        con.execute("INSERT INTO pairs VALUES (?, ?, ?, ?, ?, 0.5, ?, ?, NULL)", [left, right, w, p, dob, nhs, band])
    con.register("_before", _decisions(BEFORE_RUN))
    con.execute("CREATE TABLE review_decisions AS SELECT * FROM _before")
    con.unregister("_before")
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(store) -> QualityReport:
    labels = {"dob": {2: "exact", 1: "close", 0: "other", -1: "missing"}}
    return quality_report(store, ModelConfig(), as_of=AS_OF, decisions=_decisions(NOW), labels=labels, run_id=3,
                          model_version=2)


def test_heading_figures(report):
    assert (report.run_id, report.model_version, report.link_threshold, report.review_threshold) == (3, 2, 0.95, 0.8)


AGREEMENT = [
    ("every band: dob", "dob", "all", {2: 4, 1: 2, 0: 2, -1: 2}, 10),
    ("link band: dob exact on both", "dob", "link", {2: 2}, 2),
    ("review band: dob", "dob", "review", {1: 1, 0: 1, -1: 2}, 4),
    ("distinct band: one pair", "dob", "distinct", {2: 1}, 1),
    ("every band: NHS number mostly missing", "nhs_number", "all", {1: 1, 0: 1, -1: 8}, 10),
    ("confirmed band: two NHS numbers", "nhs_number", "confirmed", {0: 1}, 1),
]


@pytest.mark.parametrize(("description", "comparison", "band", "levels", "total"), AGREEMENT, ids=[a[0] for a in AGREEMENT])
def test_agreement_by_field_and_band(report, description, comparison, band, levels, total):
    rows = report.agreement[(report.agreement["comparison"] == comparison) & (report.agreement["band"] == band)]
    assert dict(zip(rows["level"], rows["pairs"], strict=True)) == levels, description
    assert dict(zip(rows["level"], rows["share"], strict=True)) == pytest.approx({k: v / total for k, v in levels.items()})
    assert list(rows["level"]) == sorted(levels, reverse=True), "most agreement first"


def test_agreement_labels_come_from_the_model(report):
    dob = report.agreement[(report.agreement["comparison"] == "dob") & (report.agreement["band"] == "all")]
    assert dict(zip(dob["level"], dob["label"], strict=True)) == {2: "exact", 1: "close", 0: "other", -1: "missing"}
    assert set(report.agreement[report.agreement["comparison"] == "nhs_number"]["label"]) == {""}
    assert set(report.agreement["comparison"]) == {"dob", "nhs_number"}, "only gamma_ columns, not mw_"


def test_review_band_and_clearance(report):
    assert report.review == {
        "review": 4, "confirm": 1, "reject": 1, "unsure": 1, "undecided": 1,
        "confirmed_before": 1, "rejected_before": 1, "decisions_not_scored": 1,
    }
    assert report.review_cleared == pytest.approx(2 / 4)


def test_without_decisions_given_the_runs_own_are_read(store):
    report = quality_report(store, ModelConfig(), as_of=AS_OF)
    assert report.review == {
        "review": 4, "confirm": 0, "reject": 0, "unsure": 0, "undecided": 4,
        "confirmed_before": 1, "rejected_before": 1, "decisions_not_scored": 0,
    }
    analysts = report.error_rates[report.error_rates["source"] == "analysts"]
    # b1-b2 confirmed (linked), c1-e1 rejected (left apart, at 0.95 exactly).
    assert [tuple(r) for r in analysts[["count", "of"]].itertuples(index=False)] == [(0, 1), (0, 1), (1, 1), (1, 1), (1, 2)]


THRESHOLDS = [
    # threshold, pairs, records, expected false (sum of 1 - p)
    ("0.5: below the review threshold, not kept", 0.5, None, None, None),
    ("0.8: every scored pair", 0.8, 10, 8, 10 - 8.96),
    ("0.9: includes b1-b2 at exactly 0.9", 0.9, 5, 8, 0.01 + 0.03 + 0.04 + 0.05 + 0.10),
    ("0.95: the link threshold, includes c1-e1 at exactly 0.95", 0.95, 4, 6, 0.01 + 0.03 + 0.04 + 0.05),
    ("0.99: one pair", 0.99, 1, 2, 0.01),
]


@pytest.mark.parametrize(("description", "threshold", "pairs", "records", "false"), THRESHOLDS, ids=[t[0] for t in THRESHOLDS])
def test_results_across_thresholds(report, description, threshold, pairs, records, false):
    row = report.thresholds[report.thresholds["threshold"] == threshold].iloc[0]
    assert bool(row["scored"]) == (pairs is not None), description
    if pairs is None:
        assert row[["pairs", "records", "expected_false", "false_share"]].isna().all(), description
        return
    assert (row["pairs"], row["records"]) == (pairs, records), description
    assert (row["expected_false"], row["false_share"]) == pytest.approx((false, false / pairs)), description


def test_thresholds_listed_once_in_order(report):
    assert list(report.thresholds["threshold"]) == [0.5, 0.8, 0.9, 0.95, 0.99]


def test_markdown_has_every_section_in_order_and_no_personal_data(report):
    text = report_markdown(report, generated_at=datetime(2026, 1, 2, 9, 0))
    positions = [text.index(f"## {s}\n") for s in SECTIONS]
    assert positions == sorted(positions)
    assert "# Linkage quality report: run 3" in text
    assert "Review-band pairs in this run: 4; cleared by an analyst's decision: 50.00%." in text
    assert "| 5-10 | 3 | 3 | 100.00% |" in text
    assert "| two_nhs_numbers | two NHS numbers | 1 | 14.29% |" in text
    assert "| 0.5 | n/a | n/a | n/a | n/a |" in text
    for uid, *_ in RECORDS:
        assert f"{uid}" not in text.split(), uid
    for value in (NAME, "9434765919", "9434765870", "SE15", "2020-06-01", "x1"):
        assert value not in text, value


def test_written_with_charts_beside_it(report, tmp_path):
    path = write_quality_report(report, tmp_path / "run-000003")
    assert path == tmp_path / "run-000003" / "quality.md"
    text = path.read_text(encoding="utf-8")
    charts = report_charts(report)
    assert set(charts) == {"match_weights", "field_agreement", "thresholds", "link_rates"}
    for name in charts:
        spec = json.loads((path.parent / "charts" / f"{name}.vl.json").read_text(encoding="utf-8"))
        assert "vega-lite" in spec["$schema"], name
        html = (path.parent / "charts" / f"{name}.html").read_text(encoding="utf-8")
        # Offline: Vega is inlined, nothing is fetched from a CDN.
        assert "<script src=" not in html and "cdn.jsdelivr" not in html, name
        assert (path.parent / "charts" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"](charts/{name}.png)" in text and f"(charts/{name}.html)" in text, name
    for chart in (c for c in (path.parent / "charts").iterdir() if c.suffix in (".json", ".html")):
        content = chart.read_text(encoding="utf-8")
        assert NAME not in content and "9434765919" not in content, chart.name


#: The rows each section shows (the Markdown file and the dashboard alike), worked out by hand from the store above.
#: (description, section, table title, lead, rows); a float is compared to 1e-9, None is a missing value.
SECTION_ROWS = [
    ("overview: 10 records in 7 people, 2 of them holding P1's 3 and P2's 2 records",
     "Overview", "", "",
     [("Records", 10), ("People", 7), ("People holding two or more records", 2),
      ("Records linked to another record", 5), ("Scored pairs", 10)]),
    ("match weights: whole-bit intervals; the four pairs P1 and P2 hold are linked, the other six not",
     "Match-weight distribution", "",
     "Scored pairs per match-weight interval, by whether clustering put the two records in one person.",
     [("8 to 9", 0, 3), ("9 to 10", 1, 0), ("10 to 11", 0, 1), ("11 to 12", 1, 0), ("14 to 15", 0, 1),
      ("15 to 16", 1, 0), ("16 to 17", 0, 1), ("20 to 21", 1, 0)]),
    ("agreement on dob: shares in all 10 pairs, then per band (columns confirmed, distinct, link, rejected, "
     "review, supported); a band without a level reads 0",
     "Agreement by field", "dob",
     "Share of scored pairs at each comparison level, in all and by band (level -1: a value missing).",
     [(2, "exact", 0.4, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0),
      (1, "close", 0.2, 0.0, 0.0, 0.0, 0.0, 0.25, 1.0),
      (0, "other", 0.2, 0.0, 0.0, 0.0, 1.0, 0.25, 0.0),
      (-1, "missing", 0.2, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0)]),
    ("agreement on NHS number: no labels known; the two NHS numbers of P2 in the confirmed band",
     "Agreement by field", "nhs_number",
     "Share of scored pairs at each comparison level, in all and by band (level -1: a value missing).",
     [(1, "", 0.1, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0),
      (0, "", 0.1, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
      (-1, "", 0.8, 0.0, 1.0, 0.5, 1.0, 1.0, 1.0)]),
    ("review band: 4 pairs, a1-c1 confirmed (after unsure), b2-d1 rejected (ids stored swapped), c1-d1 unsure, "
     "a3-e1 undecided; b1-b2 and c1-e1 decided before the run; x1-x2 never scored",
     "Review band and clearance", "",
     "Review-band pairs in this run: 4; cleared by an analyst's decision: 50.00%.",
     [("Review band, confirmed since", 1), ("Review band, rejected since", 1), ("Review band, marked unsure", 1),
      ("Review band, not yet decided", 1), ("Confirmed before this run (confirmed band)", 1),
      ("Rejected before this run (rejected band)", 1), ("Decisions on pairs this run did not score", 1)]),
    ("false and missed matches: the model's sums of p over the 4 linked, 6 unlinked and 4 review pairs; "
     "analysts' decisions in force on linked pairs (b1-b2 confirmed) and pairs left apart (a1-c1 and d1-e1 "
     "confirmed, b2-d1 and c1-e1 rejected), then split at the 0.95 link threshold (d1-e1's reject superseded)",
     "Estimated false and missed matches", "", "",
     [("model", "false matches expected among linked pairs (sum of 1 - p)", 0.30, 4, 0.30 / 4),
      ("model", "missed matches expected among scored pairs left apart (sum of p), of all expected matches",
       5.26, 8.96, 5.26 / 8.96),
      ("model", "matches expected among review-band pairs (sum of p)", 3.34, 4, 3.34 / 4),
      ("analysts", "rejected, of decided pairs this run linked (false matches found)", 0, 1, 0.0),
      ("analysts", "confirmed, of decided pairs this run left apart (missed matches found)", 2, 4, 2 / 4),
      ("analysts", "rejected, of decided pairs at or above the link threshold", 1, 2, 1 / 2),
      ("analysts", "confirmed, of decided pairs below the link threshold", 2, 3, 2 / 3),
      ("analysts", "rejected, of all decided scored pairs", 2, 5, 2 / 5)]),
    ("thresholds: 0.5 below the review threshold has no figures; a pair exactly at a threshold counts",
     "Results across thresholds", "",
     "Pairs below the review threshold (0.8) were not kept, so lower thresholds have no figures.",
     [(0.5, None, None, None, None), (0.8, 10, 8, 10 - 8.96, (10 - 8.96) / 10),
      (0.9, 5, 8, 0.23, 0.23 / 5), (0.95, 4, 6, 0.13, 0.13 / 4), (0.99, 1, 2, 0.01, 0.01)]),
    ("plausibility: P1 in SE and N on one day, P2 silent six years then in L, two DOBs and two NHS numbers; "
     "shares of 7 people",
     "Plausibility failures", "",
     "People whose records fail a plausibility check (counted, not split: an analyst decides).",
     [("two_places_one_day", "recorded in two postcode areas on one day", 1, 1 / 7),
      ("back_after_gap", "seen again after a long silence in a new postcode area", 1, 1 / 7),
      ("two_dobs", "two dates of birth more than a keystroke apart", 1, 1 / 7),
      ("two_nhs_numbers", "two NHS numbers", 1, 1 / 7),
      ("two_pnc_ids", "two PNC IDs", 0, 0.0)]),
    ("link rates: ages on 2026-01-01 (g1 18 today, h1 17 until tomorrow), bands in age order, empty bands left "
     "out; sex and agency as recorded",
     "Linkage rates by age band, sex and agency", "",
     "Records linked to at least one other record, per group: missed links that fall on one group more than "
     "another fall on its flags too.",
     [("age band", "0-4", 1, 0, 0.0), ("age band", "5-10", 3, 3, 1.0), ("age band", "11-17", 1, 0, 0.0),
      ("age band", "18-24", 1, 0, 0.0), ("age band", "25-39", 2, 2, 1.0), ("age band", "65 and over", 1, 0, 0.0),
      ("age band", "DOB not recorded", 1, 0, 0.0),
      ("sex", "female", 5, 3, 0.6), ("sex", "male", 4, 2, 0.5), ("sex", "not recorded", 1, 0, 0.0),
      ("agency", "education", 1, 0, 0.0), ("agency", "health", 3, 2, 2 / 3), ("agency", "police", 4, 2, 0.5),
      ("agency", "social_care", 2, 1, 0.5)]),
]


def _cell_matches(got, want) -> bool:
    if want is None:
        return pd.isna(got)
    if isinstance(want, float):
        return not pd.isna(got) and got == pytest.approx(want, abs=1e-9)
    return got == want


@pytest.mark.parametrize(("description", "heading", "title", "lead", "rows"), SECTION_ROWS, ids=[c[0] for c in SECTION_ROWS])
def test_each_sections_rows(report, description, heading, title, lead, rows):
    section = next(s for s in report_sections(report) if s.heading == heading)
    assert section.lead == lead, description
    table = next(t for t in section.tables if t.title == title)
    got = [tuple(r) for r in table.frame.itertuples(index=False)]
    assert len(got) == len(rows), (description, got)
    for got_row, want_row in zip(got, rows, strict=True):
        assert len(got_row) == len(want_row), (description, got_row)
        assert all(_cell_matches(g, w) for g, w in zip(got_row, want_row, strict=True)), (description, got_row, want_row)


def test_sections_in_order_with_their_charts(report):
    sections = report_sections(report)
    assert [s.heading for s in sections] == list(SECTIONS)
    assert {s.heading: s.chart for s in sections if s.chart} == {
        "Match-weight distribution": "match_weights", "Agreement by field": "field_agreement",
        "Results across thresholds": "thresholds", "Linkage rates by age band, sex and agency": "link_rates",
    }
    assert set(report_charts(report)) == {s.chart for s in sections if s.chart}, "every chart has its section"
    agreement = next(s for s in sections if s.heading == "Agreement by field")
    assert [t.title for t in agreement.tables] == ["dob", "nhs_number"]
    assert list(agreement.tables[0].frame.columns) == [
        "level", "label", "all", "confirmed", "distinct", "link", "rejected", "review", "supported"]


def test_a_run_that_linked_nobody_reports_without_failing():
    """One record, no scored pairs and no comparison levels (a store scored without them): rates read n/a."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records (unique_id VARCHAR, source VARCHAR, agency VARCHAR, record_id VARCHAR, dob DATE, "
        "sex VARCHAR, nhs_number VARCHAR, pnc_id VARCHAR, postcode_outward VARCHAR, event_date DATE)"
    )
    con.execute("CREATE TABLE clusters (unique_id VARCHAR, person_id VARCHAR, link_strength VARCHAR)")
    con.execute("CREATE TABLE pairs (unique_id_l VARCHAR, unique_id_r VARCHAR, match_weight DOUBLE, "
                "match_probability DOUBLE, band VARCHAR)")
    con.execute(REVIEW_DECISIONS_SQL)  # every run keeps the decisions it applied, here none
    con.execute("INSERT INTO records VALUES ('a', 'police', 'police', 'a', NULL, NULL, NULL, NULL, NULL, NULL)")
    con.execute("INSERT INTO clusters VALUES ('a', 'P1', 'single')")
    empty = quality_report(con, ModelConfig(), as_of=AS_OF)
    sections = {s.heading: s for s in report_sections(empty)}
    assert sections["Agreement by field"].lead == "The scored pairs carry no comparison levels."
    assert sections["Agreement by field"].tables == ()
    assert sections["Review band and clearance"].lead.endswith("cleared by an analyst's decision: n/a.")
    assert empty.review_cleared is None and empty.rate(MODEL_FALSE) is None
    assert set(report_charts(empty)) == {"thresholds", "link_rates"}, "no weights or levels to draw"
    text = report_markdown(empty)
    assert "| model | false matches expected among linked pairs (sum of 1 - p) | 0 | 0 | n/a |" in text
    assert "| agency | police | 1 | 0 | 0.00% |" in text


def test_figures_kept_beside_the_markdown_read_back_as_the_same_report(report, tmp_path):
    store = tmp_path / "mash.duckdb"
    directory = layout(store).report_dir(3)
    write_quality_report(report, directory, datetime(2026, 1, 2, 9, 0))
    assert saved_reports(store) == {3: directory / "report.json"}
    text = (directory / "report.json").read_text(encoding="utf-8")
    assert NAME not in text and "9434765919" not in text and '"a1"' not in text
    again = read_report_figures(directory / "report.json")
    assert report_markdown(again) == report_markdown(report), "every section reads as it did"
    assert (again.run_id, again.as_of, again.review_cleared) == (3, AS_OF, 0.5)
    write_quality_report(report, layout(store).report_dir(12))
    (layout(store).report_dir(13)).mkdir()  # a run whose report was never written
    assert list(saved_reports(store)) == [12, 3], "newest first"


UNREADABLE = [
    ("not JSON", "{not json", "not a quality report's figures (JSONDecodeError)"),
    ("another version's layout", '{"version": 99}', "figures version 99"),
    ("a table missing", '{"version": 1, "run_id": 3}', "not a quality report's figures (KeyError)"),
]


@pytest.mark.parametrize(("description", "content", "words"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_figures_are_a_clear_error(tmp_path, description, content, words):
    path = tmp_path / "report.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MashError, match=re.escape(words)):
        read_report_figures(path)
