"""A person's repeated records on one event (an extract that repeats rows) count once, and do not multiply pairs."""

from __future__ import annotations

from graph.codes import EdgeKind
from graph.config import FlagRules
from graph.flags import run_flags
from graph.flags.incidents import pair_incidents, victim_incidents
from tests.graph.conftest import AS_OF, Frames, day

COPIES = 5


def two_occurrences_and_an_episode(copies: int) -> Frames:
    """P abuses V on two police occurrences and both care for child C; every row ``copies`` times."""
    frames = Frames()
    for offset, event_id in ((-60, "OCC-1"), (-30, "OCC-2")):
        for person, role in (("P", "suspect"), ("V", "victim")):
            for _ in range(copies):
                frames.record(person, "police", day(offset), event_id=event_id, role=role, domestic_abuse=True,
                              dash_risk="standard", event_type="Domestic Abuse - Assault")
    for person, role in (("P", "parent"), ("V", "parent"), ("C", "child")):
        for _ in range(copies):
            frames.record(person, "social_care", day(-20), event_id="EP-1", role=role, plan_type="cin",
                          event_type="referral")
    return frames


def test_repeated_rows_make_one_pair_per_person_and_one_incident_per_occurrence():
    graph = two_occurrences_and_an_episode(COPIES).graph()
    abuse = graph.edges["P", "V", EdgeKind.ABUSES]
    assert abuse["count"] == 2 and len(abuse["unique_ids"]) == 2 * 2 * COPIES, "every record is still evidence"
    assert (abuse["first_date"], abuse["last_date"]) == (day(-60), day(-30))
    assert len(pair_incidents(graph, AS_OF)) == 2, "one suspect-victim pair per occurrence, not one per copy"
    assert len(victim_incidents(graph, FlagRules(as_of=AS_OF), AS_OF)["V"]) == 2, "two occurrences, two incidents"
    assert graph.edges["P", "C", EdgeKind.CARES_FOR]["count"] == 1
    co_involved = graph.edges["P", "V", EdgeKind.CO_INVOLVED]
    assert co_involved["count"] == 3 and co_involved["first_date"] == day(-60)


def test_repeated_rows_raise_the_flags_the_rows_once_raise():
    rules = FlagRules(as_of=AS_OF)
    once = run_flags(two_occurrences_and_an_episode(1).graph(), rules)
    repeated = run_flags(two_occurrences_and_an_episode(COPIES).graph(), rules)
    assert sorted((f.code, f.person_ids) for f in repeated) == sorted((f.code, f.person_ids) for f in once)
    assert not any(f.code.value == "repeat_victim" for f in repeated), "two occurrences are not three incidents"
