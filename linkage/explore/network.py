"""A person's family, household, perpetrator-victim and co-involvement network.

One step is a shared event (which gives abuse, care and co-involvement links) or a
shared address (household), as ``graph.export.neighbourhood`` defines it. The people
within reach are found in SQL first, hop by hop, then only their records go through
:func:`graph.build_graph`, so a network costs what the people in it cost, not what
the run does. (On the whole graph, ``neighbourhood`` also walks the direct
person-person edges beside each shared event, so there it reaches further: two
co-involvements at depth 1.)
"""

from __future__ import annotations

import io
import itertools
import zipfile
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import networkx as nx
import pandas as pd

from graph import build_graph
from graph.codes import EdgeKind, NodeKind
from graph.export import entities_and_links, neighbourhood, strength
from linkage.export import safe_frame
from linkage.pipeline import run_sql
from linkage.safeguard import graph_frames, read_shared_addresses
from linkage.node_keys import ADDRESS_KEY_SQL, EVENT_NODE_SQL

#: Relationship shown for each kind of graph edge between people (household comes from shared addresses).
RELATIONSHIPS = {
    EdgeKind.ABUSES: "perpetrator-victim",
    EdgeKind.CARES_FOR: "family",
    EdgeKind.CO_INVOLVED: "co-involvement",
}
HOUSEHOLD = "household"
#: When two people are linked several ways, the one drawn (co-involvement only if nothing more specific).
RELATIONSHIP_ORDER = ("perpetrator-victim", "family", "household", "co-involvement")
#: Most hops an analyst may ask for; each hop can multiply the people shown.
MAX_DEPTH = 3
#: Most people drawn; the nearest are kept and the network says it was cut.
MAX_PEOPLE = 150

NODE_COLUMNS = ["id", "label", "hops", "centre", "sex", "dob", "age_band", "agencies", "flags"]
EDGE_COLUMNS = [
    "source", "target", "relationship", "directed", "strength", "weakest_link", "count", "first_date", "last_date",
]
#: A link: one line per pair of people, however many ways they are related (see :attr:`Network.links`).
LINK_COLUMNS = [
    "source", "target", "relationship", "relationships", "direction", "strength", "weakest_link", "count",
    "first_date", "last_date",
]
#: Which way a link's arrow points: source to target, or both (each abused the other), or none (household).
ONE_WAY, BOTH_WAYS, NO_DIRECTION = "one way", "both ways", ""

# Temp tables are private to the cursor that makes them, so concurrent users never share them.
_PEOPLE = "explore_network_people"
_CLUSTERS = "explore_network_clusters"
_PERSONS = "explore_network_persons"


@dataclass(frozen=True)
class Network:
    """A person's neighbourhood.

    Attributes:
        person_id: The person at the centre.
        depth: Hops asked for.
        nodes: One row per person (see :data:`NODE_COLUMNS`).
        edges: One row per pair of people and relationship (see :data:`EDGE_COLUMNS`).
        graph: The safeguarding graph's neighbourhood (people, events, addresses), for export.
        truncated: More people were within reach than :data:`MAX_PEOPLE`.
    """

    person_id: str
    depth: int
    nodes: pd.DataFrame
    edges: pd.DataFrame
    graph: nx.MultiDiGraph = field(repr=False)
    truncated: bool = False

    @cached_property
    def links(self) -> pd.DataFrame:
        """One line per pair of people, their relationships merged (see :data:`LINK_COLUMNS`).

        Family and household between the same two people are one line labelled
        ``family · household``, not two. The line takes the most specific relationship's
        direction (``RELATIONSHIP_ORDER``: an abuser's arrow points at the victim, a
        carer's at the child; ``both ways`` when each is recorded against the other) and
        the weakest record link behind any of its relationships.
        """
        return merge_links(self.edges)

    @property
    def people_count(self) -> int:
        """People drawn, the person at the centre included: what the page's header and People tab both say."""
        return len(self.nodes)

    @property
    def link_count(self) -> int:
        """Lines drawn (pairs of people): what the page's header and Links tab both say."""
        return len(self.links)


