"""Child present at a DA incident (Operation Encompass): recorded on it, or living at its address on the date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from graph.build import build_graph
from graph.config import FlagRules
from graph.config_children import EncompassRules
from graph.flags.encompass import AT_ADDRESS, child_at_da_incident
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
HOME = "1 HIGH ST"
#: The victim's address as an address node id (postcode AB1 2CD, as Frames.at writes it).
HOME_NODE = f"address:AB1 2CD|{HOME}"
DOB = date(2015, 6, 1)


def _incident(frames: Frames, when: date, *, child_role: str | None = None, agency: str = "police",
              da: bool = True, child_link: float = 1.0, victim_link: float = 1.0) -> str:
    """P abuses V at V's home (V recorded there); C is on the occurrence in ``child_role``, if any."""
    event_id = f"OCC-{frames.n + 1:05d}"
    common = {"event_id": event_id, "domestic_abuse": da, "event_type": "Domestic Abuse - Assault", "dash_risk": "medium"}
    frames.record("P", agency, when, role="suspect", **common)
    frames.record("V", agency, when, role="victim", link=victim_link, postcode="AB1 2CD", address=HOME, **common)
    if child_role:
        frames.record("C", agency, when, role=child_role, link=child_link, **common)
    return event_id


def _case(frames: Frames, *, incident: int = -30, role: str | None = None, seen: int | None = None,
          address: str = HOME, dob: date | None = DOB, agency: str = "police", da: bool = True,
          care: str | None = None) -> None:
    _incident(frames, day(incident), child_role=role, agency=agency, da=da)
    if seen is not None:
        frames.at("C", address, day(seen))
    if care:
        frames.episode(day(-500), {"C": care}, plan="early_help")
    frames.dob["C"] = dob


WINDOW = 365
CASES = [
    ("recorded as a witness", {"role": "witness"}, ["witness"]),
    ("recorded as involved", {"role": "involved"}, ["involved"]),
    ("recorded as the victim: not a listed role, and not living there", {"role": "victim"}, None),
    ("recorded as the suspect: never the child the list is about", {"role": "suspect", "seen": -30}, None),
    ("living at the victim's address, seen on the day", {"seen": -30}, [AT_ADDRESS]),
    ("recorded and living there: both said", {"role": "witness", "seen": -30}, [AT_ADDRESS, "witness"]),
    ("last seen there exactly 365 days before the incident", {"incident": -30, "seen": -395}, [AT_ADDRESS]),
    ("last seen there 366 days before: moved out", {"incident": -30, "seen": -396}, None),
    ("overlap 100 days: first seen there exactly 100 days after", {"incident": -200, "seen": -100, "overlap": 100}, [AT_ADDRESS]),
    ("overlap 100 days: first seen there 101 days after, moved in later", {"incident": -200, "seen": -99, "overlap": 100}, None),
    ("overlap 0 days: seen there on the day only", {"incident": -200, "seen": -200, "overlap": 0}, [AT_ADDRESS]),
    ("overlap 0 days: seen the day before", {"incident": -200, "seen": -201, "overlap": 0}, None),
    ("living at another address", {"seen": -30, "address": "2 LOW RD"}, None),
    ("incident exactly at the window's start", {"incident": -WINDOW, "role": "witness"}, ["witness"]),
    ("incident one day before the window", {"incident": -WINDOW - 1, "role": "witness"}, None),
    ("incident after as_of", {"incident": 1, "role": "witness"}, None),
    ("18th birthday the day after the incident", {"role": "witness", "dob": day(-30 + 1) - timedelta(days=365 * 18 + 4)}, ["witness"]),
    ("turned 18 on the incident's day", {"role": "witness", "dob": date(2008, 10, 2)}, None),
    ("born after the incident, living there since", {"seen": -10, "dob": day(-20)}, None),
    ("born on the incident's day", {"role": "involved", "dob": day(-30)}, ["involved"]),
    ("no DOB but a social care child record", {"role": "witness", "dob": None, "care": "child"}, ["witness"]),
    ("no DOB and no social care child record: not known to be a child", {"role": "witness", "dob": None}, None),
    ("a health DA record is not a police incident", {"role": "witness", "agency": "health"}, None),
    ("a non-DA occurrence", {"role": "witness", "da": False}, None),
]


