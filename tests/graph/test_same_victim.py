"""A perpetrator's victims the linker left split count once: names, DOB slips, a shared home, the grouping."""

from __future__ import annotations

from datetime import date

import pytest

from graph.build import build_graph
from graph.config import FlagRules
from graph.flags.perpetrator import serial_perpetrator
from graph.flags.same_victim import dobs_close, forenames_agree, names_agree
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
SARAH = [("SARAH", "HALL")]
BORN = date(1990, 5, 14)

NAME_CASES = [
    ("the same name", SARAH, [("SARAH", "HALL")], True),
    ("one keystroke in the surname", SARAH, [("SARAH", "HALLS")], True),
    ("letters transposed in the forename", SARAH, [("SAARH", "HALL")], True),
    ("forename and surname swapped", SARAH, [("HALL", "SARAH")], True),
    ("swapped and misspelt", SARAH, [("HALL", "SARH")], True),
    ("a married name among the recorded names", [("LOUISE", "JACKSON"), ("LOUISE", "PHILLIPS")],
     [("LOUISE", "PHILLIPS")], True),
    ("a nickname through its canonical form", [("SARAH", "HALL")], [("SALLY", "HALL"), ("SARAH", "HALL")], True),
    ("two keystrokes apart", SARAH, [("SARAH", "HILLS")], False),
    ("same forename, another surname", SARAH, [("SARAH", "PRICE")], False),
    ("short names must match exactly", [("ANN", "HALL")], [("AMY", "HALL")], False),
    ("no recorded names", SARAH, [], False),
]


