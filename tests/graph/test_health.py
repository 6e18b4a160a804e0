"""Pregnancy and DA, and the toxic trio."""

from __future__ import annotations

from datetime import date

import pytest

from graph.config import FlagRules
from graph.flags.health import pregnancy_and_da, toxic_trio
from graph.flags.windows import years_before
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
#: Days from the start of the 3-year toxic trio window to as_of.
WINDOW = (AS_OF - years_before(AS_OF, 3)).days

MATERNITY = {"service": "Maternity", "pregnancy": True, "event_type": "attendance", "complaint": "Antenatal booking"}

PREGNANCY_CASES = [
    ("maternity record on the day of the incident", "V", 0, MATERNITY, True),
    ("maternity record 270 days after", "V", 270, MATERNITY, True),
    ("maternity record 271 days after", "V", 271, MATERNITY, False),
    ("maternity record 270 days before", "V", -270, MATERNITY, True),
    ("maternity record 271 days before", "V", -271, MATERNITY, False),
    ("pregnancy marker without the Maternity service", "V", 10, {"service": "ED", "pregnancy": True}, True),
    ("Maternity service without the marker", "V", 10, {"service": "Maternity", "pregnancy": False}, True),
    ("an ED attendance is not maternity", "V", 10, {"service": "ED", "pregnancy": False}, False),
    ("the suspect's maternity record does not count", "P", 10, MATERNITY, False),
]


@pytest.mark.parametrize(("desc", "who", "offset", "attrs", "flagged"), PREGNANCY_CASES,
                         ids=[c[0] for c in PREGNANCY_CASES])
def test_pregnancy_and_da(frames: Frames, desc: str, who: str, offset: int, attrs: dict, flagged: bool) -> None:
    frames.da("P", "V", day(-400))
    frames.record(who, "health", day(-400 + offset), role="patient", **attrs)
    flags = pregnancy_and_da(frames.graph(), RULES)
    assert [f.person_ids for f in flags] == ([("V",)] if flagged else []), desc


def test_pregnancy_and_da_maternity_after_as_of_does_not_count(frames: Frames) -> None:
    """Records dated after as_of are not seen yet."""
    frames.da("P", "V", day(-10))
    frames.record("V", "health", day(5), role="patient", **MATERNITY)
    assert pregnancy_and_da(frames.graph(), RULES) == []


def test_pregnancy_and_da_evidence_is_cross_agency(frames: Frames) -> None:
    """Evidence: the police victim record and the maternity record; weakest link is their minimum."""
    frames.da("P", "V", day(-100), victim_link=0.85, perp_link=0.5)
    frames.record("V", "health", day(-40), link=0.9, role="patient", **MATERNITY)
    (flag,) = pregnancy_and_da(frames.graph(), RULES)
    assert [(e.agency, e.role, e.event_date) for e in flag.evidence] == [
        ("police", "victim", day(-100)), ("health", "patient", day(-40))]
    assert flag.cross_agency and flag.weakest_link == 0.85
    assert flag.parameters["closest_days"] == 60


def test_pregnancy_and_da_health_only_is_not_cross_agency(frames: Frames) -> None:
    """A DA disclosure at ED and a maternity booking: flagged, but from one agency."""
    frames.ed_da("V", day(-100))
    frames.record("V", "health", day(-40), role="patient", **MATERNITY)
    (flag,) = pregnancy_and_da(frames.graph(), RULES)
    assert not flag.cross_agency and flag.agencies == ("health",)


MH = {"service": "Mental Health", "mental_health": True, "role": "patient"}
SM = {"mental_health": False, "substance_misuse": True, "role": "parent", "plan_type": "early_help"}


def _trio(frames: Frames, *, parts: tuple[str, ...] = ("da", "mh", "sm"), mh_when: int = -50, mh_seen: int = -60,
          child: bool = True, who: dict | None = None) -> None:
    # At 1 HIGH ST: A (DA victim, police), B (mental health, health), S (substance misuse,
    # social care) and child K; ``who`` reassigns a part to another person.
    who = {"da": "A", "mh": "B", "sm": "S", **(who or {})}
    for person, seen in (("A", -100), ("B", mh_seen), ("S", -80)):
        frames.at(person, "1 HIGH ST", day(seen), source="police")
        frames.dob[person] = date(1985, 1, 1)
    frames.at("A", "1 HIGH ST", day(-100), source="police")
    if child:
        frames.at("K", "1 HIGH ST", day(-90))
        frames.dob["K"] = date(2019, 1, 1)
    if "da" in parts:
        frames.da("P", who["da"], day(-100))
    if "mh" in parts:
        frames.record(who["mh"], "health", day(mh_when), **MH)
    if "sm" in parts:
        frames.record(who["sm"], "social_care", day(-70), **SM)


