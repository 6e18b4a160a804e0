"""Evaluation metrics on tiny hand-made stores, with every expected value worked by hand.

Each case lists records as (source, record_id, true person, resolved person):
a resolved person of None means the record is in the truth but not in the
store (quarantined); a true person of None means the store has a record the
truth does not know. Unique ids are ``source:record_id``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from linkage.errors import ExtractError, StepError
from linkage.resolve.evaluate import Evaluation, evaluate, evaluation_table, write_report

PEOPLE_COLUMNS = ("person_id", "twin_of", "junior_senior_of", "namesake_of", "is_serial_perpetrator")


@dataclass(frozen=True)
class Case:
    """A store, its truth and the figures worked out by hand."""

    description: str
    records: tuple[tuple[str, str, str | None, str | None], ...]
    pairs: tuple[tuple[str, str, str], ...] = ()  # (unique id, unique id, band)
    relations: tuple[tuple[str, str, str], ...] = ()  # (person, people.csv column, other person)
    serial: tuple[str, ...] = ()
    # Expected values.
    cluster: tuple[int, int, int] = (0, 0, 0)  # (TP, predicted, actual)
    cluster_prf: tuple[float | None, float | None, float | None] = (None, None, None)
    link: tuple[int, int] = (0, 0)  # (TP, predicted)
    link_review: tuple[int, int] = (0, 0)
    bcubed: tuple[float, float] = (1.0, 1.0)
    hard: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (pairs, merged)
    sources: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    review: tuple[int, int, int] = (0, 0, 0)  # (pairs, people touched, resolved people)
    counts: dict[str, int] = field(default_factory=dict)
    serial_split: tuple[int, int] = (0, 0)  # (serial perpetrators in store, split)


CASES = [
    Case(
        "perfect clustering: three people, every link found, nothing merged",
        records=(
            ("police", "1", "A", "X"), ("health", "1", "A", "X"), ("social_care", "1", "A", "X"),
            ("police", "2", "B", "Y"), ("health", "2", "B", "Y"),
            ("health", "3", "C", "Z"),
        ),
        pairs=(
            ("health:1", "police:1", "link"), ("health:1", "social_care:1", "link"),
            ("police:1", "social_care:1", "link"), ("health:2", "police:2", "link"),
        ),
        cluster=(4, 4, 4),  # A: C(3,2)=3, B: 1
        cluster_prf=(1.0, 1.0, 1.0),
        link=(4, 4),
        link_review=(4, 4),
        bcubed=(1.0, 1.0),
        sources={("health", "police"): (2, 2), ("health", "social_care"): (1, 1), ("police", "social_care"): (1, 1)},
        review=(0, 0, 3),
        counts=dict(truth_records=6, truth_missing_from_store=0, records_evaluated=6, true_people=3,
                    resolved_people=3, singletons=1),
    ),
    Case(
        "one false merge: B's only record joins A's person",
        records=(("police", "1", "A", "X"), ("health", "1", "A", "X"), ("health", "2", "B", "X"), ("police", "2", "C", "Y")),
        pairs=(("health:1", "police:1", "link"), ("health:2", "police:1", "link")),
        cluster=(1, 3, 1),  # X holds 3 records: 3 predicted pairs, 1 of them A-A
        cluster_prf=(1 / 3, 1.0, 0.5),
        link=(1, 2),
        link_review=(1, 2),
        # A's records: 2/3 precision each, B's: 1/3, C's: 1 -> (2/3 + 2/3 + 1/3 + 1) / 4.
        bcubed=(2 / 3, 1.0),
        sources={("health", "police"): (1, 1)},
        review=(0, 0, 2),
        counts=dict(truth_records=4, records_evaluated=4, true_people=3, resolved_people=2, singletons=1),
    ),
    Case(
        "one missed link: A's health record left apart, the pair sent to review",
        records=(
            ("police", "1", "A", "X"), ("health", "1", "A", "Y"), ("social_care", "1", "A", "X"),
            ("police", "2", "B", "Z"),
        ),
        pairs=(("health:1", "police:1", "review"), ("police:1", "social_care:1", "link")),
        serial=("A",),
        cluster=(1, 1, 3),
        cluster_prf=(1.0, 1 / 3, 0.5),
        link=(1, 1),
        link_review=(2, 2),
        # Recall: A's X records 2/3 each, A's Y record 1/3, B's 1 -> (2/3 + 2/3 + 1/3 + 1) / 4.
        bcubed=(1.0, 2 / 3),
        sources={("health", "police"): (1, 0), ("health", "social_care"): (1, 0), ("police", "social_care"): (1, 1)},
        review=(1, 2, 3),  # the review pair touches X and Y, of X, Y, Z
        counts=dict(records_evaluated=4, true_people=2, resolved_people=3, singletons=2),
        serial_split=(1, 1),
    ),
    Case(
        "merged twins: twins C and D merged, junior/senior kept apart, namesake quarantined",
        records=(
            ("police", "1", "C", "X"), ("health", "1", "C", "X"), ("health", "2", "D", "X"),
            ("police", "2", "E", "Y"), ("police", "3", "F", "Z"),
            ("health", "3", "G", "W"), ("social_care", "9", "H", None),
        ),
        # Twins listed from both sides, junior/senior from one side only.
        relations=(
            ("C", "twin_of", "D"), ("D", "twin_of", "C"), ("E", "junior_senior_of", "F"),
            ("G", "namesake_of", "H"), ("H", "namesake_of", "G"),
        ),
        serial=("E",),
        cluster=(1, 3, 1),
        cluster_prf=(1 / 3, 1.0, 0.5),
        link=(0, 0),
        link_review=(0, 0),
        # C's records 2/3 each, D's 1/3, the other three 1 -> (2/3 + 2/3 + 1/3 + 3) / 6 = 7/9.
        bcubed=(7 / 9, 1.0),
        hard={"twin": (1, 1), "junior_senior": (1, 0), "namesake": (0, 0)},
        sources={("health", "police"): (1, 1)},
        review=(0, 0, 4),
        counts=dict(truth_records=7, truth_missing_from_store=1, records_evaluated=6, true_people=5,
                    resolved_people=4, singletons=3),
        serial_split=(1, 0),
    ),
    Case(
        "review pairs: two false review pairs, and one to a record the truth does not know",
        records=(
            ("police", "1", "A", "X"), ("health", "1", "A", "X"), ("health", "2", "B", "Y"),
            ("police", "2", "C", "Z"), ("police", "99", None, "Q"),
        ),
        pairs=(
            ("health:1", "police:1", "link"), ("health:2", "police:1", "review"),
            ("health:2", "police:2", "review"), ("police:1", "police:99", "review"),
        ),
        cluster=(1, 1, 1),
        cluster_prf=(1.0, 1.0, 1.0),
        link=(1, 1),
        link_review=(1, 3),
        bcubed=(1.0, 1.0),
        sources={("health", "police"): (1, 1)},
        review=(2, 3, 3),  # police:99 is not evaluated, so its pair and person Q are left out
        counts=dict(truth_records=4, records_without_truth=1, records_evaluated=4, true_people=3,
                    resolved_people=3, singletons=2),
    ),
]
IDS = [case.description.split(":")[0] for case in CASES]


def build_store(con: duckdb.DuckDBPyConnection, case: Case, *, unclustered: tuple[str, ...] = ()) -> None:
    """Create the store tables ``records``, ``clusters``, ``pairs`` and ``profiles`` for a case (each record its own profile)."""
    con.execute("CREATE TABLE records (unique_id VARCHAR, source VARCHAR, record_id VARCHAR, forename VARCHAR)")
    con.execute("CREATE TABLE clusters (unique_id VARCHAR, person_id VARCHAR)")
    con.execute(
        "CREATE TABLE pairs (unique_id_l VARCHAR, unique_id_r VARCHAR, match_probability DOUBLE, "
        "match_weight DOUBLE, band VARCHAR)"
    )
    for source, record_id, _, resolved in case.records:
        if resolved is None:
            continue
        unique_id = f"{source}:{record_id}"
        con.execute("INSERT INTO records VALUES (?, ?, ?, 'NAME')", [unique_id, source, record_id])
        if unique_id not in unclustered:
            con.execute("INSERT INTO clusters VALUES (?, ?)", [unique_id, resolved])
    for left, right, band in case.pairs:
        assert left < right, "pairs are stored with unique_id_l < unique_id_r"
        con.execute("INSERT INTO pairs VALUES (?, ?, 0.9, 3.2, ?)", [left, right, band])
    con.execute("CREATE TABLE profiles AS SELECT unique_id, unique_id AS profile_id FROM records")


def write_truth(directory: Path, case: Case, people_columns: tuple[str, ...] = PEOPLE_COLUMNS) -> Path:
    """Write ``records.csv`` and ``people.csv`` as the generator lays them out."""
    directory.mkdir(parents=True, exist_ok=True)
    truth = [(s, r, t) for s, r, t, _ in case.records if t is not None]
    with (directory / "records.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["source", "record_id", "person_id"])
        writer.writerows(truth)
    people = sorted({t for _, _, t in truth} | {p for p, _, _ in case.relations} | {o for _, _, o in case.relations})
    with (directory / "people.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["forename", *people_columns])  # an extra column, as in the real file
        for person in people:
            row = {"person_id": person, "is_serial_perpetrator": "true" if person in case.serial else "false"}
            row |= {column: other for p, column, other in case.relations if p == person}
            writer.writerow(["Name", *(row.get(column, "") for column in people_columns)])
    return directory


def run_case(tmp_path: Path, case: Case) -> Evaluation:
    con = duckdb.connect()
    build_store(con, case)
    return evaluate(con, write_truth(tmp_path / "truth", case))


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


def test_report_written_with_headline_figures(tmp_path):
    e = run_case(tmp_path, CASES[3])
    charts = {"Match weights": "match weights.html", "Cluster sizes": "cluster_sizes.png"}
    path = write_report(e, tmp_path / "out" / "evaluation.md", charts)
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "out" / "evaluation.md"
    assert "| Cluster-pair precision | 33.33% |" in text
    assert "| Cluster-pair recall | 100.00% |" in text
    assert "| Twins merged | 1 of 1 (100.00%) | <= 1%: NOT MET |" in text
    assert "| Junior/senior merged | 0 of 1 (0.00%) | <= 1%: met |" in text
    assert "| Namesakes merged | 0 of 0 (n/a) | <= 3%: n/a |" in text
    assert "| Truth records not in the store (quarantined) | 1 |" in text
    assert "| health / police | 1 | 1 | 100.00% |" in text
    assert "- [Match weights](match%20weights.html)" in text
    assert "![Cluster sizes](cluster_sizes.png)" in text


def test_report_without_charts_has_no_chart_section(tmp_path):
    text = write_report(run_case(tmp_path, CASES[0]), tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## Charts" not in text
    assert "| People in review band | 0 of 3 (0.00%) | < 2%: met |" in text


def test_evaluation_table_renders(tmp_path):
    console = Console(record=True, width=140)
    console.print(evaluation_table(run_case(tmp_path, CASES[2])))
    text = console.export_text()
    assert "Cluster-pair recall" in text and "33.33%" in text
    assert "People in review band" in text and "2 of 3 (66.67%)" in text
    assert "Recall health / police" in text


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
