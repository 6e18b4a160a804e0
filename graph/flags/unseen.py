"""Unseen men: an adult male living with a child on a plan, known to police, absent from the child's social care record.

National reviews keep finding fathers, stepfathers and partners who live with a child,
are known to police for domestic abuse or violence, and appear nowhere on the child's
social care record. Each agency sees its part; only linkage shows the gap.

"Living with" is the households' test (:mod:`graph.flags.household`): a shared
standardised address, not a shared one such as a hostel, with seen periods no more
than ``household_overlap_days`` apart. The child's case is open when the latest social
care episode on or before as_of is one of ``unseen_men.plan_types`` and is dated within
``unseen_men.window_years``. The man is male by his resolved record, not a child at
as_of (see :class:`~graph.flags.household.ChildTest`), and a suspect on a police DA record,
or on one whose offence is violence (``unseen_men.offences``), within the same window.
His DA suspect records alone do not place him at their address unless ``unseen_men.suspect_records_place``
(police often record a suspect at the victim's home, where the incident was): another of his
records must give that dwelling, in any spelling (postcode and first two words). He is unseen when no social care episode of the child has a record of him in any role.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import networkx as nx

from graph.codes import CHILD, MALE, POLICE, SOCIAL_CARE, SUSPECT, EdgeKind, FlagCode
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, pred_of, succ_of
from graph.flags.dwelling import dwelling
from graph.flags.household import ChildTest, overlaps, person_records, records_at
from graph.flags.incidents import record_evidence
from graph.flags.model import Evidence, Flag, Owners, judged, make_flag
from graph.flags.windows import as_of, window_start

__all__ = ["unseen_man"]


def _police_record(graph: nx.MultiDiGraph, man: str, rules: FlagRules, since: date, end: date) -> tuple[list[Evidence], set[str]]:
    """The man's police records as a DA or violence suspect in the window, and which of the two they show."""
    offences = [o.lower() for o in rules.unseen_men.offences]
    evidence, kinds = [], set()
    for rec, event in person_records(graph, man):
        when = rec["date"] or event.get("date")
        if rec["agency"] != POLICE or rec["role"] != SUSPECT or when is None or not since <= when <= end:
            continue
        offence = (event.get("event_type") or "").lower()
        if event.get("domestic_abuse"):
            kinds.add("domestic_abuse")
        elif any(o in offence for o in offences):
            kinds.add("violence")
        else:
            continue
        evidence.append(record_evidence(graph, rec, event))
    return evidence, kinds


def _open_case(graph: nx.MultiDiGraph, child: str, rules: FlagRules, since: date, end: date) -> tuple[str, Evidence] | None:
    """The child's plan and its record, when the latest episode on or before as_of is a listed plan in the window."""
    episodes = sorted(
        ((r["date"], r["unique_id"]), r, e) for r, e in person_records(graph, child)
        if r["source"] == SOCIAL_CARE and r["role"] == CHILD and r["date"] is not None and r["date"] <= end
    )
    if not episodes:
        return None
    (when, _), rec, event = episodes[-1]
    plan = event.get("plan_type")
    if plan not in rules.unseen_men.plan_types or when < since:
        return None
    return plan, record_evidence(graph, rec, event)


def _seen_at(graph: nx.MultiDiGraph, man: str, address: str, rules: FlagRules) -> tuple[dict, list[Evidence]] | None:
    """The man's seen period at an address (as a lives_at edge has it) and the records placing him there.

    Unless ``unseen_men.suspect_records_place``, a DA suspect record gives where the
    incident was (often the victim's home), not where he lives: he lives at the address
    only if another of his records gives its dwelling (any spelling of it).
    """
    home = dwelling(address)
    mine = [(rec, event) for rec, event in person_records(graph, man) if isinstance(rec["address"], str)]
    suspect = lambda rec, event: rec["role"] == SUSPECT and bool(event.get("domestic_abuse"))  # noqa: E731
    lives = [(r, e) for r, e in mine if dwelling(r["address"]) == home and not suspect(r, e)]
    if not lives and not rules.unseen_men.suspect_records_place:
        return None
    kept = [(r, e) for r, e in mine if r["address"] == address] + [(r, e) for r, e in lives if r["address"] != address]
    dated = [r["date"] for r, _ in kept if r["date"] is not None]
    if not dated:
        return None
    return {"first_date": min(dated), "last_date": max(dated)}, [record_evidence(graph, r, e) for r, e in kept]