TRIO_CASES = [
    ("DA, mental health and substance misuse from three adults", {}, [("K", "A", "B", "S")]),
    ("DA and mental health only", {"parts": ("da", "mh")}, []),
    ("DA and substance misuse only", {"parts": ("da", "sm")}, []),
    ("mental health and substance misuse without DA", {"parts": ("mh", "sm")}, []),
    ("mental-health record exactly at the start of the 3-year window", {"mh_when": -WINDOW}, [("K", "A", "B", "S")]),
    ("mental-health record one day before the window", {"mh_when": -WINDOW - 1}, []),
    ("mental-health adult last seen 365 days before the DA adult", {"mh_seen": -465}, [("K", "A", "B", "S")]),
    ("mental-health adult seen 366 days before: another household", {"mh_seen": -466}, []),
    ("mental-health marker on the child's record only", {"who": {"mh": "K"}}, []),
    ("no child: one flag naming the adults, DA first", {"child": False}, [("A", "B", "S")]),
    ("all three from one adult", {"who": {"mh": "A", "sm": "A"}}, [("K", "A")]),
]


@pytest.mark.parametrize(("desc", "kwargs", "expected"), TRIO_CASES, ids=[c[0] for c in TRIO_CASES])
def test_toxic_trio(frames: Frames, desc: str, kwargs: dict, expected: list) -> None:
    _trio(frames, **kwargs)
    assert [f.person_ids for f in toxic_trio(frames.graph(), RULES)] == expected, desc


def test_toxic_trio_parameters_name_who_and_which_agency(frames: Frames) -> None:
    """Each part names the adult and agency that supplied it; evidence spans three agencies."""
    _trio(frames)
    (flag,) = toxic_trio(frames.graph(), RULES)
    assert flag.parameters["household"] == "address" and flag.parameters["children"] == 1
    assert flag.parameters["domestic_abuse"] == [{"person_id": "A", "agencies": ["police"]}]
    assert flag.parameters["mental_health"] == [{"person_id": "B", "agencies": ["health"]}]
    assert flag.parameters["substance_misuse"] == [{"person_id": "S", "agencies": ["social_care"]}]
    assert flag.cross_agency and flag.agencies == ("health", "police", "social_care")


def test_toxic_trio_weakest_link_covers_placing_records(frames: Frames) -> None:
    """A 0.6 link placing one supplier in the household is the flag's weakest link."""
    _trio(frames)
    frames.at("S", "1 HIGH ST", day(-75), link=0.6)
    (flag,) = toxic_trio(frames.graph(), RULES)
    assert flag.weakest_link == 0.6
    assert min(e.link_probability for e in flag.evidence) == 0.6


def test_toxic_trio_in_one_social_care_episode(frames: Frames) -> None:
    """A social care episode is a household: parents with the three parts, the child flagged."""
    frames.episode(day(-30), {"A": "parent", "K": "child"}, plan="cin", substance_misuse=False, mental_health=False)
    frames.episode(day(-20), {"A": "parent", "B": "parent", "K": "child"}, plan="cin",
                   mental_health=True, substance_misuse=True)
    frames.dob.update(A=date(1985, 1, 1), B=date(1986, 1, 1), K=date(2018, 1, 1))
    frames.da("A", "B", day(-60))
    (flag,) = toxic_trio(frames.graph(), RULES)
    assert flag.person_ids == ("K", "A", "B")
    assert flag.parameters["household"] == "social_care_episode"


def test_toxic_trio_tie_between_households_does_not_follow_row_order(frames: Frames) -> None:
    """Two households naming as many adults: the same one is kept whatever order the rows arrive in."""
    for address, (mh, sm) in (("2 LOW RD", ("B2", "S2")), ("1 HIGH ST", ("B", "S"))):
        for person, seen in (("A", -100), (mh, -60), (sm, -80), ("K", -90)):
            frames.at(person, address, day(seen), source="police")
        frames.record(mh, "health", day(-50), **MH)
        frames.record(sm, "social_care", day(-70), **SM)
    for person in ("A", "B", "S", "B2", "S2"):
        frames.dob[person] = date(1985, 1, 1)
    frames.dob["K"] = date(2019, 1, 1)
    frames.da("P", "A", day(-100))
    from graph.build import build_graph

    events = frames.events()
    kept = []
    for order in (events, events.iloc[::-1], events.sample(frac=1, random_state=3)):
        (flag,) = toxic_trio(build_graph(frames.people(), order.reset_index(drop=True)), RULES)
        kept.append((flag.person_ids, flag.parameters, sorted(e.unique_id for e in flag.evidence)))
    assert kept[0][0] == ("K", "A", "B", "S"), "ties go to the household at the address that sorts first"
    assert kept[1] == kept[0] and kept[2] == kept[0]
