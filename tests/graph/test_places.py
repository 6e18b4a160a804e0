"""Dangerous places: repeated DA at one dwelling across households, window edges, spellings and refuges."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graph.build import build_graph
from graph.config import FlagRules
from graph.flags.dwelling import dwelling as dwelling_of
from graph.flags.places import dangerous_place
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
#: 1 November 2021, five calendar years before AS_OF (a leap day between): the window's first day.
FIRST_DAY = -1826


def da_at(frames: Frames, perp: str, victim: str, when: int, address: str = "12 ACACIA ROAD") -> str:
    """A police DA occurrence with both records at ``address`` (postcode AB1 2CD); returns the event id."""
    event_id = f"OCC-{frames.n + 1:05d}"
    for person, role in ((perp, "suspect"), (victim, "victim")):
        frames.record(person, "police", day(when), event_id=event_id, role=role, domestic_abuse=True,
                      event_type="Domestic Abuse - Assault", postcode="AB1 2CD", address=address)
    return event_id


def couples(*stays: tuple[int, ...], addresses: tuple[str, ...] = ()) -> Callable[[Frames], None]:
    """One couple per stay: DA incidents on the given days, at the address (or the k-th of ``addresses``)."""
    def build(frames: Frames) -> None:
        for k, days in enumerate(stays):
            for when in days:
                da_at(frames, f"P{k}", f"V{k}", when, addresses[k] if addresses else "12 ACACIA ROAD")
    return build


def stale_gp_address(frames: Frames) -> None:
    """The first family moved out, but their GP records kept giving the address for years."""
    couples((-1700, -1600), (-30,))(frames)
    for when in (-1000, -400, -60):
        frames.at("V0", "12 ACACIA ROAD", day(when))


# (description, builder, flag expected: (incidents, households) or None)
CASES = [
    ("three couples years apart, one incident each", couples((-1700,), (-900,), (-30,)), (3, 3)),
    ("one couple, three incidents: one household", couples((-900, -500, -30)), None),
    ("two couples, two incidents: too few incidents", couples((-900,), (-30,)), None),
    ("two couples, three incidents", couples((-900, -800), (-30,)), (3, 2)),
    ("the oldest incident on the window's first day", couples((FIRST_DAY,), (-900,), (-30,)), (3, 3)),
    ("the oldest incident a day before the window", couples((FIRST_DAY - 1,), (-900,), (-30,)), None),
    ("a second couple's incident within household_overlap_days of the first's is read as one household",
     couples((-900, -800), (-436,)), None),
    ("366 days after the first couple's last incident there: another household", couples((-900, -800), (-434,)), (3, 2)),
    ("a stale GP address of the family that left does not join it to the family that came",
     stale_gp_address, (3, 2)),
    ("spellings of one house are one place",
     couples((-1700,), (-900,), (-30,), addresses=("12 ACACIA ROAD", "12 ACACIA RD", "12 ACACIA RD NORTHTOWN")), (3, 3)),
    ("neighbouring houses are different places",
     couples((-1700,), (-900,), (-30,), addresses=("12 ACACIA ROAD", "14 ACACIA ROAD", "12 ACACIA ROAD")), None),
]


@pytest.mark.parametrize(("desc", "build", "expected"), CASES, ids=[c[0] for c in CASES])
def test_dangerous_place_thresholds(frames: Frames, desc: str, build, expected) -> None:
    build(frames)
    flags = dangerous_place(frames.graph(), RULES)
    if expected is None:
        assert flags == [], desc
        return
    (flag,) = flags
    assert (flag.parameters["incidents"], flag.parameters["households"]) == expected, desc
    assert flag.parameters["place"] == "12 ACACIA, AB1 2CD", desc


# (description, rules, flagged)
SETTINGS = [
    ("defaults: three incidents, two households", RULES, True),
    ("four incidents needed", FlagRules(as_of=AS_OF, dangerous_place_min_incidents=4), False),
    ("three households needed", FlagRules(as_of=AS_OF, dangerous_place_min_households=3), False),
    ("a two-year window leaves two incidents", FlagRules(as_of=AS_OF, dangerous_place_window_years=2), False),
]


@pytest.mark.parametrize(("desc", "rules", "flagged"), SETTINGS, ids=[c[0] for c in SETTINGS])
def test_thresholds_come_from_the_config(frames: Frames, desc: str, rules: FlagRules, flagged: bool) -> None:
    couples((-1200, -1000), (-30,))(frames)
    assert len(dangerous_place(frames.graph(), rules)) == int(flagged), desc


def test_the_latest_victim_is_flagged_with_everyone_named_and_every_incident_cited(frames: Frames) -> None:
    first = da_at(frames, "P0", "V0", -1700)
    da_at(frames, "P1", "V1", -900)
    last = da_at(frames, "P2", "V2", -30)
    (flag,) = dangerous_place(frames.graph(), RULES)
    assert flag.person_ids == ("V2", "P0", "P1", "P2", "V0", "V1")
    assert len(flag.evidence) == 6 and {e.role for e in flag.evidence} == {"suspect", "victim"}
    assert (flag.parameters["first"], flag.parameters["last"]) == (day(-1700).isoformat(), day(-30).isoformat())
    assert first != last


def test_a_social_care_episode_joins_a_household(frames: Frames) -> None:
    """Two couples years apart at the address, but the second victim is the first couple's child: one family."""
    couples((-1700, -1600), (-30,))(frames)
    frames.episode(day(-1650), {"V1": "child", "V0": "parent"})
    assert dangerous_place(frames.graph(), RULES) == []


@pytest.mark.parametrize("kind", ["refuge", "hostel", "no_fixed_abode"])
def test_a_shared_address_is_never_a_dangerous_place(frames: Frames, kind: str) -> None:
    """Victims from many households at a refuge is what a refuge is for: no flag, and its address is never shown."""
    couples((-1700,), (-900,), (-30,), addresses=("7 MILL LANE", "7 MILL LANE", "7 MILL LN"))(frames)
    graph = build_graph(frames.people(), frames.events(), shared_addresses={"address:AB1 2CD|7 MILL LANE": kind})
    assert dangerous_place(graph, RULES) == []
    assert len(dangerous_place(frames.graph(), RULES)) == 1


DWELLINGS = [
    ("postcode and the first two words", "address:AB1 2CD|12 ACACIA ROAD NORTHTOWN", "AB1 2CD|12 ACACIA"),
    ("a one-word address", "address:AB1 2CD|ROSEMOUNT", "AB1 2CD|ROSEMOUNT"),
    ("no postcode: the whole address", "address:|12 ACACIA ROAD", "|12 ACACIA ROAD"),
]


@pytest.mark.parametrize(("desc", "node", "dwelling"), DWELLINGS, ids=[c[0] for c in DWELLINGS])
def test_dwelling_of(desc: str, node: str, dwelling: str) -> None:
    assert dwelling_of(node) == dwelling, desc
