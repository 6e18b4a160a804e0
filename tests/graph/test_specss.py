"""SPECSS+ profile of a DA victim: each factor at its window edges, its evidence and weakest link, and severity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from graph.config import FlagRules
from graph.flags.specss import specss_profile
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
HOME, ELSEWHERE = "12 ACACIA ROAD", "4 ELM STREET"


def base(frames: Frames) -> None:
    """One DA incident, P against V, ten days before as_of: a profiled victim with no factor of its own."""
    frames.da("P", "V", day(-10))


def left_home(his_new_home: int) -> Callable[[Frames], None]:
    def build(frames: Frames) -> None:
        base(frames)
        frames.at("V", HOME, day(-300))
        frames.at("V", HOME, day(-5))
        frames.at("P", HOME, day(-400))
        frames.at("P", ELSEWHERE, day(his_new_home))
    return build


def moved_back(frames: Frames) -> None:
    left_home(-200)(frames)
    frames.at("P", HOME, day(-50))


def left_a_respelt_home(frames: Frames) -> None:
    base(frames)
    frames.at("V", "12 ACACIA RD", day(-300))
    frames.at("V", "12 ACACIA RD NORTHTOWN", day(-5))
    frames.at("P", "12 ACACIA ROAD", day(-250))
    frames.at("P", ELSEWHERE, day(-100))


def child_contact(apart: bool) -> Callable[[Frames], None]:
    def build(frames: Frames) -> None:
        base(frames)
        frames.episode(day(-200), {"C": "child", "V": "parent", "P": "parent"})
        frames.at("V", HOME, day(-20))
        frames.at("P", ELSEWHERE if apart else HOME, day(-20))
    return build


def maternity(offset: int, link: float = 1.0) -> Callable[[Frames], None]:
    def build(frames: Frames) -> None:
        base(frames)
        frames.record("V", "health", day(offset), link=link, role="patient", service="Maternity", pregnancy=True,
                      event_type="attendance", complaint="Antenatal review")
    return build


def new_baby(born: int, via: str) -> Callable[[Frames], None]:
    def build(frames: Frames) -> None:
        base(frames)
        frames.dob["B"] = day(born)
        if via == "address":
            frames.at("V", HOME, day(-30))
            frames.at("B", HOME, day(-25))
        else:
            frames.episode(day(-30), {"B": "child", "V": "parent"})
    return build


def incidents(*offsets: int, offences: tuple[str, ...] = (), dashes: tuple[str, ...] = ()) -> Callable[[Frames], None]:
    def build(frames: Frames) -> None:
        for k, offset in enumerate(offsets):
            frames.da("P", "V", day(offset), offence=offences[k] if offences else "Domestic Abuse - Assault",
                      dash=dashes[k] if dashes else "standard")
    return build


def described(offence: str | None = None, complaint: str | None = None, offset: int = -10,
              role: str = "victim") -> Callable[[Frames], None]:
    def build(frames: Frames) -> None:
        base(frames)
        if offence is not None:
            frames.record("V", "police", day(offset), event_id=f"OCC-X{offset}", role=role, domestic_abuse=True,
                          event_type=offence)
        if complaint is not None:
            frames.record("V", "health", day(offset), role="patient", domestic_abuse=True, service="ED",
                          complaint=complaint, event_type="attendance")
    return build


def service(person: str, name: str, offset: int) -> Callable[[Frames], None]:
    def build(frames: Frames) -> None:
        base(frames)
        frames.record(person, "health", day(offset), role="patient", service=name, event_type="attendance",
                      mental_health=name == "Mental Health", substance_misuse=name == "Substance Misuse")
    return build


def stranger_service(frames: Frames) -> None:
    base(frames)
    frames.record("X", "health", day(-30), role="patient", service="Mental Health", mental_health=True)


# (description, builder, factors present; None: no flag)
CASES = [
    ("a victim with nothing but the incident is not flagged", base, None),
    ("an incident 365 days before as_of is profiled", incidents(-365, offences=("Domestic Abuse - Harassment",)),
     ["stalking"]),
    ("an incident 366 days before as_of is not", incidents(-366, offences=("Domestic Abuse - Harassment",)), None),
    # Separation.
    ("he lived with her and was last seen elsewhere within the window", left_home(-365), ["separation"]),
    ("his move elsewhere is 366 days old: not within the window", left_home(-366), None),
    ("he moved back in", moved_back, None),
    ("one home under three spellings is one home he left", left_a_respelt_home, ["separation"]),
    ("a child of both on social care, parents living apart", child_contact(apart=True), ["separation"]),
    ("a child of both, parents living together", child_contact(apart=False), None),
    # Pregnancy or a new baby.
    ("maternity record 270 days before the incident", maternity(-280), ["pregnancy"]),
    ("maternity record 271 days before the incident", maternity(-281), None),
    ("maternity record after the incident", maternity(-2), ["pregnancy"]),
    ("baby born 365 days before the incident, living with her", new_baby(-375, "address"), ["pregnancy"]),
    ("baby born 366 days before the incident", new_baby(-376, "address"), None),
    ("baby on a social care episode with her", new_baby(-100, "episode"), ["pregnancy"]),
    ("a child born after the incident is no new baby at it", new_baby(-5, "address"), None),
    # Escalation.
    ("one earlier incident, two in the last 182 days", incidents(-300, -182, -20), ["escalation"]),
    ("the 183rd day back is still earlier: one then one", incidents(-300, -183, -20), None),
    ("graver offence recently", incidents(-300, -20, offences=("Domestic Abuse - Criminal Damage", "Domestic Abuse - Assault")),
     ["escalation"]),
    ("DASH rose from standard to high", incidents(-300, -20, dashes=("standard", "high")), ["escalation"]),
    ("same frequency, gravity and DASH: steady, not rising", incidents(-300, -20), None),
    ("all incidents recent: nothing earlier to rise from", incidents(-30, -20, -10), None),
    # Stalking and sexual assault.
    ("a harassment offence against her", described(offence="Domestic Abuse - Harassment"), ["stalking"]),
    ("an ED complaint naming stalking", described(complaint="Stalking by former partner"), ["stalking"]),
    ("harassment 366 days ago", described(offence="Domestic Abuse - Harassment", offset=-366), None),
    ("harassment where she is the suspect", described(offence="Domestic Abuse - Harassment", role="suspect"), None),
    ("a sexual offence against her", described(offence="Domestic Abuse - Sexual Assault"), ["sexual_assault"]),
    ("an ED complaint of rape", described(complaint="Rape by partner"), ["sexual_assault"]),
    # Mental health and substance misuse around her.
    ("her mental-health service contact", service("V", "Mental Health", -100), ["mental_health"]),
    ("her contact 366 days ago", service("V", "Mental Health", -366), None),
    ("his substance-misuse service contact", service("P", "Substance Misuse", -365), ["substance_misuse"]),
    ("a stranger's mental-health contact", stranger_service, None),
]


@pytest.mark.parametrize(("desc", "build", "factors"), CASES, ids=[c[0] for c in CASES])
def test_specss_factors(frames: Frames, desc: str, build, factors) -> None:
    build(frames)
    flags = specss_profile(frames.graph(), RULES)
    if factors is None:
        assert flags == [], desc
        return
    (flag,) = flags
    assert flag.person_ids[0] == "V", desc
    assert flag.parameters["factors"] == factors, desc
    assert flag.parameters["factor_count"] == len(factors), desc


def test_each_factor_names_its_records_agencies_and_weakest_link(frames: Frames) -> None:
    """Each factor cites its own records; the flag's weakest link is the lowest over all of them."""
    frames.da("P", "V", day(-300), victim_link=0.95)
    frames.da("P", "V", day(-20), offence="Domestic Abuse - Harassment")
    frames.da("P", "V", day(-10))
    mat = frames.record("V", "health", day(-100), link=0.81, role="patient", service="Maternity", pregnancy=True)
    (flag,) = specss_profile(frames.graph(), RULES)
    assert flag.parameters["factors"] == ["pregnancy", "escalation", "stalking"]
    pregnancy, escalation, stalking = (flag.parameters[f] for f in ("pregnancy", "escalation", "stalking"))
    assert mat in pregnancy["unique_ids"] and pregnancy["agencies"] == ["health", "police"]
    assert pregnancy["weakest_link"] == 0.81
    assert escalation["weakest_link"] == 0.95 and escalation["agencies"] == ["police"]
    assert escalation["detail"] == "frequency 1 then 2"
    assert stalking["records"] == 1 and stalking["weakest_link"] == 1.0
    assert flag.weakest_link == 0.81 and flag.cross_agency
    cited = {e.unique_id for e in flag.evidence}
    assert cited == set(pregnancy["unique_ids"]) | set(escalation["unique_ids"]) | set(stalking["unique_ids"])


