"""Repeat victim and MARAC escalation: window edges, cross-agency counting, evidence."""

from __future__ import annotations

import pytest

from graph.config import FlagRules
from graph.flags.victim import marac_escalation, repeat_victim
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)

# (description, police incident days, ED attendance days, rules, flagged)
REPEAT_CASES = [
    ("three police incidents, last exactly 365 days after first", [-800, -700, -435], [], RULES, True),
    ("three police incidents spanning 366 days", [-800, -700, -434], [], RULES, False),
    ("two incidents only", [-20, -10], [], RULES, False),
    ("four incidents, any three in a window", [-2000, -300, -200, -100], [], RULES, True),
    ("two police plus an ED attendance on its own date", [-20, -10], [-100], RULES, True),
    ("ED attendance the same day as an incident is that incident", [-20, -10], [-10], RULES, False),
    ("ED attendance 2 days after an incident is that incident", [-20, -10], [-8], RULES, False),
    ("ED attendance 3 days after an incident is a new one", [-20, -10], [-7], RULES, True),
    ("same-day-only dedup counts an ED visit the next day",
     [-20, -10], [-9], FlagRules(as_of=AS_OF, same_incident_days=0), True),
    ("police-only counting ignores health", [-20, -10], [-100], FlagRules(as_of=AS_OF, victim_agencies=("police",)),
     False),
    ("two police occurrences on one day are two incidents", [-10, -10, -5], [], RULES, True),
    ("incidents after as_of are ignored", [-10, -5, 3], [], RULES, False),
]


@pytest.mark.parametrize(("desc", "police", "health", "rules", "flagged"), REPEAT_CASES,
                         ids=[c[0] for c in REPEAT_CASES])
def test_repeat_victim_thresholds(frames: Frames, desc: str, police, health, rules: FlagRules, flagged: bool) -> None:
    for k, offset in enumerate(police):
        frames.da(f"P{k}", "V", day(offset))
    for offset in health:
        frames.ed_da("V", day(offset))
    flags = repeat_victim(frames.graph(), rules)
    assert [f.person_ids for f in flags] == ([("V",)] if flagged else []), desc


def test_repeat_victim_cross_agency_evidence_and_weakest_link(frames: Frames) -> None:
    """Evidence holds only the victim-side records of the window; two agencies make it cross-agency."""
    frames.da("P", "V", day(-300), victim_link=0.93)
    frames.da("P", "V", day(-200))
    ed = frames.ed_da("V", day(-100), link=0.82)
    (flag,) = repeat_victim(frames.graph(), RULES)
    assert flag.agencies == ("health", "police") and flag.cross_agency is True
    assert [e.role for e in flag.evidence] == ["victim", "victim", "patient"]
    assert flag.evidence[-1].unique_id == ed and flag.evidence[-1].agency == "health"
    assert flag.weakest_link == 0.82
    assert flag.parameters["incidents"] == 3


def test_deduplicated_attendance_stays_as_evidence(frames: Frames) -> None:
    """An ED record merged into a police incident is still cited (it is part of that incident)."""
    for offset in (-30, -20, -10):
        frames.da("P", "V", day(offset))
    frames.ed_da("V", day(-10), link=0.5)
    (flag,) = repeat_victim(frames.graph(), RULES)
    assert flag.parameters["incidents"] == 3
    assert len(flag.evidence) == 4 and flag.weakest_link == 0.5


ESCALATION_CASES = [
    ("three incidents, earliest exactly 365 days before as_of", [-365, -100, -1], True),
    ("earliest one day outside the window", [-366, -100, -1], False),
    ("two incidents in the window", [-100, -1], False),
    ("three old incidents in one year long ago", [-900, -800, -700], False),
]


@pytest.mark.parametrize(("desc", "offsets", "flagged"), ESCALATION_CASES, ids=[c[0] for c in ESCALATION_CASES])
def test_marac_escalation(frames: Frames, desc: str, offsets, flagged: bool) -> None:
    for offset in offsets:
        frames.da("P", "V", day(offset))
    assert bool(marac_escalation(frames.graph(), RULES)) is flagged, desc


def test_marac_escalation_counts_health_incidents(frames: Frames) -> None:
    """Across agencies: two police incidents and one separate ED DA attendance escalate."""
    frames.da("P", "V", day(-50))
    frames.da("P", "V", day(-40))
    frames.ed_da("V", day(-5))
    (flag,) = marac_escalation(frames.graph(), RULES)
    assert flag.cross_agency is True
