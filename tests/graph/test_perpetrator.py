"""Serial and repeat perpetrator rules: thresholds, window edges, evidence, RFG(V)."""

from __future__ import annotations

from datetime import date

import pytest

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.flags import run_flags
from graph.flags.perpetrator import repeat_perpetrator, serial_perpetrator
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
SINCE_3Y = date(2023, 11, 1)

SERIAL_CASES = [
    ("two victims inside the window", [("V1", day(-10)), ("V2", day(-400))], RULES, True),
    ("one victim, many incidents", [("V1", day(-10)), ("V1", day(-20)), ("V1", day(-30))], RULES, False),
    ("second victim exactly on the 3-year edge counts", [("V1", day(-10)), ("V2", SINCE_3Y)], RULES, True),
    ("second victim one day before the edge", [("V1", day(-10)), ("V2", date(2023, 10, 31))], RULES, False),
    ("incident on as_of counts", [("V1", AS_OF), ("V2", day(-1))], RULES, True),
    ("incident after as_of is ignored", [("V1", day(1)), ("V2", day(-1))], RULES, False),
    ("three victims when three are needed", [("V1", day(-1)), ("V2", day(-2)), ("V3", day(-3))],
     FlagRules(as_of=AS_OF, serial_min_victims=3), True),
    ("two victims when three are needed", [("V1", day(-1)), ("V2", day(-2))],
     FlagRules(as_of=AS_OF, serial_min_victims=3), False),
    ("one-year window excludes a victim 400 days ago", [("V1", day(-10)), ("V2", day(-400))],
     FlagRules(as_of=AS_OF, serial_window_years=1), False),
]


@pytest.mark.parametrize(("desc", "incidents", "rules", "flagged"), SERIAL_CASES, ids=[c[0] for c in SERIAL_CASES])
def test_serial_perpetrator_thresholds(frames: Frames, desc: str, incidents, rules: FlagRules, flagged: bool) -> None:
    for victim, when in incidents:
        frames.da("P", victim, when)
    flags = serial_perpetrator(frames.graph(), rules)
    assert [f.person_ids[0] for f in flags] == (["P"] if flagged else []), desc


def test_serial_evidence_names_people_records_and_weakest_link(frames: Frames) -> None:
    """Perpetrator first, then victims; evidence is both sides of each incident; weakest link is their min."""
    frames.da("P", "V2", day(-300), perp_link=0.95, victim_link=0.71)
    frames.da("P", "V1", day(-5), dash="high")
    (flag,) = serial_perpetrator(frames.graph(), RULES)
    assert flag.person_ids == ("P", "V1", "V2")
    assert [(e.role, e.event_date) for e in flag.evidence] == [
        ("suspect", day(-300)), ("victim", day(-300)), ("suspect", day(-5)), ("victim", day(-5))]
    assert flag.weakest_link == 0.71 == min(e.link_probability for e in flag.evidence)
    assert flag.agencies == ("police",) and flag.cross_agency is False
    assert flag.parameters["victims"] == 2 and flag.parameters["window_years"] == 3
    assert "as_of" not in flag.parameters and "since" not in flag.parameters  # one as_of per run, not per flag
    assert "2+ distinct victims within 3 years" in flag.rule
    assert "DASH high" in flag.evidence[-1].description
    assert flag.severity == RULES.severity[FlagCode.SERIAL_PERPETRATOR]


@pytest.mark.parametrize(
    ("desc", "same_dob_is_one", "flagged"),
    [("victims sharing a DOB count once", True, False), ("option off: two persons are two victims", False, True)],
    ids=["same-dob-collapsed", "same-dob-kept"],
)
def test_serial_same_dob_victims(frames: Frames, desc: str, same_dob_is_one: bool, flagged: bool) -> None:
    frames.da("P", "V1", day(-10))
    frames.da("P", "V2", day(-20))
    frames.dob.update(V1=date(1990, 5, 1), V2=date(1990, 5, 1))
    rules = FlagRules(as_of=AS_OF, serial_same_dob_is_one_victim=same_dob_is_one)
    assert bool(serial_perpetrator(frames.graph(), rules)) is flagged, desc


REPEAT_CASES = [
    ("two incidents in the lookback", [day(-1), day(-700)], True),
    ("one incident", [day(-1)], False),
    ("second incident exactly 2 years back counts", [day(-1), date(2024, 11, 1)], True),
    ("second incident a day before the lookback", [day(-1), date(2024, 10, 31)], False),
]


@pytest.mark.parametrize(("desc", "dates", "flagged"), REPEAT_CASES, ids=[c[0] for c in REPEAT_CASES])
def test_repeat_perpetrator_thresholds(frames: Frames, desc: str, dates, flagged: bool) -> None:
    for when in dates:
        frames.da("P", "V", when)
    assert bool(repeat_perpetrator(frames.graph(), RULES)) is flagged, desc


def test_rfg_components_and_score(frames: Frames) -> None:
    """Recency, frequency, gravity and victims are each shown and combine with the weights."""
    frames.da("P", "V1", day(-365), offence="Domestic Abuse - Harassment")  # gravity 2
    frames.da("P", "V2", AS_OF, offence="Domestic Abuse - Assault")  # gravity 3, recency 1.0
    rules = FlagRules(as_of=AS_OF, rfg_weight_recency=10, rfg_weight_frequency=1, rfg_weight_gravity=2,
                      rfg_weight_victims=5)
    (flag,) = repeat_perpetrator(frames.graph(), rules)
    p = flag.parameters
    assert (p["recency"], p["frequency"], p["gravity"], p["victims"]) == (1.0, 2, 5, 2)
    assert flag.score == 10 * 1.0 + 1 * 2 + 2 * 5 + 5 * 2


def test_rfg_recency_falls_with_age(frames: Frames) -> None:
    """Latest incident 365 of the 730 lookback days ago gives recency 1 - 365/730."""
    frames.da("P", "V", day(-365))
    frames.da("P", "V", day(-400))
    (flag,) = repeat_perpetrator(frames.graph(), RULES)
    assert flag.parameters["recency"] == round(1 - 365 / 730, 4)


def test_run_flags_filters_and_sorts(frames: Frames) -> None:
    """run_flags runs only the requested codes and sorts by severity."""
    frames.da("P", "V1", day(-1), dash="high")
    frames.da("P", "V2", day(-2))
    g = frames.graph()
    only = run_flags(g, RULES, [FlagCode.SERIAL_PERPETRATOR])
    assert {f.code for f in only} == {FlagCode.SERIAL_PERPETRATOR}
    every = run_flags(g, RULES)
    assert [f.severity for f in every] == sorted((f.severity for f in every), reverse=True)
    assert every[0].code == FlagCode.MARAC_HIGH_RISK
