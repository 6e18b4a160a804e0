"""DA incidents read from the graph, shared by the perpetrator, victim and MARAC rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from weakref import WeakKeyDictionary

import networkx as nx

from graph.codes import PATIENT, POLICE, RECORD_EDGE, SUSPECT, VICTIM
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, pred_of
from graph.flags.model import Evidence, Owners, judged

__all__ = [
    "Incident",
    "PairIncident",
    "evidence_of",
    "pair_incidents",
    "record_evidence",
    "victim_incidents",
]

#: Where :func:`record_evidence` keeps the evidence it has made, in ``graph.graph`` (:func:`graph.flags.run_flags` clears it).
EVIDENCE_CACHE = "_record_evidence"


@dataclass(frozen=True)
class Incident:
    """One DA incident against a victim, possibly seen by several agencies."""

    date: date
    dash_risk: str | None
    offence: str | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class PairIncident:
    """One DA occurrence between a suspect and a victim."""

    perp: str
    victim: str
    date: date
    dash_risk: str | None
    offence: str | None
    evidence: tuple[Evidence, Evidence]


def evidence_of(record: dict, event: dict) -> Evidence:
    """Evidence for one record edge on one event node (no names or identifiers in text)."""
    parts = [event.get("service"), event.get("event_type"), event.get("complaint")]
    text = ": ".join(p for p in parts if p)
    if event.get("dash_risk"):
        text += f" (DASH {event['dash_risk']})"
    return Evidence(
        unique_id=record["unique_id"],
        agency=record["agency"],
        source=record["source"],
        record_id=record["record_id"],
        event_date=record["date"] or event.get("date"),
        role=record["role"],
        description=text,
        link_probability=float(record["link_probability"]),
    )


def record_evidence(graph: nx.MultiDiGraph, record: dict, event: dict) -> Evidence:
    """:func:`evidence_of`, made once per record edge of the graph and then shared.

    At 1M people the rules ask for the same records' evidence hundreds of thousands of
    times (a household's adults for each of its children). Evidence is immutable, so
    one instance serves every flag. Keyed by the record edge's own attribute dict (held,
    so its id cannot be reused) and checked against the event it was made with.
    """
    cache = graph.graph.get(EVIDENCE_CACHE)
    if cache is None:
        cache = graph.graph[EVIDENCE_CACHE] = {}
    held = cache.get(id(record))
    if held is not None and held[0] is record and held[1] is event:
        return held[2]
    evidence = evidence_of(record, event)
    cache[id(record)] = (record, event, evidence)
    return evidence


def _records(graph: nx.MultiDiGraph, node: str) -> list[tuple[str, dict]]:
    # The raw predecessor dict skips the view objects graph.pred and in_edges build per call.
    return [(p, d) for p, keyed in pred_of(graph)[node].items() for d in keyed.values() if d["kind"] == RECORD_EDGE]


#: Derived data computed once per built graph and shared by the rules that need it
#: (six rules read the DA pairs). Rules never change a built graph, so the cache
#: cannot go stale; weak keys let a graph and its cache go together.
_MEMO: WeakKeyDictionary[nx.MultiDiGraph, dict[tuple, Any]] = WeakKeyDictionary()


def _memoised(graph: nx.MultiDiGraph, key: tuple, compute: Callable[[], Any]) -> Any:
    cache = _MEMO.setdefault(graph, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def pair_incidents(graph: nx.MultiDiGraph, until: date) -> list[PairIncident]:
    """Suspect -> victim pairs on dated DA events on or before ``until``.

    A person on both sides of one event (a merge error) is not paired with themself.
    Computed once per graph and date; each caller gets its own list.
    """
    return list(_memoised(graph, ("pairs", until), lambda: _pair_incidents(graph, until)))


def _pair_incidents(graph: nx.MultiDiGraph, until: date) -> list[PairIncident]:
    out = []
    for node in graph.graph["da_events"]:
        event = nodes_of(graph)[node]
        if event["date"] is None or event["date"] > until:
            continue
        records = _records(graph, node)
        suspects, victims = _first_per_person(records, SUSPECT), _first_per_person(records, VICTIM)
        for perp, sus in suspects.items():
            for victim, vic in victims.items():
                if perp != victim:
                    out.append(PairIncident(
                        perp, victim, event["date"], event.get("dash_risk"), event.get("event_type"),
                        (record_evidence(graph, sus, event), record_evidence(graph, vic, event)),
                    ))
    return out


def _first_per_person(records: list[tuple[str, dict]], role: str) -> dict[str, dict]:
    """Each person's first record in ``role`` on one event.

    A person's repeated records on one occurrence (an extract that repeats rows) are one
    suspect or one victim of it, not one pair per copy: pairs stay one per person, and
    do not grow with the square of the copies.
    """
    first: dict[str, dict] = {}
    for person, record in records:
        if record["role"] == role:
            first.setdefault(person, record)
    return first


def victim_incidents(
    graph: nx.MultiDiGraph, rules: FlagRules, until: date, owners: Owners = None
) -> dict[str, list[Incident]]:
    """Each victim's DA incidents on or before ``until``, in date order (with ``owners``: only theirs).

    Police victim records are one incident per occurrence. A record from another
    agency (a health DA attendance) within ``same_incident_days`` of one of the
    victim's incidents joins it, so one assault seen by police and ED counts once.
    A victim's incidents are read from her own records alone, so those of ``owners`` are
    the same whoever else is read. Computed once per graph, settings and owners; each caller
    gets its own lists.
    """
    key = ("victims", until, tuple(rules.victim_agencies), rules.same_incident_days, owners)
    cached = _memoised(graph, key, lambda: _victim_incidents(graph, rules, until, owners))
    return {person: list(incidents) for person, incidents in cached.items()}


def _victim_incidents(graph: nx.MultiDiGraph, rules: FlagRules, until: date, owners: Owners) -> dict[str, list[Incident]]:
    seen: dict[str, list[tuple[date, bool, dict, Evidence]]] = defaultdict(list)
    for node in graph.graph["da_events"]:
        event = nodes_of(graph)[node]
        if event["date"] is None or event["date"] > until or event["agency"] not in rules.victim_agencies:
            continue
        # One row per person and event: a person's repeated records on one occurrence are one incident.
        people: set[str] = set()
        for person, rec in _records(graph, node):
            if rec["role"] in (VICTIM, PATIENT) and person not in people and judged(owners, person):
                people.add(person)
                seen[person].append((event["date"], event["agency"] == POLICE, event, record_evidence(graph, rec, event)))
    gap = timedelta(days=rules.same_incident_days)
    out: dict[str, list[Incident]] = {}
    for person, rows in seen.items():
        # Police occurrences first, so an attendance joins the occurrence it followed.
        rows.sort(key=lambda r: (not r[1], r[0]))
        incidents: list[list] = []
        for day, is_police, event, ev in rows:
            near = None if is_police else min(
                (i for i in incidents if abs(day - i[0]) <= gap), key=lambda i: abs(day - i[0]), default=None
            )
            if near is None:
                incidents.append([day, event.get("dash_risk"), event.get("event_type"), [ev]])
            else:
                near[3].append(ev)
        incidents.sort(key=lambda i: i[0])
        out[person] = [Incident(d, dash, off, tuple(evs)) for d, dash, off, evs in incidents]
    return out
