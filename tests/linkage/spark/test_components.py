"""Connected components on Spark agree with networkx's."""

from __future__ import annotations

import random

import networkx as nx
import pytest

pytestmark = pytest.mark.spark

_RNG = random.Random(7)


def _partition(pairs) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for node, component in pairs:
        groups.setdefault(component, set()).add(node)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize(
    "description, edges",
    [
        ("a chain, a pair and a self-loop", [("a", "b"), ("b", "c"), ("x", "y"), ("s", "s")]),
        ("people sharing event and address keys", [("MP1", "event:police:1"), ("MP2", "event:police:1"), ("MP2", "address:A|1 X ST"), ("MP3", "address:A|1 X ST"), ("MP4", "event:health:9")]),
        ("a random forest with long paths", [(f"n{_RNG.randrange(i)}", f"n{i}") for i in range(1, 300) if i % 37]),
    ],
)
def test_components_match_networkx(spark_api, description, edges):
    from linkage.spark.components import connected_components

    frame = spark_api.spark.createDataFrame(edges, "l string, r string")
    found = _partition(connected_components(spark_api, frame, "l", "r").collect())
    graph = nx.Graph(edges)
    assert found == {frozenset(c) for c in nx.connected_components(graph)}, description
