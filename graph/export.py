"""The graph, or one person's part of it, for i2 Analyst's Notebook, Gephi and GraphML tools.

An entities/links pair is what i2 and Gephi import as tables; GraphML is for tools that
read a graph file. Values are flattened to text, numbers and booleans; dates are ISO.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import networkx as nx
import pandas as pd

from graph.codes import NodeKind

#: i2-style link strength from the weakest link probability behind an edge.
STRENGTHS = ((0.99, "confirmed"), (0.9, "tentative"), (0.0, "unconfirmed"))

#: Edge attributes that hold the link probability an edge rests on.
_LINK_ATTRS = ("weakest_link", "link_probability")


def strength(probability: float | None) -> str:
    """confirmed (>= 0.99), tentative (>= 0.9) or unconfirmed, as in i2 link strength."""
    if probability is None:
        return "confirmed"  # not resting on a resolved link (one record, or an analyst's word)
    return next(label for floor, label in STRENGTHS if probability >= floor)


def neighbourhood(graph: nx.MultiDiGraph, person_id: str, depth: int = 1) -> nx.MultiDiGraph:
    """A person's part of the graph: people within ``depth`` steps, and what links them.

    One step is one edge between people (abuse, care, co-involvement) or a shared
    event or address (two edges), so the search runs to ``2 * depth`` edges.

    Args:
        graph: From :func:`graph.build_graph`.
        person_id: The person at the centre.
        depth: Steps from the person.

    Returns:
        The induced subgraph (a copy).

    Raises:
        KeyError: The person is not in the graph.
    """
    if person_id not in graph:
        raise KeyError(person_id)
    people = {n for n, kind in graph.nodes(data="kind") if kind == NodeKind.PERSON}

    def length(u: str, v: str, _edges: dict) -> int:
        # An edge between two people is a whole step; via an event or address it takes two.
        return 2 if u in people and v in people else 1

    reached = nx.single_source_dijkstra_path_length(graph.to_undirected(as_view=True), person_id, cutoff=2 * depth, weight=length)
    return graph.subgraph(reached).copy()


def entities_and_links(graph: nx.MultiDiGraph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two tables for i2 or Gephi: one row per node, one per edge.

    Entities: ``Id``, ``Label``, ``Kind`` and each node's attributes. Links: ``Source``,
    ``Target``, ``Type`` (Directed), ``Kind``, ``Strength`` (from the weakest link
    probability) and each edge's attributes.

    Args:
        graph: The whole graph or a :func:`neighbourhood`.

    Returns:
        ``(entities, links)``.
    """
    entities = pd.DataFrame(
        [{"Id": node, "Label": _label(node, attrs), "Kind": _text(attrs.get("kind")), **_flat(attrs, skip={"kind"})}
         for node, attrs in graph.nodes(data=True)]
    )
    rows = []
    for source, target, attrs in graph.edges(data=True):
        probability = next((attrs[a] for a in _LINK_ATTRS if attrs.get(a) is not None), None)
        rows.append({
            "Source": source, "Target": target, "Type": "Directed", "Kind": _text(attrs.get("kind")),
            "Strength": strength(probability), **_flat(attrs, skip={"kind"}),
        })
    links = pd.DataFrame(rows, columns=None if rows else ["Source", "Target", "Type", "Kind", "Strength"])
    return _ordered(entities, ["Id", "Label", "Kind"]), _ordered(links, ["Source", "Target", "Type", "Kind", "Strength"])


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    """Write the graph as GraphML, attributes flattened to GraphML's simple types."""
    flat = nx.MultiDiGraph()
    flat.add_nodes_from((n, {"label": _label(n, a), **_flat(a)}) for n, a in graph.nodes(data=True))
    flat.add_edges_from((u, v, k, _flat(a)) for u, v, k, a in graph.edges(keys=True, data=True))
    nx.write_graphml(flat, path)
    return path


def _label(node: str, attrs: dict) -> str:
    if attrs.get("kind") == NodeKind.PERSON:
        name = " ".join(str(p) for p in (attrs.get("forename"), attrs.get("surname")) if p)
        return f"{name} ({node})" if name else node
    if attrs.get("kind") == NodeKind.EVENT:
        return " ".join(_text(attrs.get(a)) for a in ("event_type", "date") if attrs.get(a)) or node
    return node


def _flat(attrs: dict, skip: Iterable[str] = ()) -> dict[str, str | int | float | bool]:
    """Attributes as GraphML/CSV-safe values; None is left out."""
    return {key: _value(value) for key, value in attrs.items() if key not in set(skip) and value is not None}


def _value(value: object) -> str | int | float | bool:
    if isinstance(value, bool | int | float):
        return value
    return _text(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(_text(v) for v in value)
    return str(value)


def _ordered(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    return frame[first + sorted(c for c in frame.columns if c not in first)]
