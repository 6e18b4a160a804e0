"""Rules that need health and social care markers: pregnancy and DA, and the toxic trio.

Both usually exist only because records from different agencies were linked: a
pregnancy is seen in maternity records and DA in police ones; mental-health and
substance-misuse involvement sit with health services or social care.
"""

from __future__ import annotations

from functools import partial

from collections import defaultdict
from datetime import date

import networkx as nx

from graph.codes import CARER_ROLES, LIVES_AT_EDGE, PATIENT, RECORD_EDGE, SOCIAL_CARE, SUSPECT, VICTIM, EdgeKind, FlagCode, NodeKind
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, pred_of, succ_of
from graph.flags.household import ChildTest, overlaps, person_records, records_at
from graph.flags.incidents import record_evidence, victim_incidents
from graph.flags.model import Evidence, Flag, Owners, judged, make_flag
from graph.flags.windows import as_of, window_start

__all__ = ["pregnancy_and_da", "toxic_trio"]

DOMESTIC_ABUSE = "domestic_abuse"
MENTAL_HEALTH = "mental_health"
SUBSTANCE_MISUSE = "substance_misuse"
#: The three parts of the toxic trio, in the order parameters list them.
TRIO = (DOMESTIC_ABUSE, MENTAL_HEALTH, SUBSTANCE_MISUSE)
#: Roles on a DA event that make it the person's own DA record (not a witness's).
_DA_ROLES = frozenset((SUSPECT, VICTIM, PATIENT, *CARER_ROLES))


def _record_date(record: dict, event: dict) -> date | None:
    return record["date"] or event.get("date")


