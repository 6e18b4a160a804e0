"""A person's network, found in SQL first, matches the whole safeguarding graph's neighbourhood.

One step is a shared event or a shared address (``graph.export.neighbourhood``'s
definition). The reference walks the whole graph through event and address nodes
only: the direct person-person edges (abuse, care, co-involvement) always sit beside
a shared event, and walking them as well would count one event as half a step.
"""

from __future__ import annotations

import io
import zipfile

import networkx as nx
import pandas as pd
import pytest

from graph import build_graph
from graph.codes import EdgeKind, NodeKind
from linkage.explore import LINK_COLUMNS, merge_links, network_export, person_network
from linkage.explore.network import EDGE_COLUMNS
from linkage.safeguard import graph_frames, read_shared_addresses


@pytest.fixture(scope="module")
def whole_graph(results):
    cursor = results.cursor()
    try:
        # Shared addresses (the generator's hostels) are no step, in the network as in the graph.
        return build_graph(*graph_frames(cursor), shared_addresses=read_shared_addresses(cursor))
    finally:
        cursor.close()


@pytest.fixture(scope="module")
def centres(results) -> dict[str, str]:
    """People whose networks differ in kind: a serial perpetrator, a child in a DA household, a busy adult."""
    cursor = results.cursor()
    try:
        picks = {
            "serial perpetrator": "SELECT person_id FROM flags WHERE code = 'serial_perpetrator' ORDER BY flag_id LIMIT 1",
            "child in a DA household": "SELECT person_id FROM flags WHERE code = 'child_in_da_household' ORDER BY flag_id LIMIT 1",
            "most records": "SELECT person_id FROM persons ORDER BY records DESC, person_id LIMIT 1",
        }
        return {name: cursor.execute(sql).fetchone()[0] for name, sql in picks.items()}
    finally:
        cursor.close()


def _people(graph) -> set[str]:
    return {n for n, a in graph.nodes(data=True) if a.get("kind") == NodeKind.PERSON}


def _reference(graph, person_id: str, depth: int) -> set[str]:
    """People within ``depth`` shared events or addresses, walking the whole graph."""
    steps = nx.Graph(
        (u, v) for u, v, kind in graph.edges(keys=False, data="kind") if kind in (EdgeKind.RECORD, EdgeKind.LIVES_AT)
    )
    return _people(graph.subgraph(nx.ego_graph(steps, person_id, radius=2 * depth).nodes))


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("centre", ["serial perpetrator", "child in a DA household", "most records"])
def test_network_people_are_the_whole_graphs_neighbourhood(cur, whole_graph, centres, centre, depth):
    person_id = centres[centre]
    network = person_network(cur, person_id, depth)
    expected = _reference(whole_graph, person_id, depth)
    assert not network.truncated
    assert set(network.nodes["id"]) == expected, centre
    abuse = {(u, v) for u, v, k in whole_graph.subgraph(expected).edges(keys=True) if k == EdgeKind.ABUSES}
    drawn = set(network.edges.loc[network.edges["relationship"] == "perpetrator-victim", ["source", "target"]].itertuples(index=False, name=None))
    assert drawn == abuse, centre


def test_network_edges_join_people_in_it_with_a_known_relationship_and_strength(cur, centres):
    network = person_network(cur, centres["child in a DA household"], 2)
    people = set(network.nodes["id"])
    assert set(network.edges["source"]) | set(network.edges["target"]) <= people
    assert set(network.edges["relationship"]) <= {"perpetrator-victim", "family", "household", "co-involvement"}
    assert set(network.edges["strength"]) <= {"confirmed", "tentative", "unconfirmed"}
    assert {"family", "household"} & set(network.edges["relationship"])
    assert network.nodes["centre"].sum() == 1
    assert network.nodes.loc[network.nodes["centre"], "hops"].iloc[0] == 0


def test_a_deeper_network_holds_the_shallower_one(cur, centres):
    shallow = person_network(cur, centres["most records"], 1)
    deep = person_network(cur, centres["most records"], 2)
    assert set(shallow.nodes["id"]) <= set(deep.nodes["id"])


def test_a_crowded_network_is_cut_to_the_nearest_people_and_says_so(cur, centres):
    full = person_network(cur, centres["serial perpetrator"], 2)
    assert len(full.nodes) > 3
    cut = person_network(cur, centres["serial perpetrator"], 2, max_people=3)
    assert cut.truncated
    assert len(cut.nodes) <= 3
    assert centres["serial perpetrator"] in set(cut.nodes["id"])