def person_network(
    con: duckdb.DuckDBPyConnection, person_id: str, depth: int = 1, max_people: int = MAX_PEOPLE
) -> Network | None:
    """The people within ``depth`` hops of a person, and how they are related.

    One hop is a shared event (which gives perpetrator-victim, family and
    co-involvement links) or a shared address (household), as in the safeguarding graph.

    Args:
        con: A results cursor (temporary tables are made on it and dropped).
        person_id: The person at the centre.
        depth: Hops, 1 to :data:`MAX_DEPTH`.
        max_people: Most people to include, nearest first.

    Returns:
        The network, or None if there is no such person.
    """
    depth = max(1, min(int(depth), MAX_DEPTH))
    hops, truncated = _reach(con, person_id, depth, max_people)
    if not hops:
        return None
    people = pd.DataFrame({"person_id": list(hops), "hops": list(hops.values())})
    con.register("explore_network_input", people)
    try:
        run_sql(con, "network_people", f"CREATE OR REPLACE TEMP TABLE {_PEOPLE} AS SELECT * FROM explore_network_input")
    finally:
        con.unregister("explore_network_input")
    try:
        run_sql(
            con, "network_clusters",
            f"CREATE OR REPLACE TEMP TABLE {_CLUSTERS} AS SELECT c.* FROM clusters AS c JOIN {_PEOPLE} USING (person_id)",
        )
        run_sql(
            con, "network_persons",
            f"CREATE OR REPLACE TEMP TABLE {_PERSONS} AS SELECT p.* FROM persons AS p JOIN {_PEOPLE} USING (person_id)",
        )
        frames = graph_frames(con, "records", _CLUSTERS, _PERSONS)
        flags = run_sql(
            con, "network_flags",
            f"SELECT person_id, list(DISTINCT CAST(code AS VARCHAR) ORDER BY CAST(code AS VARCHAR)) AS flags "
            f"FROM flags WHERE person_id IN (SELECT person_id FROM {_PEOPLE}) GROUP BY person_id",
        ).fetchall()
    finally:
        for table in (_PEOPLE, _CLUSTERS, _PERSONS):
            run_sql(con, "network_cleanup", f"DROP TABLE IF EXISTS temp.{table}")
    # A refuge or hostel makes no household, here as in the flags.
    graph = neighbourhood(build_graph(*frames, shared_addresses=read_shared_addresses(con)), person_id, depth)
    nodes = _nodes(graph, person_id, hops, dict(flags))
    return Network(person_id, depth, nodes, _edges(graph), graph, truncated)


def _reach(con: duckdb.DuckDBPyConnection, person_id: str, depth: int, max_people: int) -> tuple[dict[str, int], bool]:
    """People within ``depth`` hops (person -> hops), nearest first, at most ``max_people``."""
    exists = run_sql(con, "network_centre", "SELECT count(*) FROM persons WHERE person_id = $p", {"p": person_id}).fetchone()
    if not exists[0]:
        return {}, False
    hops = {person_id: 0}
    frontier = [person_id]
    shared = sorted(read_shared_addresses(con))
    for hop in range(1, depth + 1):
        rows = run_sql(
            con,
            "network_hop",
            "WITH keyed AS ("
            f"  SELECT c.person_id, {EVENT_NODE_SQL} AS event_key, {ADDRESS_KEY_SQL} AS address_key "
            "  FROM records AS r JOIN clusters AS c USING (unique_id)), "
            "keys AS ("
            "  SELECT event_key AS k FROM keyed WHERE person_id IN (SELECT unnest($frontier)) "
            "  UNION SELECT address_key FROM keyed WHERE address_key IS NOT NULL AND person_id IN (SELECT unnest($frontier)) "
            "  AND NOT list_contains($shared, address_key)) "
            "SELECT person_id, count(*) AS shared FROM keyed "
            "WHERE (event_key IN (SELECT k FROM keys) OR address_key IN (SELECT k FROM keys)) "
            "AND NOT list_contains($seen, person_id) "
            "GROUP BY person_id ORDER BY shared DESC, person_id",
            {"frontier": frontier, "seen": list(hops), "shared": shared},
        ).fetchall()
        room = max_people - len(hops)
        if len(rows) > room:
            hops.update((p, hop) for p, _ in rows[:room])
            return hops, True
        hops.update((p, hop) for p, _ in rows)
        frontier = [p for p, _ in rows]
        if not frontier:
            break
    return hops, False


