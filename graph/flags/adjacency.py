"""Read a built graph's nodes and edges through networkx's own dicts, not its views.

``graph.succ[n]``, ``graph.pred[n]`` and ``graph.nodes[n]`` each build a view object, and
iterating a view's ``items()`` looks every key up again; the rules make millions of such
lookups at 1M people, and the views cost more than the rules' own logic. The dicts here
are the ones those views wrap (``{neighbour: {key: edge attrs}}`` and ``{node: attrs}``),
so they give the same values in the same order. Rules only read them: a built graph is
never changed by a rule.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

__all__ = ["nodes_of", "pred_of", "succ_of"]


def succ_of(graph: nx.MultiDiGraph) -> dict[Any, dict[Any, dict[Any, dict]]]:
    """Successors by node: what ``graph.succ`` shows (read-only)."""
    return graph._succ


def pred_of(graph: nx.MultiDiGraph) -> dict[Any, dict[Any, dict[Any, dict]]]:
    """Predecessors by node: what ``graph.pred`` shows (read-only)."""
    return graph._pred


def nodes_of(graph: nx.MultiDiGraph) -> dict[Any, dict]:
    """Node attributes by node: what ``graph.nodes`` shows (read-only)."""
    return graph._node
