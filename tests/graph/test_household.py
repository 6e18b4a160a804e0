"""Child in a DA household, and a known perpetrator joining a household with children."""

from __future__ import annotations

from datetime import date

import pytest

from graph.config import FlagRules
from graph.flags.household import child_in_da_household, perpetrator_joins_household
from graph.flags.windows import years_before
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
#: Days from the start of the 3-year DA window to as_of.
WINDOW = (AS_OF - years_before(AS_OF, 3)).days


def _household(frames: Frames, *, da: int = -100, adult_seen: int = -100, child_seen: int = -50,
               dob: date | None = date(2020, 1, 1), plan: str | None = None, child_address: str = "1 HIGH ST") -> None:
    # P abuses V; V is seen at 1 HIGH ST; child C is seen at child_address by health.
    frames.da("P", "V", day(da))
    frames.at("V", "1 HIGH ST", day(adult_seen), source="police")
    frames.at("C", child_address, day(child_seen))
    frames.dob["C"] = dob
    if plan:
        frames.episode(day(-20), {"C": "child"}, plan=plan)


CHILD_CASES = [
    ("child at the victim's address, unknown to social care", {}, 8),
    ("child on a CP plan", {"plan": "cp_plan"}, 8),
    ("child on CIN", {"plan": "cin"}, 8),
    ("child on early help only: known to social care, no bonus", {"plan": "early_help"}, 7),
    ("child last seen exactly 365 days before the adult first seen", {"child_seen": -465}, 8),
    ("child last seen 366 days before: another household", {"child_seen": -466}, None),
    ("DA exactly at the start of the 3-year window", {"da": -WINDOW}, 8),
    ("DA one day before the window", {"da": -WINDOW - 1}, None),
    ("child turns 18 the day after as_of", {"dob": date(2008, 11, 2)}, 8),
    ("child turned 18 on as_of", {"dob": date(2008, 11, 1)}, None),
    ("child at another address", {"child_address": "2 LOW RD"}, None),
    ("no DOB but a social care child record", {"dob": None, "plan": "early_help"}, 7),
    ("no DOB and no social care: not known to be a child", {"dob": None}, None),
]


@pytest.mark.parametrize(("desc", "kwargs", "severity"), CHILD_CASES, ids=[c[0] for c in CHILD_CASES])
def test_child_in_da_household(frames: Frames, desc: str, kwargs: dict, severity: int | None) -> None:
    _household(frames, **kwargs)
    flags = child_in_da_household(frames.graph(), RULES)
    assert [(f.person_ids, f.severity) for f in flags] == ([(("C", "V"), severity)] if severity else []), desc


def test_child_in_da_household_parameters_name_the_plan_or_the_gap(frames: Frames) -> None:
    """The plan is in the parameters; a child social care does not know says so."""
    _household(frames, plan="cp_plan")
    (flag,) = child_in_da_household(frames.graph(), RULES)
    assert (flag.parameters["child_plan"], flag.parameters["no_social_care"]) == ("cp_plan", False)
    assert flag.parameters["adults"] == [{"person_id": "V", "da_roles": ["victim"], "via": ["address"]}]
    other = Frames()
    _household(other)
    (gap,) = child_in_da_household(other.graph(), RULES)
    assert (gap.parameters["child_plan"], gap.parameters["no_social_care"]) == (None, True)


def test_child_in_da_household_via_a_social_care_carer(frames: Frames) -> None:
    """A carer -> child social care edge is living together, with no shared address."""
    frames.da("P", "V", day(-100))
    frames.episode(day(-30), {"P": "parent", "C": "child"}, plan="cp_plan")
    frames.dob["C"] = date(2019, 5, 5)
    (flag,) = child_in_da_household(frames.graph(), RULES)
    assert flag.person_ids == ("C", "P") and flag.severity == 8
    assert flag.parameters["adults"][0]["via"] == ["social_care"]
    assert {(e.agency, e.role) for e in flag.evidence} == {("police", "suspect"), ("social_care", "parent"),
                                                           ("social_care", "child")}


