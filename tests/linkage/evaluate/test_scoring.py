"""Evaluation metrics on tiny hand-made stores (``conftest.CASES``), with every expected value worked by hand."""

from __future__ import annotations

import duckdb
import pytest

from linkage.errors import ExtractError, StepError
from linkage.evaluate import Evaluation, evaluate
from tests.linkage.evaluate.conftest import CASES, IDS, PEOPLE_COLUMNS, Case, build_store, run_case, write_truth


@pytest.fixture(params=CASES, ids=IDS)
def case_and_result(request, tmp_path) -> tuple[Case, Evaluation]:
    return request.param, run_case(tmp_path, request.param)


def test_cluster_pairs(case_and_result):
    case, e = case_and_result
    p = e.cluster_pairs
    assert (p.true_positives, p.predicted, p.actual) == case.cluster, case.description
    assert (p.precision, p.recall, p.f1) == pytest.approx(case.cluster_prf), case.description


def test_scored_pairs(case_and_result):
    case, e = case_and_result
    actual = case.cluster[2]
    assert (e.link_pairs.true_positives, e.link_pairs.predicted, e.link_pairs.actual) == (*case.link, actual)
    assert (e.link_and_review_pairs.true_positives, e.link_and_review_pairs.predicted) == case.link_review
    for got, (tp, predicted) in ((e.link_pairs, case.link), (e.link_and_review_pairs, case.link_review)):
        assert got.precision == (pytest.approx(tp / predicted) if predicted else None), case.description
        assert got.recall == pytest.approx(tp / actual), case.description


def test_bcubed(case_and_result):
    case, e = case_and_result
    want_p, want_r = case.bcubed
    assert (e.bcubed.precision, e.bcubed.recall) == pytest.approx(case.bcubed), case.description
    assert e.bcubed.f1 == pytest.approx(2 * want_p * want_r / (want_p + want_r)), case.description


def test_hard_negatives(case_and_result):
    case, e = case_and_result
    got = {h.kind: (h.pairs, h.merged) for h in e.hard_negatives}
    assert [h.kind for h in e.hard_negatives] == ["twin", "junior_senior", "namesake"]
    assert got == {kind: case.hard.get(kind, (0, 0)) for kind in got}, case.description


def test_recall_by_source_pair(case_and_result):
    case, e = case_and_result
    got = {(s.source_l, s.source_r): (s.true_pairs, s.same_cluster) for s in e.source_pairs}
    assert got == case.sources, case.description
    assert [(s.source_l, s.source_r) for s in e.source_pairs] == sorted(case.sources)


def test_review_band(case_and_result):
    case, e = case_and_result
    r = e.review
    assert (r.pairs, r.people_touched, r.resolved_people) == case.review, case.description
    assert r.share == pytest.approx(case.review[1] / case.review[2])


def test_counts(case_and_result):
    case, e = case_and_result
    got = vars(e.counts)
    defaults = dict(truth_missing_from_store=0, records_without_truth=0, records_unclustered=0)
    for name, want in (defaults | case.counts).items():
        assert got[name] == want, f"{case.description}: {name}"


def test_serial_perpetrators(case_and_result):
    case, e = case_and_result
    assert (e.serial_perpetrators.people, e.serial_perpetrators.split) == case.serial_split


def test_hard_negative_shares_and_targets(tmp_path):
    e = run_case(tmp_path, CASES[3])
    twin, junior_senior, namesake = e.hard_negatives
    assert (twin.share, twin.meets_target) == (1.0, False)
    assert (junior_senior.share, junior_senior.meets_target) == (0.0, True)
    assert (namesake.share, namesake.meets_target) == (None, None)  # no namesake pair in the store
    assert (twin.target, junior_senior.target, namesake.target) == (0.01, 0.01, 0.03)


def test_no_scored_pairs_leaves_precision_undefined(tmp_path):
    e = run_case(tmp_path, CASES[3])
    assert (e.link_pairs.precision, e.link_pairs.recall, e.link_pairs.f1) == (None, 0.0, None)


