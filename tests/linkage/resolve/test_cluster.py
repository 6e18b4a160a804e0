"""Table-driven cases for constrained clustering."""

from __future__ import annotations

import pytest

from linkage.config.model import Constraints
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.cluster_rules import MIDDLE_NAME_RULE
from linkage.resolve.joins import Joins
from linkage.resolve.record_keys import RecordKeys

K = RecordKeys
DEFAULT = Constraints()


def groups(labels: list[int]) -> set[frozenset[int]]:
    """Clusters as sets of record indices, singletons included."""
    found: dict[int, set[int]] = {}
    for record, label in enumerate(labels):
        found.setdefault(label, set()).add(record)
    return {frozenset(g) for g in found.values()}


CASES = [
    # (description, keys, edges [(a, b, weight)] strongest first, must, cannot, expected groups, ambiguous)
    (
        "plain chain links everyone",
        [K("9434765919"), K(), K()],
        [(0, 1, 20.0), (1, 2, 18.0)],
        [], [],
        {frozenset({0, 1, 2})}, set(),
    ),
    (
        "bridging record between twins joins the twin it matches best, never both",
        # 0 and 2 are twins with different NHS numbers; 1 is a police record with no NHS
        # that matches twin 0 strongly (same forename) and twin 2 weakly.
        [K("9434765919", dob_year=2011), K(None, dob_year=2011), K("4010232137", dob_year=2011)],
        [(0, 1, 22.0), (1, 2, 9.0)],
        [], [],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "bridging record that matches both twins equally is left unlinked",
        [K("9434765919", dob_year=2011), K(None, dob_year=2011), K("4010232137", dob_year=2011)],
        [(0, 1, 20.0), (1, 2, 19.0)],
        [], [],
        {frozenset({0}), frozenset({1}), frozenset({2})}, {1},
    ),
    (
        "father and son of one name: a record with no DOB matching both is left unlinked",
        [K(dob_year=1978), K(None), K(dob_year=2008)],
        [(0, 1, 15.0), (1, 2, 15.0)],
        [], [],
        {frozenset({0}), frozenset({1}), frozenset({2})}, {1},
    ),
    (
        "DOBs one year apart may merge (a year typo)",
        [K(dob_year=1980), K(dob_year=1981)],
        [(0, 1, 12.0)],
        [], [],
        {frozenset({0, 1})}, set(),
    ),
    (
        "DOBs two years apart never merge",
        [K(dob_year=1980), K(dob_year=1982)],
        [(0, 1, 30.0)],
        [], [],
        {frozenset({0}), frozenset({1})}, set(),
    ),
    (
        "DOBs years apart but one keystroke apart may merge: 1985 keyed as 1958 (two digits swapped)",
        [K(dob_year=1985, dob=19850312), K(dob_year=1958, dob=19580312)],
        [(0, 1, 12.0)],
        [], [],
        {frozenset({0, 1})}, set(),
    ),
    (
        "DOBs years apart but one keystroke apart may merge: 1975 keyed for 1985 (one digit wrong)",
        [K(dob_year=1985, dob=19850312), K(dob_year=1975, dob=19750312)],
        [(0, 1, 12.0)],
        [], [],
        {frozenset({0, 1})}, set(),
    ),
    (
        "DOBs years apart and two keystrokes apart never merge (father and son, different birthdays)",
        [K(dob_year=1960, dob=19600514), K(dob_year=1990, dob=19900415)],
        [(0, 1, 30.0)],
        [], [],
        {frozenset({0}), frozenset({1})}, set(),
    ),
    (
        "a typo exemption covers only its own pair: a third DOB two keystrokes from the typo stays out",
        [K(dob_year=1985, dob=19850312), K(dob_year=1958, dob=19580312), K(dob_year=1986, dob=19860312)],
        [(0, 1, 20.0), (0, 2, 15.0)],
        [], [],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "DOBs years apart with only birth years known never merge",
        [K(dob_year=1985), K(dob_year=1958)],
        [(0, 1, 30.0)],
        [], [],
        {frozenset({0}), frozenset({1})}, set(),
    ),
    (
        "different PNC IDs never merge",
        [K(pnc_id="98/1234567M"), K(pnc_id="02/0000123P")],
        [(0, 1, 30.0)],
        [], [],
        {frozenset({0}), frozenset({1})}, set(),
    ),
    (
        "same NHS number on both sides is no conflict",
        [K("9434765919"), K("9434765919"), K()],
        [(0, 1, 30.0), (1, 2, 10.0)],
        [], [],
        {frozenset({0, 1, 2})}, set(),
    ),
    (
        "an analyst's rejection keeps two records apart through a chain",
        [K(), K(), K()],
        [(0, 1, 20.0), (1, 2, 20.0)],
        [], [(0, 2)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "an analyst's confirmation merges records no edge joins",
        [K(), K(), K()],
        [(0, 1, 20.0)],
        [(1, 2)], [],
        {frozenset({0, 1, 2})}, set(),
    ),
    (
        "a confirmed pair merges even across different NHS numbers (the analyst decides)",
        [K("9434765919"), K("4010232137")],
        [],
        [(0, 1)], [],
        {frozenset({0, 1})}, set(),
    ),
    (
        "contradictory decisions: a confirmation that would join a rejected pair is not applied",
        [K(), K(), K()],
        [],
        [(0, 1), (1, 2)], [(0, 2)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "no edges, no merges",
        [K(), K()],
        [],
        [], [],
        {frozenset({0}), frozenset({1})}, set(),
    ),
]


@pytest.mark.parametrize(("description", "keys", "edges", "must", "cannot", "expected", "ambiguous"), CASES, ids=[c[0] for c in CASES])
def test_constrained_clusters(description, keys, edges, must, cannot, expected, ambiguous):
    result = constrained_clusters(
        keys, [(a, b) for a, b, _ in edges], [w for _, _, w in edges], DEFAULT, must_link=must, cannot_link=cannot
    )
    assert groups(result.labels) == expected, description
    assert set(result.ambiguous) == ambiguous, description


def test_refused_edges_carry_their_reason():
    keys = [K("9434765919"), K("4010232137"), K(dob_year=1950), K(dob_year=1990)]
    result = constrained_clusters(keys, [(0, 1), (2, 3)], [30.0, 30.0], DEFAULT)
    assert result.refused == [(0, "different NHS numbers"), (1, "dates of birth years apart")]


def test_the_dob_typo_exemption_can_be_switched_off():
    keys = [K(dob_year=1985, dob=19850312), K(dob_year=1958, dob=19580312)]
    strict = Constraints(dob_typo_is_evidence=False)
    result = constrained_clusters(keys, [(0, 1)], [30.0], strict)
    assert groups(result.labels) == {frozenset({0}), frozenset({1})}
    assert result.refused == [(0, "dates of birth years apart")]


def test_constraints_can_be_switched_off():
    keys = [K("9434765919", dob_year=1950), K("4010232137", dob_year=1990)]
    off = Constraints(different_nhs_numbers=False, max_dob_year_gap=None)
    result = constrained_clusters(keys, [(0, 1)], [30.0], off)
    assert groups(result.labels) == {frozenset({0, 1})}


def test_cluster_label_is_its_smallest_record():
    result = constrained_clusters([K(), K(), K()], [(2, 1), (1, 0)], [10.0, 10.0], DEFAULT)
    assert result.labels == [0, 0, 0]


def test_conflict_between_final_clusters():
    keys = [K("9434765919"), K(), K("4010232137")]
    result = constrained_clusters(keys, [(0, 1)], [20.0], DEFAULT)
    assert result.conflict(1, 2, DEFAULT) == "different NHS numbers"
    assert result.conflict(0, 1, DEFAULT) is None


FORENAME_CASES = [
    # (description, keys, edges (a, b, weight, identified), forename-apart pairs, expected groups, ambiguous)
    (
        "a record with no forename matching both twins nearly equally is left unlinked",
        [K(forename="OLIVER"), K(forename=None), K(forename="CHARLIE")],
        [(0, 1, 22.0, False), (1, 2, 21.0, False)], [(0, 2)],
        {frozenset({0}), frozenset({1}), frozenset({2})}, {1},
    ),
    (
        "a record with no forename far closer to one twin joins that twin only",
        [K(forename="OLIVER"), K(forename=None), K(forename="CHARLIE")],
        [(0, 1, 22.0, False), (1, 2, 10.0, False)], [(0, 2)],
        {frozenset({0, 1}), frozenset({2})}, set(),
    ),
    (
        "an identifier agreeing on the joining pair overrides the forename rule (a forename keyed wrong)",
        [K(forename="OLIVER"), K(forename=None), K(forename="OLIVE")],
        [(0, 1, 22.0, False), (1, 2, 21.0, True)], [(0, 2)],
        {frozenset({0, 1, 2})}, set(),
    ),
    (
        "without forename-apart pairs a chain joins all three",
        [K(forename="OLIVER"), K(forename=None), K(forename="CHARLIE")],
        [(0, 1, 22.0, False), (1, 2, 21.0, False)], [],
        {frozenset({0, 1, 2})}, set(),
    ),
]


@pytest.mark.parametrize(("description", "keys", "edges", "apart", "expected", "ambiguous"), FORENAME_CASES, ids=[c[0] for c in FORENAME_CASES])
def test_forenames_keep_twins_apart_through_other_records(description, keys, edges, apart, expected, ambiguous):
    result = constrained_clusters(
        keys, [(a, b) for a, b, _, _ in edges], [w for _, _, w, _ in edges], DEFAULT,
        identified=[i for _, _, _, i in edges], forenames_apart=apart,
    )
    assert groups(result.labels) == expected, description
    assert set(result.ambiguous) == ambiguous, description


def test_forename_rule_leaves_chains_of_named_records_alone():
    # ALEX - ALEXANDER - SANDY: the ends' forenames disagree outright, the chain is one person.
    keys = [K(forename="ALEX"), K(forename="ALEXANDER"), K(forename="SANDY")]
    result = constrained_clusters(keys, [(0, 1), (1, 2)], [20.0, 19.0], DEFAULT, forenames_apart=[(0, 2)])
    assert groups(result.labels) == {frozenset({0, 1, 2})}


JOIN_CASES = [
    # (description, keys (each its own cluster), joins made in order, the next join asked, its conflict)
    ("a join adds the joined cluster's NHS number: a second person's differing one now conflicts",
     [K("9434765919"), K(None), K("4010232137")], [(0, 1)], (1, 2), "different NHS numbers"),
    ("a join adds the joined cluster's birth year: a cluster born years later now conflicts",
     [K(dob_year=1980), K(None), K(dob_year=2001)], [(1, 0)], (1, 2), "dates of birth years apart"),
    ("nothing joined yet: the two clusters do not conflict",
     [K("9434765919"), K(None), K("4010232137")], [], (1, 2), None),
    ("two records already joined through a third never conflict",
     [K("9434765919"), K(None), K(None)], [(0, 1), (2, 1)], (0, 2), None),
]


@pytest.mark.parametrize(("description", "keys", "joins", "asked", "conflict"), JOIN_CASES, ids=[c[0] for c in JOIN_CASES])
def test_joins_see_the_joined_cluster_whole(description, keys, joins, asked, conflict):
    result = constrained_clusters(keys, [], [], DEFAULT)
    joined = Joins(result)
    for a, b in joins:
        joined.join(a, b)
    assert joined.conflict(*asked, DEFAULT) == conflict, description
    after = joined.result()
    assert after.conflict(*asked, DEFAULT) == conflict, f"{description} (the joined clustering)"
    expected = {frozenset({0})} | {frozenset({r}) for r in range(1, len(keys))}
    for a, b in joins:
        merged = {g for g in expected if a in g or b in g}
        expected = (expected - merged) | {frozenset().union(*merged)}
    assert groups(after.labels) == expected, description
    assert all(after.labels[r] == min(g) for g in expected for r in g), f"{description}: smallest record represents"
    gone = {r for r in range(len(keys)) if after.labels[r] != r and result.labels[r] == r}
    for root in gone:
        with pytest.raises(KeyError):
            after.summaries[root]


def test_joins_leave_the_clustering_unchanged_when_none_is_made():
    result = constrained_clusters([K(), K()], [], [], DEFAULT)
    assert Joins(result).result() is result


# Each case: description, edges (a, b, weight, identifier agrees), middle-name-apart pairs, expected groups, refusal reasons.
MIDDLE_NAME_CASES = [
    (
        "father RICHARD ASIF and son RICHARD JAMES: a direct edge is refused",
        [(0, 1, 15.0, False)], [(0, 1)],
        {frozenset({0}), frozenset({1})}, [MIDDLE_NAME_RULE],
    ),
    (
        "nor joined through a record with no middle name (a police record with none)",
        [(0, 2, 16.0, False), (1, 2, 15.0, False)], [(0, 1)],
        {frozenset({0, 2}), frozenset({1})}, [MIDDLE_NAME_RULE],
    ),
    (
        "an NHS number agreeing on the joining pair overrides the rule (a middle name keyed wrong)",
        [(0, 2, 16.0, False), (1, 2, 15.0, True)], [(0, 1)],
        {frozenset({0, 1, 2})}, [],
    ),
    (
        "without middle-name-apart pairs the chain joins all three",
        [(0, 2, 16.0, False), (1, 2, 15.0, False)], [],
        {frozenset({0, 1, 2})}, [],
    ),
]


@pytest.mark.parametrize(("description", "edges", "apart", "expected", "reasons"), MIDDLE_NAME_CASES, ids=[c[0] for c in MIDDLE_NAME_CASES])
def test_middle_names_keep_people_apart_through_other_records(description, edges, apart, expected, reasons):
    result = constrained_clusters(
        [K(), K(), K()][: 1 + max(max(a, b) for a, b, _, _ in edges)], [(a, b) for a, b, _, _ in edges],
        [w for _, _, w, _ in edges], DEFAULT, identified=[i for _, _, _, i in edges], middle_names_apart=apart,
    )
    assert groups(result.labels) == expected, description
    assert [reason for _, reason in result.refused] == reasons, description


def test_middle_names_leave_the_registration_rule_its_ambiguous_record():
    """Namesakes AMY CLAIRE (GP in LW) and AMY LISA (GP in NT): a record with no postcode matching both stays for review.

    The registration rule refuses the merge first (review), so the record lacking the
    postcode it turns on is still found ambiguous; the middle names refuse only merges no
    other rule refuses.
    """
    def reg(area):
        return RecordKeys(postcode_area=area, registration=True)

    keys = [reg("LW1"), reg("LW1"), RecordKeys(), reg("NT4"), reg("NT4")]
    result = constrained_clusters(
        keys, [(0, 1), (3, 4), (1, 2), (2, 3)], [20.0, 20.0, 15.0, 14.0], DEFAULT, middle_names_apart=[(0, 3)],
    )
    assert set(result.ambiguous) == {2}
    assert groups(result.labels) == {frozenset({0, 1}), frozenset({2}), frozenset({3, 4})}
