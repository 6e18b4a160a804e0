"""Stable person ids: table-driven cases of joins, merges, splits and withdrawals."""

from __future__ import annotations

import pandas as pd
import pytest

from linkage.resolve.identity import assign_ids, format_person_id


def groups(spec: dict[str, list[str]]) -> tuple[list[str], list[int]]:
    """Records and labels from {group name: [record ids]}."""
    uids, labels = [], []
    for label, (_, members) in enumerate(spec.items()):
        uids += members
        labels += [label] * len(members)
    return uids, labels


def first_run(spec: dict[str, list[str]]):
    uids, labels = groups(spec)
    return assign_ids(uids, labels, run_id=1)


def ids_by_group(spec, assignment) -> dict[str, str]:
    uids, labels = groups(spec)
    return {name: assignment.person_of[label] for label, name in enumerate(spec)}


def rerun(before_spec, after_spec, decisions=None, run_id=2):
    before = first_run(before_spec)
    uids, labels = groups(before_spec)
    previous = pd.DataFrame({"unique_id": uids, "person_id": [before.person_of[x] for x in labels]})
    uids, labels = groups(after_spec)
    after = assign_ids(uids, labels, run_id, previous, before.registry, decisions)
    return ids_by_group(before_spec, before), ids_by_group(after_spec, after), after


CASES = [
    # (description, before, after, expected ids after (by group name -> before group name or 'new'), counts)
    ("same groups keep their ids", {"a": ["r1", "r2"], "b": ["r3"]}, {"a": ["r1", "r2"], "b": ["r3"]}, {"a": "a", "b": "b"}, {"new_people": 0, "merges": 0, "splits": 0}),
    ("a new record joining a person keeps its id", {"a": ["r1"], "b": ["r3"]}, {"a": ["r1", "r9"], "b": ["r3"]}, {"a": "a", "b": "b"}, {"new_people": 0}),
    ("a new person gets a new id", {"a": ["r1"]}, {"a": ["r1"], "n": ["r9"]}, {"a": "a", "n": "new"}, {"new_people": 1, "splits": 0}),
    ("a merge keeps the older id", {"a": ["r1"], "b": ["r2", "r3", "r4"]}, {"ab": ["r1", "r2", "r3", "r4"]}, {"ab": "a"}, {"merges": 1}),
    ("a split: the part with most records keeps the id", {"a": ["r1", "r2", "r3"]}, {"x": ["r1"], "y": ["r2", "r3"]}, {"y": "a", "x": "new"}, {"splits": 1, "new_people": 0}),
    ("a tied split: the part with the first record id keeps it", {"a": ["r1", "r2"]}, {"x": ["r2"], "y": ["r1"]}, {"y": "a", "x": "new"}, {"splits": 1}),
    ("records moving between people keep both ids", {"a": ["r1", "r2"], "b": ["r3", "r4"]}, {"a": ["r1", "r2", "r3"], "b": ["r4"]}, {"a": "a", "b": "b"}, {"merges": 0, "splits": 0}),
]


@pytest.mark.parametrize(("description", "before", "after", "expected", "counts"), CASES, ids=[c[0] for c in CASES])
def test_ids_follow_their_people(description, before, after, expected, counts):
    old, new, assignment = rerun(before, after)
    issued = set(old.values())
    for group, origin in expected.items():
        if origin == "new":
            assert new[group] not in issued, description
        else:
            assert new[group] == old[origin], description
    assert len(set(new.values())) == len(new), "one id per person"
    for key, value in counts.items():
        assert assignment.counts[key] == value, (description, key)


def test_first_run_issues_ids_in_order():
    assignment = first_run({"a": ["r1"], "b": ["r2"], "c": ["r3"]})
    assert sorted(assignment.person_of.values()) == [format_person_id(n) for n in (1, 2, 3)]
    assert assignment.events.empty and assignment.counts["new_people"] == 3


def test_merged_id_becomes_an_alias_and_is_logged():
    old, new, assignment = rerun({"a": ["r1"], "b": ["r2"]}, {"ab": ["r1", "r2"]})
    registry = assignment.registry.set_index("person_id")
    assert registry.at[old["b"], "status"] == "alias" and registry.at[old["b"], "alias_of"] == old["a"]
    (event,) = assignment.events.itertuples()
    assert (event.event, event.person_id, event.other_person_id, event.run_id) == ("merge", old["a"], old["b"], 2)


def test_an_older_id_survives_even_with_fewer_records():
    old, new, _ = rerun({"small": ["r1"], "big": ["r2", "r3", "r4", "r5"]}, {"all": ["r1", "r2", "r3", "r4", "r5"]})
    assert new["all"] == old["small"], "issued first"


def test_alias_chains_point_at_the_survivor():
    first = first_run({"a": ["r1"], "b": ["r2"], "c": ["r3"]})
    ids = {uid: first.person_of[label] for uid, label in zip(["r1", "r2", "r3"], [0, 1, 2], strict=True)}
    # Run 2: b and c merge (c becomes an alias of b). Run 3: a and b merge (b becomes an alias of a).
    previous = pd.DataFrame({"unique_id": ["r1", "r2", "r3"], "person_id": [ids["r1"], ids["r2"], ids["r3"]]})
    second = assign_ids(["r1", "r2", "r3"], [0, 1, 1], 2, previous, first.registry)
    previous = pd.DataFrame({"unique_id": ["r1", "r2", "r3"], "person_id": [second.person_of[0], second.person_of[1], second.person_of[1]]})
    third = assign_ids(["r1", "r2", "r3"], [0, 0, 0], 3, previous, second.registry)
    registry = third.registry.set_index("person_id")
    assert registry.at[ids["r3"], "alias_of"] == ids["r1"] and registry.at[ids["r2"], "alias_of"] == ids["r1"]


def test_withdrawn_people_keep_their_id_retired():
    old, new, assignment = rerun({"a": ["r1"], "b": ["r2"]}, {"a": ["r1"]})
    registry = assignment.registry.set_index("person_id")
    assert registry.at[old["b"], "status"] == "withdrawn" and assignment.counts["withdrawn"] == 1
    _, again, _ = rerun({"a": ["r1"], "b": ["r2"]}, {"a": ["r1"], "n": ["r7"]})
    assert again["n"] not in old.values(), "a withdrawn id is never reissued"


@pytest.mark.parametrize(
    ("description", "before", "after", "decision", "event", "reason"),
    [
        ("a rejection explains a split", {"a": ["r1", "r2", "r3"]}, {"x": ["r1", "r2"], "y": ["r3"]}, (("r2", "r3"), "reject"), "split", "rejected"),
        ("a confirmation explains a merge", {"a": ["r1"], "b": ["r2"]}, {"ab": ["r1", "r2"]}, (("r1", "r2"), "confirm"), "merge", "confirmed"),
        ("no decision: the run is the reason", {"a": ["r1"], "b": ["r2"]}, {"ab": ["r1", "r2"]}, None, "merge", "linked by run 2"),
    ],
)
def test_events_carry_their_reason(description, before, after, decision, event, reason):
    _, _, assignment = rerun(before, after, dict([decision]) if decision else None)
    (logged,) = assignment.events.itertuples()
    assert logged.event == event and reason in logged.reason, description
