"""MARAC visible high risk and repeat MARAC."""

from __future__ import annotations

import pytest

from graph.config import FlagRules
from graph.flags.marac import marac_high_risk, marac_repeat
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)

HIGH_CASES = [
    ("DASH high yesterday", [(-1, "high")], True),
    ("DASH high exactly 365 days ago", [(-365, "high")], True),
    ("DASH high 366 days ago is outside the lookback", [(-366, "high")], False),
    ("DASH medium only", [(-1, "medium"), (-2, "standard")], False),
]


@pytest.mark.parametrize(("desc", "incidents", "flagged"), HIGH_CASES, ids=[c[0] for c in HIGH_CASES])
def test_marac_high_risk(frames: Frames, desc: str, incidents, flagged: bool) -> None:
    for offset, dash in incidents:
        frames.da("P", "V", day(offset), dash=dash)
    flags = marac_high_risk(frames.graph(), RULES)
    assert [f.person_ids for f in flags] == ([("V", "P")] if flagged else []), desc


REPEAT_CASES = [
    ("new incident 365 days after a HIGH one", [(-400, "high"), (-35, "standard")], True),
    ("new incident 366 days after", [(-401, "high"), (-35, "standard")], False),
    ("no HIGH incident", [(-100, "medium"), (-35, "standard")], False),
    ("HIGH is the latest incident, nothing after it", [(-100, "standard"), (-35, "high")], False),
    ("new incident outside the 365-day lookback", [(-800, "high"), (-700, "standard")], False),
]


@pytest.mark.parametrize(("desc", "incidents", "flagged"), REPEAT_CASES, ids=[c[0] for c in REPEAT_CASES])
def test_marac_repeat(frames: Frames, desc: str, incidents, flagged: bool) -> None:
    for offset, dash in incidents:
        frames.da("P", "V", day(offset), dash=dash)
    assert bool(marac_repeat(frames.graph(), RULES)) is flagged, desc


def test_marac_repeat_needs_the_same_perpetrator(frames: Frames) -> None:
    """A later incident by a different perpetrator is not a repeat of this pair."""
    frames.da("P1", "V", day(-100), dash="high")
    frames.da("P2", "V", day(-50))
    assert marac_repeat(frames.graph(), RULES) == []


def test_marac_repeat_evidence_is_both_incidents(frames: Frames) -> None:
    """Evidence is the HIGH incident and the new one, both sides; parameters give the gap."""
    frames.da("P", "V", day(-100), dash="high", perp_link=0.66)
    frames.da("P", "V", day(-40))
    (flag,) = marac_repeat(frames.graph(), RULES)
    assert flag.person_ids == ("V", "P")
    assert len(flag.evidence) == 4 and flag.weakest_link == 0.66
    assert flag.parameters["days_between"] == 60
