"""Graph structure: node kinds, edges, their dates and provenance."""

from __future__ import annotations

from datetime import date

from graph.codes import EdgeKind, NodeKind
from tests.graph.conftest import Frames, day


def _edges(g, kind):
    return [(u, v, d) for u, v, k, d in g.edges(keys=True, data=True) if d["kind"] == kind]


def test_node_kinds_and_record_edges_keep_provenance(frames: Frames) -> None:
    """Each record is a person -> event edge keyed by unique_id, with agency, role, date, link."""
    uid = frames.record("A", "police", day(-10), event_id="E1", link=0.8, role="witness",
                        address="1 HIGH ST", postcode="AB1 2CD")
    g = frames.graph()
    assert g.nodes["A"]["kind"] == NodeKind.PERSON
    assert g.nodes["event:police:E1"]["kind"] == NodeKind.EVENT
    assert g.nodes["address:AB1 2CD|1 HIGH ST"]["kind"] == NodeKind.ADDRESS
    data = g.edges["A", "event:police:E1", uid]
    assert (data["kind"], data["agency"], data["role"], data["date"], data["link_probability"]) == (
        EdgeKind.RECORD, "police", "witness", day(-10), 0.8)
    assert g.graph["data_as_of"] == day(-10)


def test_event_ids_are_scoped_by_source_and_missing_ids_are_own_events(frames: Frames) -> None:
    """One event id in two sources is two events; a record with no event id is its own event."""
    frames.record("A", "police", day(-1), event_id="E1")
    frames.record("B", "social_care", day(-1), event_id="E1")
    uid = frames.record("C", "health", day(-1))
    g = frames.graph()
    assert {"event:police:E1", "event:social_care:E1", f"event:{uid}"} <= set(g.nodes)
    assert not _edges(g, EdgeKind.CO_INVOLVED)


def test_abuses_edge_aggregates_incidents(frames: Frames) -> None:
    """perp -> victim carries count, first/last date, worst DASH, both sides' records, weakest link."""
    frames.da("P", "V", day(-100), dash="medium", perp_link=0.9)
    frames.da("P", "V", day(-50), dash="high", victim_link=0.7)
    frames.da("P", "V", day(-20), dash="standard")
    g = frames.graph()
    data = g.edges["P", "V", EdgeKind.ABUSES]
    assert data["count"] == 3
    assert (data["first_date"], data["last_date"]) == (day(-100), day(-20))
    assert data["worst_dash"] == "high"
    assert len(data["unique_ids"]) == 6
    assert data["weakest_link"] == 0.7
    assert len(g.graph["da_events"]) == 3


def test_no_self_abuse_edge_from_a_merge(frames: Frames) -> None:
    """A person resolved onto both sides of one occurrence gets no self-loop."""
    frames.da("P", "P", day(-5))
    assert not _edges(frames.graph(), EdgeKind.ABUSES)


def test_cares_for_from_social_care_episode(frames: Frames) -> None:
    """Parent / carer / household member -> child on the same social care episode, with plan types."""
    for person, role in (("M", "parent"), ("G", "carer"), ("K", "child")):
        frames.record(person, "social_care", day(-30), event_id="SC1", role=role, plan_type="cp_plan")
    g = frames.graph()
    pairs = {(u, v) for u, v, _ in _edges(g, EdgeKind.CARES_FOR)}
    assert pairs == {("M", "K"), ("G", "K")}
    assert g.edges["M", "K", EdgeKind.CARES_FOR]["plan_types"] == ("cp_plan",)


def test_lives_at_dates_seen_and_co_involved_once_per_pair(frames: Frames) -> None:
    """lives_at spans the dates seen; co-involvement is one edge per unordered pair."""
    frames.record("A", "police", day(-200), event_id="E1", role="victim", address="1 HIGH ST", postcode="AB1 2CD")
    frames.record("B", "police", day(-200), event_id="E1", role="witness")
    frames.record("A", "health", day(-3), address="1 HIGH ST", postcode="AB1 2CD", link=0.6)
    frames.record("B", "police", day(-2), event_id="E2", role="victim")
    frames.record("A", "police", day(-2), event_id="E2", role="suspect")
    g = frames.graph()
    lives = g.edges["A", "address:AB1 2CD|1 HIGH ST", EdgeKind.LIVES_AT]
    assert (lives["first_date"], lives["last_date"], lives["count"], lives["weakest_link"]) == (
        day(-200), day(-3), 2, 0.6)
    co = _edges(g, EdgeKind.CO_INVOLVED)
    assert [(u, v) for u, v, _ in co] == [("A", "B")]
    assert co[0][2]["count"] == 2