def pregnancy_and_da(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """A DA victim with a maternity record ``pregnancy_window_days`` or fewer before or after a DA incident.

    A maternity record is a health record on one of ``maternity_services`` or with the
    pregnancy marker set. Evidence: the maternity records and the incidents they are
    near, so the flag is cross-agency when police saw the incident. The flag is the victim's,
    from her own records: with ``owners``, only theirs are judged.
    """
    end = as_of(graph, rules)
    days = rules.pregnancy_window_days
    flags = []
    for victim, incidents in sorted(victim_incidents(graph, rules, end, owners).items()):
        maternity = [
            (when, record_evidence(graph, r, e)) for r, e in person_records(graph, victim)
            if (r["pregnancy"] or e.get("service") in rules.maternity_services)
            and (when := _record_date(r, e)) is not None and when <= end
        ]
        near = [(when, ev, inc) for when, ev in maternity for inc in incidents if abs((when - inc.date).days) <= days]
        if not near:
            continue
        closest = min(abs((when - inc.date).days) for when, _, inc in near)
        flags.append(make_flag(
            FlagCode.PREGNANCY_AND_DA,
            [victim],
            f"DA victim with a maternity record within {days} days of a DA incident",
            {"window_days": days,
             "maternity_records": len({ev.unique_id for _, ev, _ in near}),
             "incidents": len({inc.date for _, _, inc in near}), "closest_days": closest,
             "maternity_services": list(rules.maternity_services)},
            [ev for _, ev, _ in near] + [e for _, _, inc in near for e in inc.evidence],
            rules,
        ))
    return flags


def _involvement(
    graph: nx.MultiDiGraph, rules: FlagRules, person: str, since: date, end: date
) -> dict[str, list[Evidence]]:
    # The person's own records in the window showing each part of the trio.
    found: dict[str, list[Evidence]] = defaultdict(list)
    for rec, event in person_records(graph, person):
        when = _record_date(rec, event)
        if when is None or not since <= when <= end:
            continue
        service = event.get("service")
        parts = (
            (DOMESTIC_ABUSE, event["domestic_abuse"] and rec["role"] in _DA_ROLES),
            (MENTAL_HEALTH, rec["mental_health"] or service in rules.mental_health_services),
            (SUBSTANCE_MISUSE, rec["substance_misuse"] or service in rules.substance_misuse_services),
        )
        for part, shown in parts:
            if shown:
                found[part].append(record_evidence(graph, rec, event))
    return found


def _latest(evidence: list[Evidence]) -> list[Evidence]:
    # One record per adult and part keeps the evidence readable; the latest is the most relevant.
    return [max(evidence, key=lambda e: (e.event_date or date.min, e.unique_id))]


def _households(graph: nx.MultiDiGraph, anchor: str, rules: FlagRules, since: date, end: date):
    # Households around one DA adult: people at each of their addresses seen within
    # household_overlap_days of them, and the people on each of their social care
    # episodes in the window. Yields (kind, members, placing) where placing(person)
    # gives the records that put them there: built only for households that flag,
    # as most candidate households do not. Addresses and episodes come in node order,
    # not the graph's insertion order, so a tie between households (the caller keeps
    # the first) does not depend on the order records arrived in.
    around = sorted(succ_of(graph)[anchor].items())
    preds, days = pred_of(graph), rules.household_overlap_days
    for addr, keyed in around:
        mine = keyed.get(LIVES_AT_EDGE)
        if mine is None:
            continue
        members = [p for p, k in preds[addr].items()
                   if p == anchor or ((theirs := k.get(LIVES_AT_EDGE)) is not None and overlaps(mine, theirs, days))]
        yield "address", members, partial(records_at, graph, address=addr)
    nodes = nodes_of(graph)
    for event, keyed in around:
        node = nodes[event]
        if node["kind"] != NodeKind.EVENT or node.get("source") != SOCIAL_CARE or not since <= (node["date"] or date.min) <= end:
            continue
        yield "social_care_episode", list(pred_of(graph)[event]), partial(_episode_records, graph, event)


def _episode_records(graph: nx.MultiDiGraph, event: str, person: str) -> list[Evidence]:
    node = nodes_of(graph)[event]
    return [record_evidence(graph, d, node) for d in pred_of(graph)[event][person].values() if d["kind"] == EdgeKind.RECORD]


def _near(graph: nx.MultiDiGraph, anchor: str, owners: frozenset[str]) -> bool:
    """Whether an owner is the anchor or on one of its addresses or events: in every household :func:`_households` can find."""
    preds = pred_of(graph)
    return anchor in owners or any(not owners.isdisjoint(preds[node]) for node in succ_of(graph)[anchor])


def toxic_trio(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """DA, mental-health and substance-misuse involvement among the adults of one household.

    Each part may come from a different adult and agency, from their own records within
    ``toxic_trio_window_years``. A household is the people at one address seen within
    ``household_overlap_days`` of a DA adult, or the people on one social care episode;
    it needs two or more people. One flag per child in the household, else one naming
    the adults who supplied the parts (DA first); a person in several such households
    gets one flag, for the household naming the most adults. Parameters name who and which agency supplied each part.

    A household's flags are its members' (a child, or the first DA supplier), and a person's
    flag is chosen among the households they are in: with ``owners``, a household with no
    owner in it is passed over, as none of its flags would be kept, and so is an anchor with
    no owner at its addresses or events, as none of its households can hold one.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "toxic_trio_window_years", end)
    is_child = ChildTest(graph, end)
    involvement: dict[str, dict[str, list[Evidence]]] = {}

    def involved(person: str) -> dict[str, list[Evidence]]:
        if person not in involvement:
            involvement[person] = _involvement(graph, rules, person, since, end)
        return involvement[person]

    anchors = set()
    for node in graph.graph["da_events"]:
        event = nodes_of(graph)[node]
        if event["date"] is not None and since <= event["date"] <= end:
            anchors.update(p for p, keyed in pred_of(graph)[node].items() if any(
                d["kind"] == RECORD_EDGE and d["role"] in _DA_ROLES for d in keyed.values()))
    flags: dict[str, Flag] = {}
    for anchor in sorted(anchors):
        if owners is not None and not _near(graph, anchor, owners):
            continue
        if is_child(anchor) or DOMESTIC_ABUSE not in involved(anchor):
            continue
        for kind, placed, placing in _households(graph, anchor, rules, since, end):
            if len(placed) < 2 or (owners is not None and owners.isdisjoint(placed)):
                continue
            adults = sorted(p for p in placed if not is_child(p))
            suppliers = {part: [a for a in adults if part in involved(a)] for part in TRIO}
            if not all(suppliers.values()):
                continue
            children = sorted(p for p in placed if is_child(p))
            named = sorted({a for who in suppliers.values() for a in who})
            evidence = [e for part, who in suppliers.items() for a in who for e in _latest(involved(a)[part])]
            parameters = {
                "window_years": rules.toxic_trio_window_years,
                "household": kind, "overlap_days": rules.household_overlap_days, "children": len(children),
                **{part: [{"person_id": a, "agencies": sorted({e.agency for e in involved(a)[part]})} for a in who]
                   for part, who in suppliers.items()},
            }
            rule = (f"Toxic trio: DA, mental-health and substance-misuse involvement among one household's adults "
                    f"within {rules.toxic_trio_window_years} years")
            for flagged in [[c] for c in children] or [suppliers[DOMESTIC_ABUSE][:1]]:
                # One flag per person: of several households, the one naming the most adults.
                if not judged(owners, flagged[0]):
                    continue
                held = flags.get(flagged[0])
                if held is not None and len(held.person_ids) >= len({*flagged, *named}):
                    continue
                placed_by = [e for p in sorted({*flagged, *named}) for e in placing(p)]
                flags[flagged[0]] = make_flag(
                    FlagCode.TOXIC_TRIO, [*flagged, *named], rule, parameters, evidence + placed_by, rules
                )
    return list(flags.values())