def _nodes(graph: nx.MultiDiGraph, centre: str, hops: dict[str, int], flags: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for node, attrs in graph.nodes(data=True):
        if attrs.get("kind") != NodeKind.PERSON:
            continue
        name = " ".join(str(p) for p in (attrs.get("forename"), attrs.get("surname")) if p)
        rows.append({
            "id": node, "label": name or node, "hops": hops.get(node), "centre": node == centre,
            "sex": attrs.get("sex"), "dob": attrs.get("dob"), "age_band": attrs.get("age_band"),
            "agencies": list(attrs.get("agencies") or ()), "flags": list(flags.get(node, [])),
        })
    frame = pd.DataFrame(rows, columns=NODE_COLUMNS)
    return frame.sort_values(["hops", "id"], ignore_index=True)


def _edges(graph: nx.MultiDiGraph) -> pd.DataFrame:
    """Person-to-person links: abuse, care and co-involvement edges, and households from shared addresses."""
    rows = []
    for u, v, attrs in graph.edges(data=True):
        relationship = RELATIONSHIPS.get(attrs.get("kind"))
        if relationship is not None:
            rows.append(_edge(u, v, relationship, attrs["kind"] != EdgeKind.CO_INVOLVED, [attrs]))
    for address, attrs in graph.nodes(data=True):
        if attrs.get("kind") != NodeKind.ADDRESS:
            continue
        residents = {
            person: data for person, keyed in graph.pred[address].items()
            for data in keyed.values() if data.get("kind") == EdgeKind.LIVES_AT
        }
        for a, b in itertools.combinations(sorted(residents), 2):
            rows.append(_edge(a, b, HOUSEHOLD, False, [residents[a], residents[b]]))
    frame = pd.DataFrame(rows, columns=EDGE_COLUMNS)
    if frame.empty:
        return frame
    # One line per pair and relationship (two shared addresses are one household link), and
    # co-involvement only where nothing more specific joins the pair.
    pair = frame.apply(lambda r: tuple(sorted((r["source"], r["target"]))), axis=1)
    frame = frame.assign(pair=pair, rank=frame["relationship"].map(RELATIONSHIP_ORDER.index))
    frame = frame.sort_values(["pair", "rank", "weakest_link"]).drop_duplicates(["pair", "relationship"])
    best = frame.groupby("pair")["rank"].transform("min")
    frame = frame[(frame["relationship"] != "co-involvement") | (frame["rank"] == best)]
    return frame.drop(columns=["pair", "rank"]).reset_index(drop=True)


def _edge(u: str, v: str, relationship: str, directed: bool, parts: list[dict]) -> dict:
    links = [p.get("weakest_link") for p in parts if p.get("weakest_link") is not None]
    weakest = min(links) if links else None
    firsts = [p["first_date"] for p in parts if p.get("first_date") is not None]
    lasts = [p["last_date"] for p in parts if p.get("last_date") is not None]
    return {
        "source": u, "target": v, "relationship": relationship, "directed": directed,
        "strength": strength(weakest), "weakest_link": weakest, "count": min(p.get("count", 1) for p in parts),
        "first_date": min(firsts, default=None),
        "last_date": max(lasts, default=None),
    }


def merge_links(edges: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of people from one row per pair and relationship (see :attr:`Network.links`).

    Args:
        edges: :data:`EDGE_COLUMNS` rows.

    Returns:
        :data:`LINK_COLUMNS` rows, in the order of each pair's first edge: ``relationship``
        the label (relationships joined by `` · ``, most specific first), ``relationships``
        the list, ``direction`` one of :data:`ONE_WAY`, :data:`BOTH_WAYS`, :data:`NO_DIRECTION`,
        ``count`` the times the most specific relationship was recorded, dates the span of all.
    """
    if edges.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    pairs: dict[tuple[str, str], list] = {}
    for edge in edges.itertuples(index=False):
        pairs.setdefault(tuple(sorted((edge.source, edge.target))), []).append(edge)
    rows = []
    for pair, found in pairs.items():
        kinds = sorted({e.relationship for e in found}, key=RELATIONSHIP_ORDER.index)
        primary = [e for e in found if e.relationship == kinds[0]]
        ways = {(e.source, e.target) for e in primary if e.directed}
        if len(ways) == 1:
            (source, target), direction = next(iter(ways)), ONE_WAY
        else:
            (source, target), direction = pair, BOTH_WAYS if ways else NO_DIRECTION
        links = [e.weakest_link for e in found if e.weakest_link is not None and not pd.isna(e.weakest_link)]
        weakest = min(links) if links else None
        firsts = [e.first_date for e in found if e.first_date is not None and not pd.isna(e.first_date)]
        lasts = [e.last_date for e in found if e.last_date is not None and not pd.isna(e.last_date)]
        rows.append({
            "source": source, "target": target, "relationship": " · ".join(kinds), "relationships": kinds,
            "direction": direction, "strength": strength(weakest), "weakest_link": weakest,
            "count": int(sum(e.count for e in primary)), "first_date": min(firsts, default=None),
            "last_date": max(lasts, default=None),
        })
    return pd.DataFrame(rows, columns=LINK_COLUMNS)


def network_export(network: Network) -> bytes:
    """The network as i2 / Gephi tables: a zip of ``entities.csv`` and ``links.csv``.

    The tables are :func:`graph.export.entities_and_links` of the neighbourhood (people,
    events and addresses with every attribute), spreadsheet-safe as in ``mash export graph``.

    Args:
        network: From :func:`person_network`.

    Returns:
        The zip file's bytes.
    """
    entities, links = (safe_frame(f) for f in entities_and_links(network.graph))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("entities.csv", entities.to_csv(index=False))
        archive.writestr("links.csv", links.to_csv(index=False))
    return buffer.getvalue()