def _social_care_events(graph: nx.MultiDiGraph, person: str) -> set[str]:
    return {
        event for event, keyed in succ_of(graph)[person].items()
        if any(d["kind"] == EdgeKind.RECORD and d["source"] == SOCIAL_CARE for d in keyed.values())
    }


def _homes_of_children_on_plans(
    graph: nx.MultiDiGraph, rules: FlagRules, is_child: ChildTest, since: date, end: date
) -> set[str]:
    """The addresses where a child whose case is open (:func:`_open_case`) lives: the only places an unseen man can be."""
    nodes = nodes_of(graph)
    plans = set(rules.unseen_men.plan_types)
    on_plans = {p for n in graph.graph["plan_events"] if nodes[n].get("plan_type") in plans for p in pred_of(graph)[n]}
    return {
        addr for child in on_plans if is_child(child) and _open_case(graph, child, rules, since, end) is not None
        for addr, keyed in succ_of(graph)[child].items() if EdgeKind.LIVES_AT in keyed
    }


def unseen_man(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """Adult men known to police for DA or violence, living with a child on a plan, on none of the child's episodes.

    One flag per man: the man first, then the children. Parameters name each child with
    their plan and its date, and what the police records show (DA, violence). Evidence:
    the man's police records, the child's latest episode, and the records placing both
    at the shared address; the weakest link is the lowest among them. The flag is the man's:
    with ``owners``, only they are judged.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "unseen_men.window_years", end)
    is_child = ChildTest(graph, end)
    nodes = nodes_of(graph)
    homes = _homes_of_children_on_plans(graph, rules, is_child, since, end)
    # Only men living where such a child lives can be flagged: reading every man's records
    # (a fifth of a million at 1M people) cost seconds for a few dozen flags.
    candidates = {
        p for addr in homes for p, keyed in pred_of(graph)[addr].items()
        if EdgeKind.LIVES_AT in keyed and nodes[p].get("sex") == MALE and judged(owners, p)
    }
    flags = []
    for man in sorted(candidates):
        if is_child(man):
            continue
        police, kinds = _police_record(graph, man, rules, since, end)
        if not police:
            continue
        mine_sc = _social_care_events(graph, man)
        children: dict[str, tuple[str, Evidence]] = {}
        placing: dict[str, list[Evidence]] = defaultdict(list)
        for addr, keyed in succ_of(graph)[man].items():
            if addr not in homes or EdgeKind.LIVES_AT not in keyed or (seen := _seen_at(graph, man, addr, rules)) is None:
                continue
            mine, placed = seen
            for child, theirs_keyed in pred_of(graph)[addr].items():
                theirs = theirs_keyed.get(EdgeKind.LIVES_AT)
                if child == man or theirs is None or not overlaps(mine, theirs, rules.household_overlap_days):
                    continue
                if not is_child(child) or _social_care_events(graph, child) & mine_sc:
                    continue
                case = children.get(child) or _open_case(graph, child, rules, since, end)
                if case is None:
                    continue
                children[child] = case
                placing[child] += records_at(graph, child, addr) + placed
        if not children:
            continue
        ordered = sorted(children)
        flags.append(make_flag(
            FlagCode.UNSEEN_MAN,
            [man, *ordered],
            f"Unseen man: adult male known to police for DA or violence (within {rules.unseen_men.window_years} years), "
            f"living with a child on {' or '.join(rules.unseen_men.plan_types)}, on none of the child's social care records "
            f"(shared address within {rules.household_overlap_days} days)",
            {"window_years": rules.unseen_men.window_years, "overlap_days": rules.household_overlap_days,
             "police": sorted(kinds), "police_records": len({e.unique_id for e in police}),
             "children": [
                 {"person_id": c, "plan": children[c][0], "plan_date": children[c][1].event_date.isoformat()}
                 for c in ordered
             ]},
            police + [children[c][1] for c in ordered] + [e for c in ordered for e in placing[c]],
            rules,
        ))
    return flags
