"""Exports of the graph: a person's neighbourhood, entities/links tables, GraphML."""

from __future__ import annotations

import networkx as nx
import pytest

from graph import build_graph
from graph.export import entities_and_links, neighbourhood, strength, write_graphml
from tests.graph.conftest import Frames, day


@pytest.fixture
def graph():
    frames = Frames()
    frames.da("P", "V1", day(-10), perp_link=0.93)
    frames.da("P", "V2", day(-5))
    frames.da("Q", "W", day(-5))  # another couple, unconnected to P
    return build_graph(frames.people(), frames.events())


STRENGTH_CASES = [
    ("analyst-confirmed or single record", None, "confirmed"),
    ("near certain", 0.995, "confirmed"),
    ("strong", 0.95, "tentative"),
    ("weak", 0.7, "unconfirmed"),
]


@pytest.mark.parametrize(("description", "probability", "expected"), STRENGTH_CASES, ids=[c[0] for c in STRENGTH_CASES])
def test_strength(description, probability, expected):
    assert strength(probability) == expected, description


def test_neighbourhood_keeps_the_person_and_their_victims_only(graph):
    part = neighbourhood(graph, "P", depth=1)
    people = {n for n, a in part.nodes(data=True) if a["kind"] == "person"}
    assert people == {"P", "V1", "V2"}
    with pytest.raises(KeyError):
        neighbourhood(graph, "NOBODY")


def test_entities_and_links(graph):
    entities, links = entities_and_links(neighbourhood(graph, "P"))
    assert list(entities.columns[:3]) == ["Id", "Label", "Kind"]
    assert list(links.columns[:5]) == ["Source", "Target", "Type", "Kind", "Strength"]
    assert set(entities["Id"]) >= {"P", "V1", "V2"}
    abuse = links[links["Kind"] == "abuses"].set_index("Target")
    assert set(abuse.index) == {"V1", "V2"}
    assert abuse.loc["V1", "Strength"] == "tentative", "rests on P's 0.93 link"
    assert abuse.loc["V2", "Strength"] == "confirmed"
    assert (links["Type"] == "Directed").all()


def test_graphml_round_trips(graph, tmp_path):
    path = write_graphml(neighbourhood(graph, "P"), tmp_path / "p.graphml")
    back = nx.read_graphml(path)
    assert {"P", "V1", "V2"} <= set(back.nodes)
    kinds = {d.get("kind") for _, _, d in back.edges(data=True)}
    assert "abuses" in kinds


def test_a_step_is_one_relationship_however_it_is_stored():
    # P abuses V (a direct edge) and V abuses X: X is two steps from P, never one.
    frames = Frames()
    frames.da("P", "V", day(-10))
    frames.da("V", "X", day(-5))
    graph = build_graph(frames.people(), frames.events())
    people = {1: {"P", "V"}, 2: {"P", "V", "X"}}
    for depth, expected in people.items():
        part = neighbourhood(graph, "P", depth=depth)
        assert {n for n, a in part.nodes(data=True) if a["kind"] == "person"} == expected, depth
