"""A person's profile: golden view with provenance, records with link strength, timeline, flags."""

from __future__ import annotations

import pytest

from linkage.explore import flag_evidence, person_flags, person_records, person_summary, provenance, timeline


def _person_with_conflicts(cur) -> str:
    return cur.execute(
        "SELECT person_id FROM persons WHERE len(conflicts) >= 2 ORDER BY records DESC, person_id LIMIT 1"
    ).fetchone()[0]


def test_provenance_shows_every_value_with_its_agencies_and_one_golden_value(cur):
    person_id = _person_with_conflicts(cur)
    person = person_summary(cur, person_id)
    values = provenance(cur, person_id)
    for field in person["conflicts"]:
        rows = values[values["field"] == field]
        assert len(rows) >= 2, field
        assert rows["in_conflict"].all(), field
    for field, rows in values.groupby("field"):
        assert rows["golden"].sum() == 1, field
        assert rows.loc[rows["golden"], "value"].iloc[0] == str(person[field]), field
    mine = set(cur.execute("SELECT unique_id FROM clusters WHERE person_id = $p", {"p": person_id}).df()["unique_id"])
    assert set(values["record_ids"].explode()) <= mine
    assert all(len(a) >= 1 for a in values["agencies"])


def test_records_cover_the_person_grouped_by_agency(cur):
    person_id = _person_with_conflicts(cur)
    records = person_records(cur, person_id)
    assert len(records) == person_summary(cur, person_id)["records"]
    assert list(records["agency"]) == sorted(records["agency"])
    assert set(records["link_strength"]) <= {"confirmed", "strong", "review", "single"}


def test_a_record_touched_by_a_review_pair_shows_review(cur):
    left, right = cur.execute(
        "SELECT unique_id_l, unique_id_r FROM pairs WHERE band = 'review' ORDER BY unique_id_l LIMIT 1"
    ).fetchone()
    for unique_id in (left, right):
        person_id = cur.execute("SELECT person_id FROM clusters WHERE unique_id = $u", {"u": unique_id}).fetchone()[0]
        records = person_records(cur, person_id).set_index("unique_id")
        assert records.at[unique_id, "link_strength"] == "review"
        assert records.at[unique_id, "review_pairs"] >= 1


def test_timeline_is_dated_and_in_order(cur):
    person_id = _person_with_conflicts(cur)
    events = timeline(cur, person_id)
    assert not events.empty
    assert events["event_date"].notna().all()
    assert events["event_date"].is_monotonic_increasing


def test_a_true_serial_perpetrator_carries_the_flag_and_victims_are_involved(cur, truth, resolved):
    people = truth["people"]
    serial = [resolved[p] for p in people.loc[people["is_serial_perpetrator"] == "true", "person_id"] if p in resolved]
    assert serial, "no true serial perpetrator was resolved into one person"
    flags = person_flags(cur, serial[0])
    mine = flags[flags["code"] == "serial_perpetrator"]
    assert len(mine) == 1 and mine["subject"].iloc[0]
    assert mine["parameters"].iloc[0]["victims"] >= 2
    victim = mine["person_ids"].iloc[0][1]
    involved = person_flags(cur, victim)
    assert (~involved.loc[involved["flag_id"] == mine["flag_id"].iloc[0], "subject"]).all()
    evidence = flag_evidence(cur, [int(mine["flag_id"].iloc[0])])
    assert {serial[0], victim} <= set(evidence["person_id"])


@pytest.mark.parametrize(
    ("description", "call"),
    [
        ("summary", lambda cur: person_summary(cur, "MP9999999") is None),
        ("provenance", lambda cur: provenance(cur, "MP9999999").empty),
        ("records", lambda cur: person_records(cur, "MP9999999").empty),
        ("timeline", lambda cur: timeline(cur, "MP9999999").empty),
        ("flags", lambda cur: person_flags(cur, "MP9999999").empty),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_an_unknown_person_gives_nothing(cur, description, call):
    assert call(cur), description
