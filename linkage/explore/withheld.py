"""Withhold refuge addresses from users whose role does not need them.

A refuge's address is never disclosed beyond those who need it (DOMAIN.md). Which
addresses are withheld is decided with the run (``shared_addresses.masked``: a listed
kind in the flag rules' ``shared_addresses.masked_kinds``); who may see them is the
``see_refuge_address`` permission (:data:`linkage.accountability.access.ACTION_ROLES`). The person's own
views (golden view, provenance, records) and search results show :data:`WITHHELD` in their place.
"""

from __future__ import annotations

import dataclasses

import duckdb
import networkx as nx
import pandas as pd

from graph.keys import ADDRESS_PREFIX
from linkage.explore.network import Network
from linkage.pipeline import run_sql
from linkage.node_keys import ADDRESS_KEY_SQL
from linkage.safeguard import SHARED_TABLE
from linkage.store import has_table

__all__ = ["WITHHELD", "withhold_in_network", "withhold_refuge_addresses", "withhold_refuge_postcodes", "withheld_places"]

#: Shown in place of a withheld address or postcode.
WITHHELD = "withheld (refuge)"
_FIELDS = ("postcode", "address")


def withheld_places(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> dict[str, set[tuple[str | None, str]]]:
    """(postcode, address) of each of these people's records at an address to withhold.

    Args:
        con: A results cursor.
        person_ids: The people.

    Returns:
        The places by person, for the people with any; empty when the results have no shared addresses.
    """
    if not person_ids or not has_table(con, SHARED_TABLE):
        return {}
    rows = run_sql(
        con,
        "withheld_places",
        "SELECT DISTINCT c.person_id, r.postcode, r.address FROM records AS r JOIN clusters AS c USING (unique_id) "
        f"JOIN {SHARED_TABLE} AS s ON s.address_key = {ADDRESS_KEY_SQL} "
        "WHERE c.person_id IN (SELECT unnest($person_ids)) AND s.masked",
        {"person_ids": list(person_ids)},
    ).fetchall()
    places: dict[str, set[tuple[str | None, str]]] = {}
    for person, postcode, address in rows:
        places.setdefault(person, set()).add((postcode, address))
    return places


def withhold_refuge_addresses(
    con: duckdb.DuckDBPyConnection,
    person_id: str,
    allowed: bool,
    summary: dict | None = None,
    values: pd.DataFrame | None = None,
    records: pd.DataFrame | None = None,
) -> tuple[dict | None, pd.DataFrame | None, pd.DataFrame | None]:
    """The person's golden view, provenance and records with refuge addresses withheld.

    Every address text and postcode the person was recorded with at a withheld place is
    replaced by :data:`WITHHELD`, wherever it appears in these views (a postcode alone
    would give the place away, so it goes too).

    Args:
        con: A results cursor.
        person_id: The person.
        allowed: Whether the user's role may see refuge addresses (``can_do(role, "see_refuge_address")``).
        summary: From :func:`linkage.explore.person_summary`.
        values: From :func:`linkage.explore.provenance` (``field`` and ``value`` columns).
        records: From :func:`linkage.explore.person_records` (``postcode`` and ``address`` columns).

    Returns:
        ``(summary, values, records)``: copies with the values withheld, or the same
        objects when the user may see them or the person was never at such a place.
    """
    if allowed:
        return summary, values, records
    places = withheld_places(con, [person_id]).get(person_id)
    if not places:
        return summary, values, records
    hidden = {"address": {a for _, a in places}, "postcode": {p for p, _ in places if p}}
    if summary is not None:
        summary = {k: WITHHELD if k in _FIELDS and v in hidden[k] else v for k, v in summary.items()}
    if values is not None:
        hit = pd.Series(False, index=values.index)
        for field in _FIELDS:
            hit |= (values["field"] == field) & values["value"].isin(hidden[field])
        values = values.assign(value=values["value"].where(~hit, WITHHELD))
    if records is not None:
        records = records.copy()
        for field in _FIELDS:
            records[field] = records[field].where(~records[field].isin(hidden[field]), WITHHELD)
    return summary, values, records


def withhold_refuge_postcodes(con: duckdb.DuckDBPyConnection, people: pd.DataFrame, allowed: bool) -> pd.DataFrame:
    """People listed with a postcode (search results), a refuge's postcode withheld.

    Args:
        con: A results cursor.
        people: ``person_id`` and ``postcode`` columns (e.g. from :func:`linkage.explore.search_people`).
        allowed: Whether the user's role may see refuge addresses.

    Returns:
        A copy with each person's refuge postcode read :data:`WITHHELD`, or ``people`` itself when nothing is withheld.
    """
    if allowed or people.empty:
        return people
    places = withheld_places(con, sorted(set(people["person_id"])))
    if not places:
        return people
    hidden = [
        postcode in {p for p, _ in places.get(person, ())}
        for person, postcode in zip(people["person_id"], people["postcode"], strict=True)
    ]
    out = people.copy()
    out["postcode"] = out["postcode"].where(~pd.Series(hidden, index=people.index), WITHHELD)
    return out


def withhold_in_network(con: duckdb.DuckDBPyConnection, network: Network, allowed: bool) -> Network:
    """A person's network with refuge addresses withheld from its graph (what the i2 / Gephi export writes).

    A refuge makes no household, so its address node is in no network; but each record
    edge names its record's address, and an export would list it. Those, and any
    refuge address node, read :data:`WITHHELD` (numbered, so nodes stay distinct).

    Args:
        con: A results cursor.
        network: From :func:`linkage.explore.person_network`.
        allowed: Whether the user's role may see refuge addresses.

    Returns:
        The network with a copy of its graph so withheld, or ``network`` itself when nothing is.
    """
    if allowed or not has_table(con, SHARED_TABLE):
        return network
    keys = {k for (k,) in run_sql(con, "withheld_keys", f"SELECT address_key FROM {SHARED_TABLE} WHERE masked").fetchall()}
    graph = network.graph
    touched = [(u, v, k) for u, v, k, address in graph.edges(keys=True, data="address") if address in keys]
    nodes = sorted(n for n in graph if n in keys)
    if not touched and not nodes:
        return network
    graph = nx.relabel_nodes(graph, {n: f"{ADDRESS_PREFIX}{WITHHELD} {i}" for i, n in enumerate(nodes, start=1)}, copy=True)
    for u, v, k in touched:
        graph.edges[u, v, k]["address"] = WITHHELD
    return dataclasses.replace(network, graph=graph)
