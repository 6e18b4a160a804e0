"""Rules asked to judge only some people (``owners``) raise exactly the whole run's flags of those people.

An incremental run keeps only the flags of the people its changes can reach, and has
each rule judge only them (``run_flags(..., owners=)``). That is only right if a rule's
flags for its owners do not depend on whom else it judges, so every rule is checked here
against its own run over everyone, filtered to the owners, on graphs where each rule
fires and where owners and the people their flags name (victims, adults, a place's other
households) are split every way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from graph import FlagCode, FlagRules, run_flags
from graph.build import build_graph
from graph.flags import REGISTRY
from tests.graph.conftest import AS_OF, Frames, day

RULES = FlagRules(as_of=AS_OF)
HOME = "1 HIGH ST"
PLACE = "12 ACACIA ROAD"


def _da(frames: Frames, perp: str, victim: str, when: int, address: str | None = None, dash: str = "standard") -> None:
    """A police DA occurrence; both records give ``address`` (postcode AB1 2CD) when there is one."""
    event_id = f"OCC-{frames.n + 1:05d}"
    place = {"postcode": "AB1 2CD", "address": address} if address else {}
    for person, role in ((perp, "suspect"), (victim, "victim")):
        frames.record(person, "police", day(when), event_id=event_id, role=role, domestic_abuse=True, dash_risk=dash,
                      event_type="Domestic Abuse - Assault", **place)


def violent_household(frames: Frames) -> None:
    """P abuses V (often, once HIGH) and W; P moved in with V and her children C and D, on a plan P is not on.

    Raises every rule but the dangerous place's: the perpetrator's (serial, repeat, joins the
    household, unseen man), V's (repeat victim, MARAC, pregnancy, SPECSS+) and the children's
    (DA household, toxic trio, Encompass).
    """
    _da(frames, "P", "V", -300)
    _da(frames, "P", "V", -200, dash="high")
    _da(frames, "P", "W", -100)
    _da(frames, "P", "V", -20, address=HOME)
    for person, seen in (("V", (-500, -5)), ("C", (-400, -10)), ("D", (-380, -12)), ("P", (-150, -30))):
        for when in seen:
            frames.at(person, HOME, day(when))
    frames.record("V", "health", day(-250), event_id="ATT-1", role="patient", pregnancy=True, service="Maternity")
    frames.record("V", "health", day(-90), event_id="ATT-2", role="patient", mental_health=True, service="Mental Health")
    frames.record("P", "health", day(-80), event_id="ATT-3", role="patient", substance_misuse=True)
    frames.episode(day(-60), {"C": "child", "D": "child", "V": "parent"}, plan="cp_plan")
    frames.sex.update(P="male", V="female", W="female", C="female", D="male")
    frames.dob.update(P=date(1980, 2, 2), V=date(1990, 1, 1), W=date(1975, 6, 15), C=date(2015, 6, 1), D=date(2018, 3, 3))


def dangerous_place(frames: Frames) -> None:
    """Three couples, years apart, each with an incident at one house: the latest victim (V2) is flagged."""
    for k, when in enumerate((-1700, -900, -30)):
        _da(frames, f"P{k}", f"V{k}", when, address=PLACE)


def both(frames: Frames) -> None:
    """The two, with the place's latest victim also a victim of the household's perpetrator."""
    violent_household(frames)
    dangerous_place(frames)
    _da(frames, "P", "V2", -40)


#: (description, builder): each graph is judged for every split of its people below.
GRAPHS: list[tuple[str, Callable[[Frames], None]]] = [
    ("a violent household", violent_household),
    ("a dangerous place", dangerous_place),
    ("both, sharing a victim", both),
]


def _graph(build: Callable[[Frames], None]):
    frames = Frames()
    build(frames)
    return build_graph(frames.people(), frames.events())


def _splits(people: list[str]) -> list[frozenset[str]]:
    """Nobody, everyone, each person alone, everyone but each person, and every other person."""
    return [
        frozenset(), frozenset(people), *(frozenset({p}) for p in people),
        *(frozenset(people) - {p} for p in people), frozenset(people[::2]), frozenset(people[1::2]),
    ]


def test_the_graphs_raise_every_flag() -> None:
    """Every rule fires on some graph here, so none is checked against an empty list alone."""
    raised = {f.code for _, build in GRAPHS for f in run_flags(_graph(build), RULES)}
    assert raised == set(FlagCode)


@pytest.mark.parametrize(("desc", "build"), GRAPHS, ids=[g[0] for g in GRAPHS])
def test_each_rule_judges_its_owners_as_the_whole_run_does(desc: str, build: Callable[[Frames], None]) -> None:
    """For each rule and each split of the people, the flags it raises for owners are the whole run's of theirs."""
    graph = _graph(build)
    people = sorted(n for n, attrs in graph.nodes(data=True) if attrs["kind"] == "person")
    whole = {code: rule(graph, RULES) for code, rule in REGISTRY.items()}
    assert any(whole.values()), desc
    for owners in _splits(people):
        for code, rule in REGISTRY.items():
            kept = [f for f in whole[code] if f.person_ids[0] in owners]
            assert rule(graph, RULES, owners) == kept, (desc, code.value, sorted(owners))


@pytest.mark.parametrize(("desc", "build"), GRAPHS, ids=[g[0] for g in GRAPHS])
def test_run_flags_for_owners_is_the_whole_run_filtered(desc: str, build: Callable[[Frames], None]) -> None:
    """``run_flags(owners=)`` gives the flags of everyone's run whose first person is an owner, in its order."""
    graph = _graph(build)
    people = sorted(n for n, attrs in graph.nodes(data=True) if attrs["kind"] == "person")
    whole = run_flags(graph, RULES)
    for owners in _splits(people):
        assert run_flags(graph, RULES, owners=owners) == [f for f in whole if f.person_ids[0] in owners], (desc, sorted(owners))
    assert run_flags(graph, RULES, owners=people) == whole
    assert run_flags(graph, RULES, owners=[]) == []