# (description, factors built, rules, severity or None for no flag)
SEVERITY_CASES = [
    ("two factors: the base severity", 2, RULES, 5),
    ("three factors: the bonus", 3, RULES, 6),
    ("a larger bonus from config", 3, FlagRules(as_of=AS_OF, specss_severity_bonus=3), 8),
    ("the bonus from four factors", 3, FlagRules(as_of=AS_OF, specss_high_factors=4), 5),
    ("three factors needed to flag, two present", 2, FlagRules(as_of=AS_OF, specss_min_factors=3), None),
]


@pytest.mark.parametrize(("desc", "count", "rules", "severity"), SEVERITY_CASES, ids=[c[0] for c in SEVERITY_CASES])
def test_severity_rises_with_the_factor_count(frames: Frames, desc: str, count: int, rules: FlagRules, severity) -> None:
    frames.da("P", "V", day(-10), offence="Domestic Abuse - Harassment")
    frames.record("V", "health", day(-50), role="patient", service="Mental Health", mental_health=True)
    if count >= 3:
        frames.record("P", "health", day(-50), role="patient", service="Substance Misuse", substance_misuse=True)
    flags = specss_profile(frames.graph(), rules)
    assert [f.severity for f in flags] == ([severity] if severity is not None else []), desc


def test_escalation_must_be_shorter_than_the_window() -> None:
    with pytest.raises(ValueError, match="specss_escalation_days"):
        FlagRules(specss_window_days=180, specss_escalation_days=180)


def test_everyone_involved_is_named(frames: Frames) -> None:
    """The perpetrators in the window and the new baby are the others the flag names."""
    new_baby(-100, "episode")(frames)
    frames.da("Q", "V", day(-400))
    (flag,) = specss_profile(frames.graph(), RULES)
    assert flag.person_ids == ("V", "B", "P")
    assert isinstance(flag.evidence[0].event_date, date)
