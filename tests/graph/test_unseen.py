"""Unseen men: an adult male living with a child on a plan, known to police, on none of the child's social care records."""

from __future__ import annotations

from datetime import date

import pytest

from graph.build import build_graph
from graph.config import FlagRules
from graph.flags.unseen import unseen_man
from graph.flags.windows import years_before
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
HOME = "1 HIGH ST"
#: Days from the start of the 3-year window to as_of.
WINDOW = (AS_OF - years_before(AS_OF, 3)).days


def _home(frames: Frames, *, police: int = -100, offence: str = "Domestic Abuse - Assault", da: bool = True,
          role: str = "suspect", agency: str = "police", sex: str | None = "male", man_dob: date | None = date(1985, 3, 3),
          child_dob: date = date(2015, 6, 1), plan: str = "cp_plan", plan_day: int = -60, later_plan: str | None = None,
          man_on_episode: str | None = None, man_seen: int = -50, child_seen: int = -40, man_address: str = HOME,
          other_episode: bool = False) -> None:
    """M (a man) and C (a child) at one address; M a police suspect; C's episodes with W (the mother) as parent."""
    frames.record("M", agency, day(police), event_id=f"OCC-{frames.n + 1:05d}", role=role, domestic_abuse=da,
                  event_type=offence)
    frames.at("M", man_address, day(man_seen))
    frames.at("C", HOME, day(child_seen))
    people = {"C": "child", "W": "parent"} | ({"M": man_on_episode} if man_on_episode else {})
    frames.episode(day(plan_day), people, plan=plan)
    if later_plan:
        frames.episode(day(plan_day + 10), {"C": "child", "W": "parent"}, plan=later_plan)
    if other_episode:
        frames.episode(day(-30), {"K": "child", "M": "parent"}, plan="cin")
    frames.sex["M"] = sex
    frames.dob["M"], frames.dob["C"] = man_dob, child_dob


CASES = [
    ("DA suspect living with a child on a CP plan, on none of her episodes", {}, True),
    ("child on CIN", {"plan": "cin"}, True),
    ("child on early help: not a listed plan", {"plan": "early_help"}, False),
    ("latest episode early help after an older CP plan: case stepped down", {"later_plan": "early_help"}, False),
    ("latest episode CP plan after older early help", {"plan": "early_help", "later_plan": "cp_plan"}, True),
    ("on the child's episode as a household member: seen", {"man_on_episode": "household_member"}, False),
    ("on the child's episode as a parent: seen", {"man_on_episode": "parent"}, False),
    ("on another child's episode only: still unseen for this one", {"other_episode": True}, True),
    ("violence, not DA: an assault suspect", {"offence": "Assault", "da": False}, True),
    ("a theft suspect: neither DA nor violence", {"offence": "Theft", "da": False}, False),
    ("a DA victim, not a suspect", {"role": "victim"}, False),
    ("a DA record from health, not police", {"agency": "health"}, False),
    ("police record exactly at the 3-year window's start", {"police": -WINDOW}, True),
    ("police record one day before the window", {"police": -WINDOW - 1}, False),
    ("plan episode exactly at the window's start", {"plan_day": -WINDOW}, True),
    ("plan episode one day before the window", {"plan_day": -WINDOW - 1}, False),
    ("plan episode after as_of is not yet the latest", {"plan": "early_help", "later_plan": "cp_plan", "plan_day": -5}, False),
    ("a woman", {"sex": "female"}, False),
    ("sex not recorded", {"sex": None}, False),
    ("the man turned 18 on as_of", {"man_dob": date(2008, 11, 1)}, True),
    ("the man turns 18 the day after as_of: a child", {"man_dob": date(2008, 11, 2)}, False),
    ("the child turned 18 on as_of", {"child_dob": date(2008, 11, 1)}, False),
    ("the child turns 18 the day after as_of", {"child_dob": date(2008, 11, 2)}, True),
    ("man first seen exactly 365 days after the child's last", {"man_seen": -35, "child_seen": -400}, True),
    ("man first seen 366 days after the child's last: not living together", {"man_seen": -34, "child_seen": -400}, False),
    ("man at another address", {"man_address": "2 LOW RD"}, False),
]


@pytest.mark.parametrize(("desc", "kwargs", "flagged"), CASES, ids=[c[0] for c in CASES])
def test_unseen_man(frames: Frames, desc: str, kwargs: dict, flagged: bool) -> None:
    _home(frames, **kwargs)
    flags = unseen_man(frames.graph(), RULES)
    assert [f.person_ids for f in flags] == ([("M", "C")] if flagged else []), desc


