"""Constrained clustering and places: one home at a time, namesakes and GP registrations in two towns.

Split from test_cluster.py (which holds the identifier, DOB, forename, middle-name and join cases).
"""

from __future__ import annotations

import pytest

from linkage.config.model import Constraints
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.record_keys import RecordKeys
from tests.linkage.resolve.test_cluster import DEFAULT, groups


# Days since 1970 for readable place histories: D(2020) is 1 January 2020.
def D(year: int, month: int = 1) -> int:
    from datetime import date

    return (date(year, month, 1) - date(1970, 1, 1)).days


def P(place: str, year: int, month: int = 1, **kw) -> RecordKeys:
    """A record that puts its person in postcode area ``place`` on a date."""
    return RecordKeys(place=place, day=D(year, month), **kw)


PLACE_CASES = [
    # (description, keys, edges [(a, b, weight, identified)] strongest first, expected groups, soft-refused edge indices)
    (
        "a mover between towns stays one person: seen in the old area, then in the new",
        [P("LW", 2019), P("LW", 2020), P("NT", 2022), P("NT", 2024)],
        [(0, 1, 20.0, False), (2, 3, 20.0, False), (1, 2, 16.0, False)],
        {frozenset({0, 1, 2, 3})}, [],
    ),
    (
        "an old address given for a few weeks after the move is still one move",
        [P("LW", 2019), P("LW", 2022, 2), P("NT", 2022, 1), P("NT", 2024)],
        [(0, 1, 20.0, False), (2, 3, 20.0, False), (1, 2, 16.0, False)],
        {frozenset({0, 1, 2, 3})}, [],
    ),
    (
        "namesakes with interleaved addresses stay two: each seen at home over the same years",
        [P("LW", 2019), P("LW", 2023), P("NT", 2020), P("NT", 2024)],
        [(0, 1, 20.0, False), (2, 3, 20.0, False), (1, 2, 16.0, False)],
        {frozenset({0, 1}), frozenset({2, 3})}, [2],
    ),
    (
        "a lone police record in one town inside a namesake's years in another stays apart",
        [P("LW", 2018), P("LW", 2025), P("NT", 2021)],
        [(0, 1, 20.0, False), (1, 2, 17.0, False)],
        {frozenset({0, 1}), frozenset({2})}, [1],
    ),
    (
        "an agreeing NHS number joins two areas at once (the identifier outranks the address)",
        [P("LW", 2019, nhs_number="9434765919"), P("LW", 2023), P("NT", 2021, nhs_number="9434765919")],
        [(0, 1, 20.0, False), (0, 2, 25.0, True)],
        {frozenset({0, 1, 2})}, [],
    ),
    (
        "a shared postcode area is supporting history: no conflict",
        [P("LW", 2019), P("NT", 2023), P("NT", 2020), P("LW", 2024)],
        [(0, 1, 20.0, False), (2, 3, 20.0, False), (1, 2, 16.0, False)],
        {frozenset({0, 1, 2, 3})}, [],
    ),
    (
        "records with no date or no place say nothing about where the person lived",
        [P("LW", 2019), P("LW", 2023), RecordKeys(place="NT"), RecordKeys(day=D(2021))],
        [(0, 1, 20.0, False), (1, 2, 16.0, False), (1, 3, 15.0, False)],
        {frozenset({0, 1, 2, 3})}, [],
    ),
]


@pytest.mark.parametrize(("description", "keys", "edges", "expected", "soft"), PLACE_CASES, ids=[c[0] for c in PLACE_CASES])
def test_one_home_at_a_time(description, keys, edges, expected, soft):
    from linkage.resolve.cluster_rules import PLACE_RULE

    result = constrained_clusters(
        keys, [(a, b) for a, b, _, _ in edges], [w for _, _, w, _ in edges], Constraints(place_needs_history=True),
        identified=[i for _, _, _, i in edges],
    )
    assert groups(result.labels) == expected, description
    assert result.refused == [(i, PLACE_RULE) for i in soft], description


def test_place_rule_is_off_by_default():
    keys = [P("LW", 2019), P("LW", 2023), P("NT", 2021)]
    result = constrained_clusters(keys, [(0, 1), (1, 2)], [20.0, 16.0], DEFAULT)
    assert groups(result.labels) == {frozenset({0, 1, 2})}


def test_a_record_with_no_place_between_namesakes_in_two_towns_is_left_for_review():
    # 0-1: one person in LW over 2018-2025; 3-4: a namesake in NT over the same years; 2: a police
    # record with no postcode that matches both about equally. Joined to either, it would draw the
    # other in or be a coin flip: it is left unlinked, its pairs in review.
    keys = [P("LW", 2018), P("LW", 2025), RecordKeys(day=D(2021)), P("NT", 2019), P("NT", 2024)]
    edges = [(0, 1), (3, 4), (1, 2), (2, 3)]
    result = constrained_clusters(keys, edges, [20.0, 20.0, 15.0, 14.0], Constraints(place_needs_history=True))
    assert groups(result.labels) == {frozenset({0, 1}), frozenset({2}), frozenset({3, 4})}
    assert set(result.ambiguous) == {2}


@pytest.mark.parametrize(
    ("description", "weights", "ambiguous"),
    [
        ("matches both registrations about equally: left unlinked", [20.0, 20.0, 15.0, 14.0], {2}),
        ("matches one registration far better: joins it", [20.0, 20.0, 15.0, 9.0], set()),
    ],
    ids=["about-equal", "one-far-better"],
)
def test_a_record_with_no_postcode_between_gp_registrations_in_two_towns(description, weights, ambiguous):
    # 0-1: GP registrations in LW; 3-4: a namesake's GP registrations in NT, kept apart by the
    # registration rule; 2: a police record with no postcode that matches both.
    def reg(area):
        return RecordKeys(postcode_area=area, registration=True)

    keys = [reg("LW1"), reg("LW1"), RecordKeys(), reg("NT4"), reg("NT4")]
    result = constrained_clusters(keys, [(0, 1), (3, 4), (1, 2), (2, 3)], weights, DEFAULT)
    assert set(result.ambiguous) == ambiguous, description
    expected = {frozenset({0, 1}), frozenset({2}), frozenset({3, 4})} if ambiguous else {frozenset({0, 1, 2}), frozenset({3, 4})}
    assert groups(result.labels) == expected, description
