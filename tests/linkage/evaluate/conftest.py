"""Tiny hand-made stores and their truth for the evaluation tests, with every expected value worked by hand.

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

from linkage.evaluate import Evaluation, evaluate

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