@pytest.mark.parametrize(("desc", "left", "right", "agree"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_names_agree(desc: str, left, right, agree: bool) -> None:
    assert names_agree(left, right) is agree, desc
    assert names_agree(right, left) is agree, f"{desc} (either way round)"


DOB_CASES = [
    ("one digit of the day", BORN, date(1990, 5, 15), True),
    ("one digit of the year", BORN, date(1980, 5, 14), True),
    ("day and month transposed", date(1990, 5, 4), date(1990, 4, 5), True),
    ("1 January of the same year (year-only default)", BORN, date(1990, 1, 1), True),
    ("1 January of another year", BORN, date(1991, 1, 1), False),
    ("years apart", BORN, date(1975, 2, 3), False),
    ("two digits apart", BORN, date(1990, 6, 15), False),
]


@pytest.mark.parametrize(("desc", "a", "b", "close"), DOB_CASES, ids=[c[0] for c in DOB_CASES])
def test_dobs_close(desc: str, a: date, b: date, close: bool) -> None:
    assert dobs_close(a, b) is close, desc
    assert dobs_close(b, a) is close, f"{desc} (either way round)"


# (description, V1 (names, dob, sex), V2 (names, dob, sex), rules, counted as one victim)
SPLIT_CASES = [
    ("one name, V2 without a DOB: one victim", (SARAH, BORN, "female"), (SARAH, None, None), RULES, True),
    ("a typo and a swap, V2 without a DOB", (SARAH, BORN, "female"), ([("HALL", "SARH")], None, "female"), RULES, True),
    ("one name, DOBs one digit apart", (SARAH, BORN, None), (SARAH, date(1990, 5, 15), None), RULES, True),
    ("one name, DOBs years apart: two partners", (SARAH, BORN, None), (SARAH, date(1975, 2, 3), None), RULES, False),
    ("other names, V2 without a DOB: two partners", (SARAH, BORN, None), ([("EMMA", "PRICE")], None, None), RULES, False),
    ("one name but sexes conflict", (SARAH, None, "female"), (SARAH, None, "male"), RULES, False),
    ("one name, the rule switched off", (SARAH, BORN, None), (SARAH, None, None),
     FlagRules(as_of=AS_OF, serial_same_name_is_one_victim=False), False),
    ("one DOB, other names: the same-DOB rule still applies", (SARAH, BORN, None), ([("EMMA", "PRICE")], BORN, None),
     RULES, True),
]


@pytest.mark.parametrize(("desc", "first", "second", "rules", "one"), SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_victim_is_not_a_serial(frames: Frames, desc: str, first, second, rules: FlagRules, one: bool) -> None:
    for victim, (names, dob, sex), when in (("V1", first, day(-10)), ("V2", second, day(-20))):
        frames.da("P", victim, when)
        frames.names[victim], frames.dob[victim] = names, dob
        if sex:
            frames.sex[victim] = sex
    flags = serial_perpetrator(frames.graph(), rules)
    assert bool(flags) is not one, desc
    if flags:
        assert flags[0].parameters["counted_as_one"] == [] and flags[0].parameters["victims"] == 2


def test_a_victim_without_dob_cannot_bridge_two_dobs(frames: Frames) -> None:
    """V2 (no DOB) agrees with both, but V1 and V3 were born years apart: two victims, and V2 goes with V1."""
    for victim, dob, when in (("V1", BORN, day(-10)), ("V2", None, day(-20)), ("V3", date(1975, 2, 3), day(-30))):
        frames.da("P", victim, when)
        frames.names[victim], frames.dob[victim] = SARAH, dob
    (flag,) = serial_perpetrator(frames.graph(), RULES)
    assert flag.parameters["victims"] == 2 and flag.parameters["victim_persons"] == 3
    assert flag.parameters["counted_as_one"] == [["V1", "V2"]]


FORENAME_CASES = [
    ("the same forename, other surnames", SARAH, [("SARAH", "PRICE")], True),
    ("one keystroke in the forename", SARAH, [("SAARH", "PRICE")], True),
    ("swapped: the forename in the surname field", SARAH, [("PRICE", "SARAH")], True),
    ("only the surnames agree", SARAH, [("EMMA", "HALL")], False),
    ("short forenames must match exactly", [("AMY", "HALL")], [("ATY", "PRICE")], False),
    ("no recorded names", SARAH, [], False),
]


@pytest.mark.parametrize(("desc", "left", "right", "agree"), FORENAME_CASES, ids=[c[0] for c in FORENAME_CASES])
def test_forenames_agree(desc: str, left, right, agree: bool) -> None:
    assert forenames_agree(left, right) is agree, desc
    assert forenames_agree(right, left) is agree, f"{desc} (either way round)"


HOME = ("AB1 2CD", "1 High Street")
OTHER_HOME = ("ZX9 8YW", "2 Low Road")
REFUGE = ("RF1 1AA", "Refuge, 3 Hidden Lane")
# (description, V2's (names, dob), V1's home, V2's home, rules, counted as one victim); V1 is SARAH HALL, born BORN
HOME_CASES = [
    ("her police record under another surname at her home, no DOB: one victim",
     ([("SARAH", "PRICE")], None), HOME, HOME, RULES, True),
    ("names swapped and another surname at her home, no DOB: one victim",
     ([("PRICE", "SARAH")], None), HOME, HOME, RULES, True),
    ("the same forename in another home: two partners", ([("SARAH", "PRICE")], None), HOME, OTHER_HOME, RULES, False),
    ("the same forename at one home, both DOBs known: two partners",
     ([("SARAH", "PRICE")], date(1992, 3, 3)), HOME, HOME, RULES, False),
    ("only the surname agrees at one home (mother and daughter): two victims",
     ([("EMMA", "HALL")], None), HOME, HOME, RULES, False),
    ("the same forename at one refuge: a refuge is no home", ([("SARAH", "PRICE")], None), REFUGE, REFUGE, RULES, False),
    ("the rule switched off", ([("SARAH", "PRICE")], None), HOME, HOME,
     FlagRules(as_of=AS_OF, serial_same_home_is_one_victim=False), False),
]


@pytest.mark.parametrize(("desc", "second", "home_1", "home_2", "rules", "one"), HOME_CASES, ids=[c[0] for c in HOME_CASES])
def test_split_victim_at_her_home_is_not_a_serial(frames: Frames, desc: str, second, home_1, home_2, rules: FlagRules,
                                                 one: bool) -> None:
    for victim, (names, dob), home, when in (("V1", (SARAH, BORN), home_1, day(-10)), ("V2", second, home_2, day(-20))):
        frames.da("P", victim, when)
        frames.record(victim, "health", when, role="patient", postcode=home[0], address=home[1])
        frames.names[victim], frames.dob[victim] = names, dob
    refuge = {f"address:{REFUGE[0]}|{REFUGE[1]}": "refuge"}
    flags = serial_perpetrator(build_graph(frames.people(), frames.events(), shared_addresses=refuge), rules)
    assert bool(flags) is not one, desc