@pytest.mark.parametrize(("desc", "kwargs", "presence"), CASES, ids=[c[0] for c in CASES])
def test_child_at_da_incident(frames: Frames, desc: str, kwargs: dict, presence: list[str] | None) -> None:
    overlap = kwargs.pop("overlap", None)
    _case(frames, **kwargs)
    rules = RULES if overlap is None else FlagRules(as_of=AS_OF, household_overlap_days=overlap)
    flags = child_at_da_incident(frames.graph(), rules)
    got = [(f.person_ids[0], [i["presence"] for i in f.parameters["incidents"]]) for f in flags]
    assert got == ([("C", [presence])] if presence else []), desc


def test_eighteenth_birthday_case_is_the_day_after_the_incident() -> None:
    """The boundary case above is what it says (18 years after the DOB is one day after the incident)."""
    dob = day(-30 + 1) - timedelta(days=365 * 18 + 4)
    assert dob.replace(year=dob.year + 18) == day(-29)


SHARED_CASES = [
    ("living at a refuge where the incident was: no household forms there", {"seen": -30}, []),
    ("recorded as a witness at a refuge incident: still on the list", {"role": "witness"}, ["C"]),
]


@pytest.mark.parametrize(("desc", "kwargs", "flagged"), SHARED_CASES, ids=[c[0] for c in SHARED_CASES])
def test_shared_addresses_place_nobody_at_an_incident(frames: Frames, desc: str, kwargs: dict, flagged: list[str]) -> None:
    _case(frames, **kwargs)
    graph = build_graph(frames.people(), frames.events(), shared_addresses={HOME_NODE: "refuge"})
    assert [f.person_ids[0] for f in child_at_da_incident(graph, RULES)] == flagged, desc


def test_parameters_list_each_incident_for_the_schools_export(frames: Frames) -> None:
    """Each incident: its date, occurrence, how the child was there and its victims; the latest incident's date."""
    first = _incident(frames, day(-200), child_role="witness")
    second = _incident(frames, day(-10))
    frames.at("C", HOME, day(-12))
    frames.dob["C"] = DOB
    # Seen at home 188 days after the first incident: beyond a 100-day overlap, within the second's.
    (flag,) = child_at_da_incident(frames.graph(), FlagRules(as_of=AS_OF, household_overlap_days=100))
    assert flag.person_ids == ("C", "V", "P")
    assert flag.parameters["incidents"] == [
        {"date": day(-200).isoformat(), "occurrence": first, "presence": ["witness"], "victims": [{"person_id": "V"}]},
        {"date": day(-10).isoformat(), "occurrence": second, "presence": [AT_ADDRESS], "victims": [{"person_id": "V"}]},
    ]
    assert flag.parameters["latest_incident"] == day(-10).isoformat()
    assert flag.severity == 7


def test_evidence_and_weakest_link(frames: Frames) -> None:
    """Evidence: the suspect's, victim's and child's records on the incident; weakest link is their minimum."""
    _incident(frames, day(-30), child_role="witness", child_link=0.8, victim_link=0.93)
    frames.dob["C"] = DOB
    (flag,) = child_at_da_incident(frames.graph(), RULES)
    assert sorted(e.role for e in flag.evidence) == ["suspect", "victim", "witness"]
    assert flag.weakest_link == 0.8 and flag.agencies == ("police",)


def test_roles_and_agencies_come_from_the_config(frames: Frames) -> None:
    """An area that also lists child victims, and health DA records, sees them."""
    _case(frames, role="victim", agency="health")
    rules = FlagRules(as_of=AS_OF, child_at_da_incident=EncompassRules(roles=("victim",), agencies=("health",)))
    assert [f.person_ids[0] for f in child_at_da_incident(frames.graph(), rules)] == ["C"]
    assert child_at_da_incident(frames.graph(), RULES) == []


def test_another_spelling_of_the_incident_address(frames: Frames) -> None:
    """The victim recorded at '1 HIGH ST NORTHTOWN', the child at '1 HIGH ST': one dwelling; '11 HIGH ST' is another."""
    _incident(frames, day(-30))
    frames.rows[-1]["address"] = f"{HOME} NORTHTOWN"
    frames.at("C", HOME, day(-31))
    frames.at("E", "11 HIGH ST", day(-31))
    frames.dob["C"] = frames.dob["E"] = DOB
    (flag,) = child_at_da_incident(frames.graph(), RULES)
    assert flag.person_ids[0] == "C" and flag.parameters["incidents"][0]["presence"] == [AT_ADDRESS]