def test_export_is_an_i2_gephi_zip_of_entities_and_links(cur, centres):
    network = person_network(cur, centres["serial perpetrator"], 1)
    with zipfile.ZipFile(io.BytesIO(network_export(network))) as archive:
        assert sorted(archive.namelist()) == ["entities.csv", "links.csv"]
        entities = pd.read_csv(archive.open("entities.csv"))
        links = pd.read_csv(archive.open("links.csv"))
    assert centres["serial perpetrator"] in set(entities["Id"])
    assert {"Source", "Target", "Type", "Kind", "Strength"} <= set(links.columns)
    assert set(links["Source"]) | set(links["Target"]) <= set(entities["Id"])


def test_an_unknown_person_has_no_network(cur):
    assert person_network(cur, "MP9999999") is None


def _edge(source, target, relationship, directed, weakest=1.0, count=1, first="2024-01-01", last="2024-06-01"):
    return {"source": source, "target": target, "relationship": relationship, "directed": directed,
            "strength": "confirmed", "weakest_link": weakest, "count": count,
            "first_date": pd.Timestamp(first).date(), "last_date": pd.Timestamp(last).date()}


#: (description, edges between two people, expected line: label, source, target, direction, strength, count).
MERGES = [
    ("family and household are one line, the arrow carer to child",
     [_edge("MUM", "KID", "family", True, count=3), _edge("KID", "MUM", "household", False)],
     ("family · household", "MUM", "KID", "one way", "confirmed", 3)),
    ("abuse and household: the abuse's colour and arrow, the household's weaker link",
     [_edge("HIM", "HER", "perpetrator-victim", True, count=2), _edge("HER", "HIM", "household", False, weakest=0.95)],
     ("perpetrator-victim · household", "HIM", "HER", "one way", "tentative", 2)),
    ("each recorded abusing the other: arrows both ways, both incidents counted",
     [_edge("B", "A", "perpetrator-victim", True, count=2), _edge("A", "B", "perpetrator-victim", True, count=1)],
     ("perpetrator-victim", "A", "B", "both ways", "confirmed", 3)),
    ("household alone has no arrow",
     [_edge("Y", "X", "household", False, weakest=0.5)],
     ("household", "X", "Y", "", "unconfirmed", 1)),
]


@pytest.mark.parametrize(("description", "edges", "expected"), MERGES, ids=[m[0] for m in MERGES])
def test_links_merge_every_relationship_of_a_pair_into_one_line(description, edges, expected):
    links = merge_links(pd.DataFrame(edges, columns=EDGE_COLUMNS))
    assert len(links) == 1, description
    line = links.iloc[0]
    assert (line["relationship"], line["source"], line["target"], line["direction"], line["strength"], line["count"]) \
        == expected, description
    assert line["relationships"] == expected[0].split(" · ")
    assert line["weakest_link"] == min(e["weakest_link"] for e in edges)
    assert (line["first_date"], line["last_date"]) == (min(e["first_date"] for e in edges), max(e["last_date"] for e in edges))


def test_no_edges_make_no_links():
    assert list(merge_links(pd.DataFrame(columns=EDGE_COLUMNS)).columns) == LINK_COLUMNS


@pytest.mark.parametrize("centre", ["serial perpetrator", "child in a DA household", "most records"])
def test_a_network_draws_one_line_per_pair_and_counts_what_it_draws(cur, centres, centre):
    network = person_network(cur, centres[centre], 2)
    pairs = {tuple(sorted(p)) for p in network.edges[["source", "target"]].itertuples(index=False, name=None)}
    drawn = [tuple(sorted(p)) for p in network.links[["source", "target"]].itertuples(index=False, name=None)]
    assert sorted(drawn) == sorted(pairs), "every related pair once"
    assert network.link_count == len(network.links) == len(pairs)
    assert network.people_count == len(network.nodes)
    if centre == "child in a DA household":
        assert len(network.links) < len(network.edges), "family and household lines merge"
    for line in network.links.itertuples():
        mine = network.edges[network.edges[["source", "target"]].apply(lambda e: tuple(sorted(e)), axis=1)
                             == tuple(sorted((line.source, line.target)))]
        assert set(line.relationships) == set(mine["relationship"])
        assert line.relationship == " · ".join(line.relationships)