def test_record_missing_from_clusters_is_scored_as_singleton(tmp_path):
    case = CASES[0]
    con = duckdb.connect()
    build_store(con, case, unclustered=("social_care:1",))
    e = evaluate(con, write_truth(tmp_path / "truth", case))
    assert e.counts.records_unclustered == 1
    assert e.counts.resolved_people == 4 and e.counts.singletons == 2
    # A's three records are now 2 + 1: one of A's three true pairs is found.
    assert (e.cluster_pairs.true_positives, e.cluster_pairs.predicted, e.cluster_pairs.actual) == (2, 2, 4)


def test_temp_tables_dropped_and_read_only_store_works(tmp_path):
    path = tmp_path / "store.duckdb"
    con = duckdb.connect(str(path))
    build_store(con, CASES[1])
    con.close()
    con = duckdb.connect(str(path), read_only=True)
    e = evaluate(con, write_truth(tmp_path / "truth", CASES[1]))
    assert e.cluster_pairs.predicted == 3
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert not tables


def test_serial_column_optional(tmp_path):
    con = duckdb.connect()
    build_store(con, CASES[0])
    truth = write_truth(tmp_path / "truth", CASES[0], PEOPLE_COLUMNS[:-1])
    assert evaluate(con, truth).serial_perpetrators is None


@pytest.mark.parametrize("missing", ["records.csv", "people.csv"])
def test_missing_truth_file_is_named(tmp_path, missing):
    con = duckdb.connect()
    build_store(con, CASES[0])
    truth = write_truth(tmp_path / "truth", CASES[0])
    (truth / missing).unlink()
    with pytest.raises(ExtractError, match=missing) as info:
        evaluate(con, truth)
    assert info.value.file == str(truth / missing)
    assert "not found" in str(info.value)


def test_truth_file_without_required_column_is_named(tmp_path):
    con = duckdb.connect()
    build_store(con, CASES[3])
    truth = write_truth(tmp_path / "truth", CASES[3])
    people = truth / "people.csv"
    people.write_text(people.read_text().replace("person_id", "id", 1))
    with pytest.raises(ExtractError, match="person_id") as info:
        evaluate(con, truth)
    assert info.value.column == "person_id"


def test_hard_negatives_scored_only_for_the_kinds_the_truth_has(tmp_path):
    """A public benchmark's truth lists no twins or namesakes: those measures are left out, not reported as 0 of 0."""
    con = duckdb.connect()
    build_store(con, CASES[3])
    e = evaluate(con, write_truth(tmp_path / "truth", CASES[3], ("person_id", "twin_of")))
    assert [h.kind for h in e.hard_negatives] == ["twin"]
    assert e.hard_negatives[0].share == 1.0
    assert not evaluate(con, write_truth(tmp_path / "bare", CASES[3], ("person_id",))).hard_negatives


def test_missing_store_table_names_the_step(tmp_path):
    con = duckdb.connect()
    build_store(con, CASES[0])
    con.execute("DROP TABLE pairs")
    with pytest.raises(StepError, match="scored pairs"):
        evaluate(con, write_truth(tmp_path / "truth", CASES[0]))


def test_a_stored_pair_counts_every_record_pair_it_was_scored_for(tmp_path):
    """Three identical police records of A are one profile: its pairs stand for all their record pairs."""
    case = Case(
        "identity profiles",
        records=(
            ("police", "1", "A", "X"), ("police", "2", "A", "X"), ("police", "3", "A", "X"),
            ("health", "1", "A", "X"), ("health", "2", "B", "Y"),
        ),
        pairs=(
            ("health:1", "police:1", "link"),  # 3 record pairs, all A-A
            ("police:1", "police:2", "link"),  # the profile's own pair: C(3,2) = 3 record pairs
            ("health:2", "police:1", "review"),  # 3 record pairs, none true
        ),
    )
    con = duckdb.connect()
    build_store(con, case)
    con.execute("CREATE OR REPLACE TABLE profiles AS SELECT unique_id, CASE WHEN source = 'police' THEN 'police:1' ELSE unique_id END "
                "AS profile_id FROM records")
    e = evaluate(con, write_truth(tmp_path / "truth", case))
    assert e.cluster_pairs.actual == 6
    assert (e.link_pairs.true_positives, e.link_pairs.predicted) == (6, 6)
    assert (e.link_and_review_pairs.true_positives, e.link_and_review_pairs.predicted) == (6, 9)
