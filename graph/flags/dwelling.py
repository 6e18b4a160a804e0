"""Dwellings: one place under each spelling agencies give it, as the shared-address step reads addresses."""

from __future__ import annotations

import re
from collections import defaultdict
from weakref import WeakKeyDictionary

import networkx as nx

from graph.codes import NodeKind
from graph.flags.adjacency import nodes_of
from graph.keys import ADDRESS_PREFIX

__all__ = ["dwelling", "dwelling_addresses"]

#: The address's first two words, as ``dwelling_sql``'s regexp_extract takes them.
_FIRST_TWO_WORDS = re.compile(r"^[^ ]+( [^ ]+)?")


def dwelling(address: str) -> str:
    """The dwelling an address node names, as ``linkage.safeguard.dwelling_sql`` has it.

    With a postcode, the postcode and the address's first two words, so health's
    '12 ACACIA RD' and police's '12 ACACIA ROAD NORTHTOWN' are one dwelling; without one,
    the whole address.
    """
    postcode, _, text = address.removeprefix(ADDRESS_PREFIX).partition("|")
    if not postcode:
        return f"|{text}"
    match = _FIRST_TWO_WORDS.match(text)
    return f"{postcode}|{match.group(0) if match else text}"


_INDEX: WeakKeyDictionary[nx.MultiDiGraph, dict[str, tuple[str, ...]]] = WeakKeyDictionary()


def dwelling_addresses(graph: nx.MultiDiGraph, address: str) -> tuple[str, ...]:
    """Every address node of the graph naming the same dwelling as ``address`` (itself included), sorted.

    The index is built once per graph (rules never change a built graph).
    """
    index = _INDEX.get(graph)
    if index is None:
        groups: dict[str, list[str]] = defaultdict(list)
        for node, attrs in nodes_of(graph).items():
            if attrs.get("kind") == NodeKind.ADDRESS:
                groups[dwelling(node)].append(node)
        index = _INDEX[graph] = {key: tuple(sorted(nodes)) for key, nodes in groups.items()}
    return index.get(dwelling(address), (address,))
