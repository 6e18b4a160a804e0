"""Table-driven cases for the generations rule: a record with no DOB or identifier where two
people of its name, a generation apart, share its postcode is left unlinked for review."""

from __future__ import annotations

import numpy as np
import pytest

from linkage.config.model import Constraints
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.generations import undated_beside_generations, undated_between_generations
from linkage.resolve.record_keys import KeyTable, RecordKeys
from tests.linkage.resolve.test_cluster import groups

NAME, OTHER_NAME = "DANIEL H400", "DANIEL W426"
HOME, AWAY = "CT1 0GA", "CT1 8GR"


def K(year: int | None = None, name: str | None = NAME, postcode: str | None = HOME, nhs: str | None = None) -> RecordKeys:
    return RecordKeys(nhs_number=nhs, dob_year=year, name=name, postcode=postcode)


CASES = [
    # (description, keys, edges [(a, b, weight)] strongest first, expected groups, ambiguous)
    (
        "father's record with no DOB at the home he shares with his son of one name is left unlinked, "
        "though it was paired only with the father (blocked away from the son)",
        [K(1976), K(), K(2009)],
        [(0, 1, 15.0)],
        {frozenset({0}), frozenset({1}), frozenset({2})}, {1},
    ),
    (
        "the same when the son's cluster holds the record with no DOB",
        [K(1976), K(), K(2009), K(2009)],
        [(2, 3, 20.0), (1, 2, 15.0)],
        {frozenset({0}), frozenset({1}), frozenset({2, 3})}, {1},
    ),
    (
        "two records with no DOB in the household of two generations are not joined to each other",
        [K(1976), K(), K(), K(2009)],
        [(1, 2, 15.0)],
        {frozenset({0}), frozenset({1}), frozenset({2}), frozenset({3})}, {1, 2},
    ),
    (
        "the household is every postcode either generation holds: a record with no DOB at the son's new "
        "address is ambiguous once father and son were both seen at the old one",
        [K(1976, postcode=AWAY), K(2009, postcode=AWAY), K(2009), K()],
        [(1, 2, 20.0), (2, 3, 15.0)],
        {frozenset({0}), frozenset({1, 2}), frozenset({3})}, {3},
    ),
    (
        "one person of the name at the postcode: the record with no DOB links",
        [K(1976), K()],
        [(0, 1, 15.0)],
        {frozenset({0, 1})}, set(),
    ),
    (
        "the other generation lives at another postcode: the record with no DOB links to the one at its home",
        [K(1976), K(), K(2009, postcode=AWAY)],
        [(0, 1, 15.0)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "two people of the name born four years apart (cousins, not a generation): the record links",
        [K(1976), K(), K(1980)],
        [(0, 1, 15.0)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "a record with an NHS number says which one it is: it links",
        [K(1976, nhs="9434765919"), K(nhs="9434765919"), K(2009)],
        [(0, 1, 25.0)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "a dated record is not ambiguous: its DOB keeps it with its generation",
        [K(1976), K(1976), K(2009)],
        [(0, 1, 15.0)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "another name at the postcode is not the household's second generation",
        [K(1976), K(), K(2009, name=OTHER_NAME)],
        [(0, 1, 15.0)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "a record with no postcode is not placed in the household: the rule does not reach it",
        [K(1976), K(postcode=None), K(2009)],
        [(0, 1, 15.0)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
]


@pytest.mark.parametrize(("description", "keys", "edges", "expected", "ambiguous"), CASES, ids=[c[0] for c in CASES])
def test_undated_record_between_generations(description, keys, edges, expected, ambiguous):
    result = constrained_clusters(keys, [(a, b) for a, b, _ in edges], [w for *_, w in edges], Constraints())
    assert groups(result.labels) == expected, description
    assert set(result.ambiguous) == ambiguous, description


def test_rule_can_be_switched_off():
    keys = [K(1976), K(), K(2009)]
    result = constrained_clusters(keys, [(0, 1)], [15.0], Constraints(undated_generation_gap=None))
    assert groups(result.labels) == {frozenset({0, 1}), frozenset({2})}
    assert not result.ambiguous


@pytest.mark.parametrize(
    ("description", "gap", "found"),
    [
        ("births 33 years apart are two generations under a 12-year gap", 12, [1]),
        ("under a 40-year gap the same two are not", 40, []),
    ],
)
def test_the_gap_sets_what_counts_as_a_generation(description, gap, found):
    table = KeyTable.from_records([K(1976), K(), K(2009)])
    assert undated_between_generations(table, np.array([0, 0, 2]), gap).tolist() == found, description


def test_nothing_placed_finds_nothing():
    table = KeyTable.from_records([RecordKeys(dob_year=1976), RecordKeys()])
    assert undated_between_generations(table, np.array([0, 0]), 12).tolist() == []


KIT, CHRISTOPHER = "KATHERINE R361", "CHRISTOPHER R361"  # canonical forms that part a nickname from its name
NEW_HOME = "TG1 6XH"

# (description, keys, edges [(a, b, weight, names agree)] strongest first, expected groups, ambiguous)
PAIRED_CASES = [
    (
        "the model paired father and son (KIT and CHRISTOPHER: names agree, canonical forms part), DOBs a "
        "generation apart: the son's record with no DOB at the new home, joined to his father, is left unlinked",
        [K(1990, name=CHRISTOPHER), K(2015, name=KIT), K(1990, name=CHRISTOPHER, postcode=NEW_HOME), K(name=CHRISTOPHER, postcode=NEW_HOME)],
        [(0, 2, 20.0, True), (0, 1, 11.0, True), (2, 3, 13.0, True)],
        {frozenset({0, 2}), frozenset({1}), frozenset({3})}, {3},
    ),
    (
        "the same when the record with no DOB sits in the son's cluster",
        [K(1978, name=CHRISTOPHER), K(2008, name=KIT, postcode=AWAY), K(2008, name=KIT), K(name=CHRISTOPHER)],
        [(1, 2, 20.0, True), (0, 2, 12.0, True), (2, 3, 14.0, True)],
        {frozenset({0}), frozenset({1, 2}), frozenset({3})}, {3},
    ),
    (
        "the pair between the generations has names that do not agree (a mother and her son at one address): "
        "the record with no DOB links",
        [K(1990, name=CHRISTOPHER), K(2015, name=KIT), K(name=CHRISTOPHER, postcode=NEW_HOME), K(1990, name=CHRISTOPHER, postcode=NEW_HOME)],
        [(0, 3, 20.0, True), (0, 1, 11.0, False), (2, 3, 13.0, True)],
        {frozenset({0, 2, 3}), frozenset({1})}, set(),
    ),
    (
        "the paired records' DOBs are four years apart (not a generation): the record with no DOB links",
        [K(1990, name=CHRISTOPHER), K(1994, name=KIT), K(1990, name=CHRISTOPHER, postcode=NEW_HOME), K(name=CHRISTOPHER, postcode=NEW_HOME)],
        [(0, 2, 20.0, True), (0, 1, 11.0, True), (2, 3, 13.0, True)],
        {frozenset({0, 2, 3}), frozenset({1})}, set(),
    ),
    (
        "a record with an NHS number in the father's cluster says which one it is: it stays",
        [K(1990, name=CHRISTOPHER, nhs="9434765919"), K(2015, name=KIT), K(name=CHRISTOPHER, postcode=NEW_HOME, nhs="9434765919")],
        [(0, 2, 25.0, True), (0, 1, 11.0, True)],
        {frozenset({0, 2}), frozenset({1})}, set(),
    ),
    (
        "a record with no DOB alone in no cluster but its own is not touched (nothing to leave)",
        [K(1990, name=CHRISTOPHER), K(2015, name=KIT), K(name=CHRISTOPHER, postcode=NEW_HOME)],
        [(0, 1, 11.0, True)],
        {frozenset({0}), frozenset({1}), frozenset({2})}, set(),
    ),
]


@pytest.mark.parametrize(("description", "keys", "edges", "expected", "ambiguous"), PAIRED_CASES, ids=[c[0] for c in PAIRED_CASES])
def test_undated_record_beside_generations_the_model_paired(description, keys, edges, expected, ambiguous):
    result = constrained_clusters(
        keys, [(a, b) for a, b, *_ in edges], [w for _, _, w, _ in edges], Constraints(), named=[n for *_, n in edges]
    )
    assert groups(result.labels) == expected, description
    assert set(result.ambiguous) == ambiguous, description


def test_without_names_agreeing_no_pair_marks_generations():
    """A caller that does not say which edges' names agree (``named`` left out) gets the postcode-and-name rule alone."""
    keys = [K(1990, name=CHRISTOPHER), K(2015, name=KIT), K(1990, name=CHRISTOPHER, postcode=NEW_HOME), K(name=CHRISTOPHER, postcode=NEW_HOME)]
    result = constrained_clusters(keys, [(0, 2), (0, 1), (2, 3)], [20.0, 11.0, 13.0], Constraints())
    assert groups(result.labels) == {frozenset({0, 2, 3}), frozenset({1})}
    assert not result.ambiguous


@pytest.mark.parametrize(
    ("description", "ends", "labels", "gap", "found"),
    [
        ("births 25 years apart across two clusters: the undated record of either is found", [(0, 1)], [0, 1, 0], 12, [2]),
        ("under a 30-year gap the same two are not two generations", [(0, 1)], [0, 1, 0], 30, []),
        ("the pair inside one cluster marks nothing", [(0, 2)], [0, 1, 0], 12, []),
        ("no pairs, nothing found", [], [0, 1, 0], 12, []),
    ],
)
def test_beside_generations_direct(description, ends, labels, gap, found):
    table = KeyTable.from_records([K(1990), K(2015), K()])
    assert undated_beside_generations(table, np.array(labels), np.array(ends, dtype=np.int64).reshape(-1, 2), gap).tolist() == found, description