def test_person_attributes_and_age_band(frames: Frames) -> None:
    """Person nodes carry DOB, an age band at the latest event date, and their agencies."""
    frames.record("A", "police", date(2026, 1, 1), event_id="E1")
    frames.dob["A"] = date(2010, 1, 2)
    g = frames.graph()
    assert g.nodes["A"]["age_band"] == "12-17"
    assert g.nodes["A"]["agencies"] == ("police",)


def test_fast_insertion_matches_networkx_public_api():
    """build.py writes into networkx's own dicts for speed; it must match add_node/add_edge."""
    import copy

    import networkx as nx
    import pytest

    from graph.build import _add_edges, _add_nodes

    nodes = (["a", "b", "a"], [{"x": 1}, {"y": 2}, {"z": 3}])  # "a" twice: attributes update
    edges = (
        ["a", "a", "c", "b", "b"],
        ["b", "b", "d", "b", "a"],
        ["k1", "k1", "k2", "self", "back"],  # repeated key, new endpoints c/d, a self-loop
        [{"w": 1}, {"w": 2}, {"w": 3}, {"loop": True}, {"w": 4}],
    )
    fast = nx.MultiDiGraph()
    _add_nodes(fast, copy.deepcopy(nodes))
    assert _add_edges(fast, copy.deepcopy(edges)) == 5
    fast.__networkx_cache__.clear()
    public = nx.MultiDiGraph()
    for node, attrs in zip(*nodes, strict=True):
        public.add_node(node, **attrs)
    for u, v, key, data in zip(*edges, strict=True):
        public.add_edge(u, v, key=key, **data)
    assert list(fast.nodes(data=True)) == list(public.nodes(data=True))
    assert list(fast.edges(keys=True, data=True)) == list(public.edges(keys=True, data=True))
    assert list(fast.in_edges(keys=True, data=True)) == list(public.in_edges(keys=True, data=True))
    assert fast.number_of_edges() == public.number_of_edges()
    # A self-loop's key dict is one object under _succ and _pred, exactly when networkx's is.
    assert (fast._succ["b"]["b"] is fast._pred["b"]["b"]) == (public._succ["b"]["b"] is public._pred["b"]["b"])
    assert fast._succ["a"]["b"] is fast._pred["b"]["a"], "an edge's key dict is shared by both sides"
    with pytest.raises(ValueError):
        _add_nodes(nx.MultiDiGraph(), ([None], [{}]))


def test_flags_do_not_read_co_involvement(frames: Frames) -> None:
    """The flags stage builds without co_involved edges; every rule raises the same flags without them."""
    from graph import FlagRules, build_graph, run_flags

    frames.da("P", "V", day(-30))
    frames.da("P", "W", day(-20))
    frames.da("P", "V", day(-5), dash="high")
    frames.at("V", "1 HIGH ST", day(-40), source="police")
    frames.at("P", "1 HIGH ST", day(-35), source="police")
    frames.at("C", "1 HIGH ST", day(-30))
    frames.dob["C"] = date(2018, 5, 1)
    frames.sex["P"] = "M"
    frames.episode(day(-25), {"C": "child", "V": "mother"}, plan="cp_plan")
    frames.record("V", "health", day(-10), event_id="ATT-9", role="patient", mental_health=True, service="Mental Health")
    frames.record("P", "health", day(-9), event_id="ATT-9", role="patient", substance_misuse=True)
    rules = FlagRules()
    full = build_graph(frames.people(), frames.events())
    lean = build_graph(frames.people(), frames.events(), co_involvement=False)
    assert _edges(full, EdgeKind.CO_INVOLVED) and not _edges(lean, EdgeKind.CO_INVOLVED)
    flags = run_flags(full, rules)
    assert len({f.code for f in flags}) >= 3
    assert run_flags(lean, rules) == flags
