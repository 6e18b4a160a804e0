"""Dangerous places: one dwelling where DA keeps happening, to one household after another.

A place is a dwelling as :mod:`linkage.safeguard` names it (postcode and the
address's first two words, so '12 ACACIA RD' and '12 ACACIA ROAD' are one place). A
dwelling with any shared or generic address (a refuge, a hostel, 'no fixed abode') is
never a dangerous place: DA victims from many households is what a refuge is for, and
its address is not to be disclosed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import networkx as nx

from graph.codes import RECORD_EDGE, SUSPECT, VICTIM, EdgeKind, FlagCode
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, pred_of, succ_of
from graph.flags.dwelling import dwelling
from graph.flags.household import overlaps
from graph.flags.incidents import record_evidence
from graph.flags.model import Evidence, Flag, Owners, judged, make_flag
from graph.flags.windows import as_of, window_start

__all__ = ["dangerous_place"]


@dataclass(frozen=True)
class _PlaceIncident:
    """A DA incident with a record giving an address at the place."""

    date: date
    event: str
    people: tuple[str, ...]
    victims: tuple[str, ...]
    evidence: tuple[Evidence, ...]


def _shared_dwellings(graph: nx.MultiDiGraph) -> set[str]:
    """Dwellings with a shared or generic address (any spelling): never a dangerous place.

    From the whole run's list the graph was built with, so the graph of part of the
    population (an incremental run's, a Spark part's) leaves out the same dwellings.
    """
    return {dwelling(key) for key in graph.graph.get("shared_addresses", {})}


def _incidents_at(graph: nx.MultiDiGraph, since: date, end: date) -> dict[str, list[_PlaceIncident]]:
    """Each dwelling's DA incidents in the window: events with a suspect or victim record giving an address there."""
    out: dict[str, list[_PlaceIncident]] = defaultdict(list)
    for node in graph.graph["da_events"]:
        event = nodes_of(graph)[node]
        if event["date"] is None or not since <= event["date"] <= end:
            continue
        records = [(p, d) for p, keyed in pred_of(graph)[node].items() for d in keyed.values()
                   if d["kind"] == RECORD_EDGE and d["role"] in (SUSPECT, VICTIM)]
        places = {dwelling(d["address"]) for _, d in records if isinstance(d["address"], str)}
        for place in sorted(places):
            out[place].append(_PlaceIncident(
                date=event["date"],
                event=node,
                people=tuple(sorted({p for p, _ in records})),
                victims=tuple(sorted({p for p, d in records if d["role"] == VICTIM})),
                evidence=tuple(record_evidence(graph, d, event) for _, d in records),
            ))
    return out


def _households(graph: nx.MultiDiGraph, rules: FlagRules, incidents: list[_PlaceIncident]) -> list[list[str]]:
    """The people on the place's incidents in households.

    Joined when on one incident, on one social care episode (carer and child), or when
    their DA incidents there fall within ``household_overlap_days`` of each other. Their
    other records there are left out: a GP address is often years stale, and would make
    the family that moved out one household with the family that moved in.
    """
    joined = nx.Graph()
    seen: dict[str, list[date]] = defaultdict(list)
    for inc in incidents:
        joined.add_nodes_from(inc.people)
        joined.add_edges_from(zip(inc.people, inc.people[1:]))
        for person in inc.people:
            seen[person].append(inc.date)
    people = sorted(joined.nodes)
    for person in people:
        for other, keyed in succ_of(graph)[person].items():
            if EdgeKind.CARES_FOR in keyed and other in joined:
                joined.add_edge(person, other)
    periods = [(p, {"first_date": min(seen[p]), "last_date": max(seen[p])}) for p in people]
    for k, (a, seen_a) in enumerate(periods):
        for b, seen_b in periods[k + 1:]:
            if overlaps(seen_a, seen_b, rules.household_overlap_days):
                joined.add_edge(a, b)
    return sorted(sorted(c) for c in nx.connected_components(joined))


def dangerous_place(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """A dwelling with ``dangerous_place_min_incidents``+ DA incidents across ``dangerous_place_min_households``+ households.

    Counts incidents within ``dangerous_place_window_years`` before as_of. The flag is on
    the victim of the latest incident there (the household living with the place's
    history now), naming everyone on its incidents; parameters give the place, the
    households (by person) and the dates. With ``owners``, a place whose latest victim is
    not one of them is passed over before its households are worked out.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "dangerous_place_window_years", end)
    shared = _shared_dwellings(graph)
    flags = []
    for place, incidents in sorted(_incidents_at(graph, since, end).items()):
        if place in shared or len(incidents) < rules.dangerous_place_min_incidents:
            continue
        # One incident per event at a place: the order is total. Households do not depend on it.
        incidents.sort(key=lambda i: (i.date, i.event))
        latest = incidents[-1]
        flagged = latest.victims[0] if latest.victims else latest.people[0]
        if not judged(owners, flagged):
            continue
        households = _households(graph, rules, incidents)
        if len(households) < rules.dangerous_place_min_households:
            continue
        postcode, address = place.split("|", 1)
        flags.append(make_flag(
            FlagCode.DANGEROUS_PLACE,
            [flagged, *sorted({p for i in incidents for p in i.people} - {flagged})],
            f"Dangerous place: {rules.dangerous_place_min_incidents}+ DA incidents across "
            f"{rules.dangerous_place_min_households}+ households at one address within {rules.dangerous_place_window_years} years",
            {"window_years": rules.dangerous_place_window_years,
             "min_incidents": rules.dangerous_place_min_incidents,
             "min_households": rules.dangerous_place_min_households,
             "overlap_days": rules.household_overlap_days,
             "place": f"{address}, {postcode}" if postcode else address,
             "incidents": len(incidents), "households": len(households),
             "first": incidents[0].date.isoformat(), "last": latest.date.isoformat()},
            [e for i in incidents for e in i.evidence],
            rules,
        ))
    return flags