def test_a_hostel_makes_no_household(frames: Frames) -> None:
    """A man and a child both recorded at a hostel do not live together."""
    _home(frames)
    graph = build_graph(frames.people(), frames.events(), shared_addresses={f"address:AB1 2CD|{HOME}": "hostel"})
    assert unseen_man(graph, RULES) == []


def test_flag_names_the_man_the_child_the_evidence_and_the_weakest_link(frames: Frames) -> None:
    """One flag per man, each child with their plan; evidence from police, social care and where they live."""
    _home(frames)
    frames.at("D", HOME, day(-45), link=0.72)
    frames.episode(day(-80), {"D": "child"}, plan="cin")
    frames.dob["D"] = date(2017, 2, 2)
    (flag,) = unseen_man(frames.graph(), RULES)
    assert flag.person_ids == ("M", "C", "D") and flag.severity == 8
    assert flag.parameters["children"] == [
        {"person_id": "C", "plan": "cp_plan", "plan_date": day(-60).isoformat()},
        {"person_id": "D", "plan": "cin", "plan_date": day(-80).isoformat()},
    ]
    assert (flag.parameters["police"], flag.parameters["police_records"]) == (["domestic_abuse"], 1)
    assert {(e.agency, e.role) for e in flag.evidence} == {
        ("police", "suspect"), ("social_care", "child"), ("health", "patient")}
    assert flag.weakest_link == 0.72 and flag.cross_agency


def test_offences_and_plans_come_from_the_config(frames: Frames) -> None:
    """An area that counts public order offences, and early help, sees them."""
    from graph.config_children import UnseenMenRules

    _home(frames, offence="Public Order", da=False, plan="early_help")
    rules = FlagRules(as_of=AS_OF, unseen_men=UnseenMenRules(offences=("public order",), plan_types=("early_help",)))
    assert [f.person_ids for f in unseen_man(frames.graph(), rules)] == [("M", "C")]
    assert unseen_man(frames.graph(), RULES) == []


PLACING_CASES = [
    ("only his DA suspect record gives the address: where the incident was", "Domestic Abuse - Assault", True, False, False),
    ("the same, where the area counts suspect records as placing", "Domestic Abuse - Assault", True, True, True),
    ("a non-DA assault suspect record there places him", "Assault", False, False, True),
]


@pytest.mark.parametrize(("desc", "offence", "da", "suspect_records_place", "flagged"), PLACING_CASES,
                         ids=[c[0] for c in PLACING_CASES])
def test_what_places_the_man_at_the_childs_address(frames: Frames, desc: str, offence: str, da: bool,
                                                   suspect_records_place: bool, flagged: bool) -> None:
    from graph.config_children import UnseenMenRules

    frames.record("M", "police", day(-100), event_id="OCC-1", role="suspect", domestic_abuse=da, event_type=offence,
                  postcode="AB1 2CD", address=HOME)
    frames.at("C", HOME, day(-40))
    frames.episode(day(-60), {"C": "child"}, plan="cp_plan")
    frames.sex["M"], frames.dob["M"], frames.dob["C"] = "male", date(1985, 3, 3), date(2015, 6, 1)
    rules = FlagRules(as_of=AS_OF, unseen_men=UnseenMenRules(suspect_records_place=suspect_records_place))
    assert bool(unseen_man(frames.graph(), rules)) is flagged, desc


def test_another_spelling_of_the_dwelling_places_him(frames: Frames) -> None:
    """His DA suspect record at '1 HIGH ST NORTHTOWN', and a health record at '1 HIGH ST': he lives there."""
    frames.record("M", "police", day(-100), event_id="OCC-1", role="suspect", domestic_abuse=True,
                  event_type="Domestic Abuse - Assault", postcode="AB1 2CD", address=f"{HOME} NORTHTOWN")
    frames.at("M", HOME, day(-900))
    frames.at("C", f"{HOME} NORTHTOWN", day(-40))
    frames.episode(day(-60), {"C": "child"}, plan="cp_plan")
    frames.sex["M"], frames.dob["M"], frames.dob["C"] = "male", date(1985, 3, 3), date(2015, 6, 1)
    (flag,) = unseen_man(frames.graph(), RULES)
    assert flag.person_ids == ("M", "C")
    assert sorted(e.agency for e in flag.evidence) == ["health", "health", "police", "social_care"]