def test_child_in_da_household_evidence_and_weakest_link(frames: Frames) -> None:
    """Evidence: the adult's DA record and the records placing both at the address; weakest link is their minimum."""
    frames.da("P", "V", day(-100), victim_link=0.9)
    frames.at("V", "1 HIGH ST", day(-100), source="police", link=0.95)
    frames.at("C", "1 HIGH ST", day(-50), link=0.7)
    frames.dob["C"] = date(2020, 1, 1)
    (flag,) = child_in_da_household(frames.graph(), RULES)
    assert [(e.agency, e.role, e.event_date) for e in flag.evidence] == [
        ("police", "victim", day(-100)), ("police", "involved", day(-100)), ("health", "patient", day(-50))]
    assert flag.weakest_link == 0.7 and flag.cross_agency and flag.agencies == ("health", "police")


def test_child_in_da_household_is_not_raised_for_the_adult_themself(frames: Frames) -> None:
    """A child DA victim is not 'living with' themself."""
    frames.da("P", "C", day(-100))
    frames.at("C", "1 HIGH ST", day(-100))
    frames.dob["C"] = date(2012, 1, 1)
    assert child_in_da_household(frames.graph(), RULES) == []


def _joins(frames: Frames, *, da: int = -200, joined: int = -100, child_first: int = -300, child_last: int = -10,
           dob: date = date(2020, 1, 1)) -> None:
    # C lives at 1 HIGH ST from child_first to child_last; P, a DA suspect, is first seen there on joined.
    frames.da("P", "V", day(da))
    frames.at("C", "1 HIGH ST", day(child_first))
    frames.at("C", "1 HIGH ST", day(child_last))
    frames.dob["C"] = dob
    frames.at("P", "1 HIGH ST", day(joined), source="police")


JOIN_CASES = [
    ("perpetrator joins 100 days ago, child there since 300", {}, True),
    ("joined exactly 365 days before as_of", {"joined": -365, "child_first": -400, "da": -380}, True),
    ("joined 366 days before as_of", {"joined": -366, "child_first": -400, "da": -380}, False),
    ("first seen the same day as the child: not newly seen", {"joined": -300}, False),
    ("DA incident only after joining: not yet a known perpetrator", {"da": -50}, False),
    ("DA incident on the joining day is not before it", {"da": -100}, False),
    ("child last seen 365 days before the perpetrator came", {"child_first": -500, "child_last": -465, "joined": -100}, True),
    ("child last seen 366 days before: gone", {"child_first": -500, "child_last": -466, "joined": -100}, False),
    ("only adults live there", {"dob": date(1990, 1, 1)}, False),
]


@pytest.mark.parametrize(("desc", "kwargs", "flagged"), JOIN_CASES, ids=[c[0] for c in JOIN_CASES])
def test_perpetrator_joins_household(frames: Frames, desc: str, kwargs: dict, flagged: bool) -> None:
    _joins(frames, **kwargs)
    flags = perpetrator_joins_household(frames.graph(), RULES)
    assert [f.person_ids for f in flags] == ([("P", "C")] if flagged else []), desc


def test_perpetrator_joins_household_evidence(frames: Frames) -> None:
    """Evidence: the prior DA record as suspect, the perpetrator's and the child's records at the address."""
    frames.da("P", "V", day(-200), perp_link=0.8)
    frames.at("C", "1 HIGH ST", day(-300), link=0.75)
    frames.at("P", "1 HIGH ST", day(-100), source="police")
    frames.dob["C"] = date(2020, 1, 1)
    (flag,) = perpetrator_joins_household(frames.graph(), RULES)
    assert [(e.agency, e.role, e.event_date) for e in flag.evidence] == [
        ("health", "patient", day(-300)), ("police", "suspect", day(-200)), ("police", "involved", day(-100))]
    assert flag.weakest_link == 0.75 and flag.cross_agency
    assert (flag.parameters["joined"], flag.parameters["prior_incidents"]) == (day(-100).isoformat(), 1)
