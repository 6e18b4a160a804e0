"""Assemble the safeguarding graph from resolved people and their events.

Node kinds: person (``person_id``), event (``event:<source>:<event_id>``) and address
(``address:<postcode>|<address>``). Every edge carries its dates and the weakest
``link_probability`` it rests on, so a flag can say how sure its links are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import date

import networkx as nx
import numpy as np
import pandas as pd

from graph import tables
from graph.codes import EdgeKind, NodeKind
from graph.gcpause import gc_paused

__all__ = ["build_graph"]

log = logging.getLogger(__name__)

_AGE_BANDS = ((0, "0-4"), (5, "5-11"), (12, "12-17"), (18, "18-24"), (25, "25-44"), (45, "45-64"), (65, "65+"))


def build_graph(
    people: pd.DataFrame,
    events: pd.DataFrame,
    data_as_of: date | None = None,
    shared_addresses: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
    co_involvement: bool = True,
) -> nx.MultiDiGraph:
    """Build the graph of people, events and addresses.

    Edges (``key`` is the edge kind, except record edges keyed by ``unique_id``):
    person -[record]-> event; perpetrator -[abuses]-> victim; parent / carer /
    household member -[cares_for]-> child; person -[lives_at]-> address; and
    person -[co_involved]-> person, stored once per pair with ``u < v``.

    A shared or generic address (a refuge, a hostel, custody, 'no fixed abode') gets no
    lives_at edges: the people recorded there are not a household. Its node stays,
    with ``shared`` set to its kind, and each record edge still gives the address.

    ``graph.graph`` holds ``data_as_of`` (latest event date), ``da_events`` (the
    DA event nodes, so rules need not scan every node), ``shared_addresses`` and ``edge_count``.

    Args:
        people: One row per resolved person: person_id, dob, sex, agencies,
            forename, surname and, optionally, names: each distinct recorded
            (canonical forename, surname), which the serial rule compares (the
            loader gives them for DA victims only).
        events: One row per source record, as described in the package docs; it may carry
            ``event_node`` and ``address_node`` already (the store computes them in SQL).
        data_as_of: The latest event date of the whole population, when ``events`` is
            only part of it (an incremental run's neighbourhood); default: theirs.
        shared_addresses: Kind (:class:`~graph.codes.AddressKind` value) by address node
            id (``address:<postcode>|<address>``) of the shared and generic addresses,
            e.g. from :func:`graph.shared.shared_addresses`; None: none. Or a function
            returning them, called once, after the person and event nodes are built: the
            caller may still be finding them while those are.
        co_involvement: Add the co_involved edges. No flag rule reads them (the network
            views and exports do), so the flags stage leaves them out: at 1M people they
            are a quarter of a million edges built and freed for nothing.

    Returns:
        The graph.
    """
    started = time.perf_counter()
    with gc_paused():
        graph = _build(people, events, data_as_of, shared_addresses, co_involvement)
    log.info(
        "graph built: %d nodes, %d edges in %.1f s",
        graph.number_of_nodes(), graph.graph["edge_count"], time.perf_counter() - started,
    )
    return graph


def _build(
    people: pd.DataFrame,
    events: pd.DataFrame,
    data_as_of: date | None,
    shared_addresses: Mapping[str, str] | Callable[[], Mapping[str, str]] | None,
    co_involvement: bool,
) -> nx.MultiDiGraph:
    ev = tables.prepare_events(events)
    data_as_of = data_as_of or _to_date(ev["event_date"].max())
    graph = nx.MultiDiGraph(data_as_of=data_as_of, shared_addresses={})

    _add_nodes(graph, _person_nodes(people, data_as_of))
    ev_nodes = tables.event_nodes(ev)
    _add_nodes(graph, _event_nodes(ev_nodes))
    graph.graph["da_events"] = tuple(ev_nodes.loc[ev_nodes["domestic_abuse"], "event_node"])
    # Social care episodes with a plan, for rules that start from children on plans (unseen men).
    graph.graph["plan_events"] = tuple(ev_nodes.loc[ev_nodes["plan_type"].notna(), "event_node"])
    # Asked for only now, the first time they are needed.
    found = shared_addresses() if callable(shared_addresses) else shared_addresses
    shared = graph.graph["shared_addresses"] = dict(found or {})
    addresses = ev["address_node"].dropna().unique().tolist()
    _add_nodes(graph, (addresses, [
        {"kind": NodeKind.ADDRESS, "shared": shared[a]} if a in shared else {"kind": NodeKind.ADDRESS} for a in addresses
    ]))

    edges = _add_edges(graph, _record_edges(ev))
    relationships = [
        (EdgeKind.ABUSES, tables.abuse_edges),
        (EdgeKind.CARES_FOR, tables.care_edges),
        (EdgeKind.LIVES_AT, lambda rows: tables.lives_at_edges(rows, shared)),
    ]
    if co_involvement:
        # Added last, as always: leaving them out changes no other edge's place in the adjacency.
        relationships.append((EdgeKind.CO_INVOLVED, tables.co_involved_edges))
    for kind, table in relationships:
        edges += _add_edges(graph, _aggregate_edges(table(ev), kind))
    graph.graph["edge_count"] = edges
    # networkx clears its converted-graph cache on every add_*; do the same once.
    graph.__networkx_cache__.clear()
    return graph


# _add_nodes and _add_edges write straight into networkx's own dicts (_node, _succ,
# _pred; _adj is _succ), exactly as add_nodes_from / add_edge do for a MultiDiGraph
# with the default dict factories: {u: {v: {key: attrs}}} shared between _succ[u][v]
# and _pred[v][u]. The per-call overhead of those methods was most of the build at
# 1M people. Insertion order, duplicate handling (attributes update in place) and the
# None check are the same as networkx's. Each attrs dict must be a fresh dict that
# the caller does not keep.


def _add_nodes(graph: nx.MultiDiGraph, nodes: tuple[list, list[dict]]) -> None:
    succ, pred, node_attrs = graph._succ, graph._pred, graph._node
    for n, attrs in zip(*nodes):
        current = node_attrs.get(n)
        if current is not None:
            current.update(attrs)
            continue
        if n is None:
            raise ValueError("None cannot be a node")
        succ[n] = {}
        pred[n] = {}
        node_attrs[n] = attrs


def _add_edges(graph: nx.MultiDiGraph, edges: tuple[list, list, list, list[dict]]) -> int:
    succ, pred, node_attrs = graph._succ, graph._pred, graph._node
    us, vs, keys, datas = edges
    for u, v, key, data in zip(us, vs, keys, datas):
        u_succ = succ.get(u)
        if u_succ is None:
            if u is None:
                raise ValueError("None cannot be a node")
            u_succ = succ[u] = {}
            pred[u] = {}
            node_attrs[u] = {}
        if v not in succ:
            if v is None:
                raise ValueError("None cannot be a node")
            succ[v] = {}
            pred[v] = {}
            node_attrs[v] = {}
        keydict = u_succ.get(v)
        if keydict is None:
            # Self-loops share one keydict between _succ[u][u] and _pred[u][u], as in networkx.
            keydict = u_succ[v] = {key: data}
            pred[v][u] = keydict
        elif key in keydict:
            keydict[key].update(data)
        else:
            keydict[key] = data
    return len(us)


def _to_date(value: object) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


#: :func:`_objects`' default for a missing value: whatever ``tolist()`` gives.
_AS_TOLIST = object()


def _objects(series: pd.Series, missing: object = _AS_TOLIST) -> list:
    """``series.tolist()``, one object per distinct value; ``missing`` where missing, if given.

    ``tolist()`` of a string column makes a new str per row: at 1M people the graph
    would hold millions of copies of 'police', 'victim' and each person id, every one
    allocated in the build and freed after it. Values are immutable, so one object per
    value is the same graph. A column that already holds objects is handed over as is.
    """
    if missing is _AS_TOLIST:
        if not isinstance(series.dtype, pd.StringDtype):
            return series.tolist()
        missing = series.dtype.na_value
    codes, uniques = pd.factorize(series)
    return _by_code(codes, uniques.tolist(), missing)


def _dates(series: pd.Series) -> list[date | None]:
    # Python dates (not Timestamps) so rules compare with plain date arithmetic; one
    # object per distinct day (a few thousand days over a million rows), as _objects.
    codes, days = pd.factorize(pd.to_datetime(series))
    return _by_code(codes, days.date, None)


def _by_code(codes: np.ndarray, distinct, missing: object) -> list:
    """Each factorised code's value, sharing one object per distinct value; ``missing`` for code -1."""
    lookup = np.empty(len(distinct) + 1, dtype=object)
    lookup[: len(distinct)] = distinct
    lookup[-1] = missing
    return lookup[codes].tolist()


def _age_band(dob: pd.Series, as_of: date | None) -> list[str | None]:
    if as_of is None:
        return [None] * len(dob)
    born = pd.to_datetime(dob, errors="coerce")
    ref = pd.Timestamp(as_of)
    years = ref.year - born.dt.year - ((born.dt.month > ref.month) | ((born.dt.month == ref.month) & (born.dt.day > ref.day)))
    starts = np.array([b[0] for b in _AGE_BANDS])
    idx = np.searchsorted(starts, years.fillna(-1).to_numpy(), side="right") - 1
    labels = np.array([b[1] for b in _AGE_BANDS], dtype=object)
    return np.where(years.isna().to_numpy() | (idx < 0), None, labels[np.maximum(idx, 0)]).tolist()


def _person_nodes(people: pd.DataFrame, as_of: date | None) -> tuple[list, list[dict]]:
    dobs = _dates(pd.to_datetime(people["dob"], errors="coerce"))
    bands = _age_band(people["dob"], as_of)
    ids = people["person_id"].tolist()
    # One tuple per distinct list of agencies (a handful), not one per person.
    agency_sets: dict[tuple, tuple] = {}
    person = NodeKind.PERSON
    # Recorded names, only where the loader gives them (DA victims): the one rule that
    # reads names asks whether two victims of one perpetrator are one person.
    names = people["names"].tolist() if "names" in people else [None] * len(ids)
    attrs = [
        {
            "kind": person,
            "dob": dob,
            "age_band": band,
            "sex": sex if isinstance(sex, str) else None,  # pandas hands a missing value over as NaN
            "agencies": agency_sets.setdefault(key := tuple(agencies), key) if agencies is not None else (),
            # Display only: rules and logs never read these.
            "forename": forename,
            "surname": surname,
            "names": tuple(tuple(n) for n in recorded) if recorded is not None else (),
        }
        for dob, band, sex, agencies, forename, surname, recorded in zip(
            dobs, bands, _objects(people["sex"]), *(people[c].tolist() for c in ("agencies", "forename", "surname")), names
        )
    ]
    return ids, attrs


def _event_nodes(nodes: pd.DataFrame) -> tuple[list, list[dict]]:
    cols = ["domestic_abuse", *tables.EVENT_ATTRS]
    # Append kind and date as extra "columns" so each row is one dict(zip(...)) call.
    keys = (*cols, "kind", "date")
    kinds = [NodeKind.EVENT] * len(nodes)
    columns = [_objects(nodes[c], None) for c in cols]
    attrs = [dict(zip(keys, values)) for values in zip(*columns, kinds, _dates(nodes["date"]))]
    return _objects(nodes["event_node"]), attrs


def _record_edges(ev: pd.DataFrame) -> tuple[list, list, list, list[dict]]:
    dates = _dates(ev["event_date"])
    roles = _objects(ev["role"], None)
    pids, nodes, agency, source, address = (
        _objects(ev[c]) for c in ("person_id", "event_node", "agency", "source", "address_node")
    )
    uids = ev["unique_id"].tolist()
    cols = [agency, source, ev["record_id"].tolist(), address]
    # Markers are per record, not per event: one social care episode has a parent with
    # a mental-health factor and a child without.
    m0, m1, m2 = tables.RECORD_MARKERS
    markers = [_flags(ev[c]) for c in tables.RECORD_MARKERS]
    record = EdgeKind.RECORD
    datas = [
        {
            "kind": record, "unique_id": uid, "agency": agency, "source": source,
            "record_id": record_id, "role": role, "date": day, "link_probability": prob,
            "address": address, m0: mark0, m1: mark1, m2: mark2,
        }
        for uid, agency, source, record_id, address, role, day, prob, mark0, mark1, mark2 in zip(
            uids, *cols, roles, dates, ev["link_probability"].tolist(), *markers
        )
    ]
    return pids, nodes, uids, datas


def _flags(series: pd.Series) -> list[bool | None]:
    values = series.astype("boolean")
    return [None if missing else bool(v) for v, missing in zip(values.fillna(False).tolist(), values.isna().tolist())]


def _aggregate_edges(frame: pd.DataFrame, kind: EdgeKind) -> tuple[list, list, list, list[dict]]:
    attrs = [c for c in frame.columns if c not in ("u", "v")]
    columns = [
        _dates(frame[c]) if c in ("first_date", "last_date") else frame[c].tolist() for c in attrs
    ]
    # kind goes last, as one more column, so each row is one dict(zip(...)) call.
    keys = (*attrs, "kind")
    kinds = [kind] * len(frame)
    datas = [dict(zip(keys, values)) for values in zip(*columns, kinds)]
    return _objects(frame["u"]), _objects(frame["v"]), kinds, datas
