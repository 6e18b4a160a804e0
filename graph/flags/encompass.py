"""Operation Encompass: a child present at a DA incident, the list a force sends to schools.

A child is present when recorded on the incident in one of the configured roles
(witness, involved), or when living at the incident address on its date. The incident
address is where its victim was recorded, in any spelling of that dwelling (postcode and the
address's first two words); a child lives there on the date when their own records
there, widened by ``household_overlap_days`` each side, span it. Shared
addresses (refuges, hostels, 'no fixed abode') have no lives_at edges, so nobody is
placed at an incident there by address, as no household forms there.

A child is under 18 on the incident's date by DOB; without a DOB, a person with a
social care record as the child. Age is judged on the incident's date, not as_of, so
a school is told about the child the incident happened to.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import networkx as nx

from graph.codes import CHILD, LIVES_AT_EDGE, RECORD_EDGE, SOCIAL_CARE, SUSPECT, VICTIM, FlagCode
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, pred_of
from graph.flags.dwelling import dwelling_addresses
from graph.flags.household import person_records, records_at
from graph.flags.incidents import record_evidence
from graph.flags.model import Evidence, Flag, Owners, judged, make_flag
from graph.flags.windows import adult_born_by, as_of, window_start

__all__ = ["AT_ADDRESS", "child_at_da_incident"]

#: How a child placed at an incident by address (not recorded on it) is described.
AT_ADDRESS = "lives at the address"


class _ChildOn:
    """Whether a person is a child on a given day: a DOB decides, else a social care child record."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self._graph = graph
        self._no_dob: dict[str, bool] = {}

    def __call__(self, person: str, day: date) -> bool:
        dob = nodes_of(self._graph)[person].get("dob")
        if dob is not None:
            return adult_born_by(day) < dob <= day
        known = self._no_dob.get(person)
        if known is None:
            known = self._no_dob[person] = any(
                r["role"] == CHILD and r["source"] == SOCIAL_CARE for r, _ in person_records(self._graph, person)
            )
        return known


def child_at_da_incident(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """Children present at a DA incident within ``child_at_da_incident.window_days`` before as_of.

    One flag per child: the child first, then the incidents' victims and suspects.
    Parameters list each incident (date, occurrence reference, how the child was there:
    the recorded role or :data:`AT_ADDRESS`, and its victims) for the schools export.
    Evidence: the incident's victim and suspect records, the child's own record on it,
    and, when placed by address, the child's records at that address. The flag is the
    child's: with ``owners``, only they are looked for at each incident.
    """
    cfg = rules.child_at_da_incident
    end = as_of(graph, rules)
    since = window_start(rules, "child_at_da_incident.window_days", end)
    gap = timedelta(days=rules.household_overlap_days)
    child_on = _ChildOn(graph)
    nodes = nodes_of(graph)
    # child -> occurrence node -> (how present, evidence)
    found: dict[str, dict[str, tuple[set[str], list[Evidence]]]] = defaultdict(dict)
    others: dict[str, dict[str, list[str]]] = defaultdict(lambda: {VICTIM: [], SUSPECT: []})
    for node in graph.graph["da_events"]:
        event = nodes[node]
        when = event["date"]
        if when is None or not since <= when <= end or event.get("agency") not in cfg.agencies:
            continue
        records = [(p, d) for p, keyed in pred_of(graph)[node].items() for d in keyed.values() if d["kind"] == RECORD_EDGE]
        core = [(p, d) for p, d in records if d["role"] in (VICTIM, SUSPECT)]
        suspects = {p for p, d in core if d["role"] == SUSPECT}
        present: dict[str, tuple[set[str], list[Evidence]]] = {}
        for person, rec in records:
            if rec["role"] in cfg.roles and person not in suspects and judged(owners, person) and child_on(person, when):
                how, ev = present.setdefault(person, (set(), []))
                how.add(rec["role"])
                ev.append(record_evidence(graph, rec, event))
        victim_at = {d["address"] for _, d in core if d["role"] == VICTIM and isinstance(d["address"], str)}
        for address in sorted({a for v in victim_at for a in dwelling_addresses(graph, v)}):
            for person, keyed in pred_of(graph)[address].items():
                seen = keyed.get(LIVES_AT_EDGE)
                if (
                    seen is None or person in suspects or not judged(owners, person) or seen["first_date"] is None
                    or not seen["first_date"] - gap <= when <= seen["last_date"] + gap or not child_on(person, when)
                ):
                    continue
                how, ev = present.setdefault(person, (set(), []))
                how.add(AT_ADDRESS)
                ev.extend(records_at(graph, person, address))
        if present:
            base = [record_evidence(graph, d, event) for _, d in core]
            for child, (how, ev) in present.items():
                found[child][node] = (how, base + ev)
        for person, rec in core:
            others[node][rec["role"]].append(person)
    flags = []
    for child in sorted(found):
        incidents = sorted(found[child], key=lambda n: (nodes[n]["date"], n))
        involved = [p for n in incidents for role in (VICTIM, SUSPECT) for p in others[n][role] if p != child]
        flags.append(make_flag(
            FlagCode.CHILD_AT_DA_INCIDENT,
            [child, *involved],
            f"Child present at a DA incident (Operation Encompass; within {cfg.window_days} days: "
            f"recorded as {' or '.join(cfg.roles)}, or living at the incident address within "
            f"{rules.household_overlap_days} days of it)",
            {"window_days": cfg.window_days, "overlap_days": rules.household_overlap_days,
             "incidents": [
                 {"date": nodes[n]["date"].isoformat(), "occurrence": nodes[n].get("event_id"),
                  "presence": sorted(found[child][n][0]),
                  "victims": [{"person_id": v} for v in sorted(set(others[n][VICTIM]) - {child})]}
                 for n in incidents
             ],
             "latest_incident": nodes[incidents[-1]]["date"].isoformat()},
            [e for n in incidents for e in found[child][n][1]],
            rules,
        ))
    return flags
