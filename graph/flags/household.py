"""Household rules: a child living with DA, and a known perpetrator joining a household with children.

"Living with" is what linkage shows: a shared standardised address with seen periods no
more than ``household_overlap_days`` apart, or a parent / carer -> child social care
edge. A child is a person under 18 at as_of by DOB, or with no DOB and a social care
record as the child.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta

import networkx as nx

from graph.codes import CARER_ROLES, CARES_FOR_EDGE, CHILD, LIVES_AT_EDGE, RECORD_EDGE, SOCIAL_CARE, EdgeKind, FlagCode
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, pred_of, succ_of
from graph.flags.incidents import EVIDENCE_CACHE, PairIncident, pair_incidents, record_evidence
from graph.flags.model import Evidence, Flag, Owners, judged, make_flag
from graph.flags.windows import adult_born_by, as_of, window_start

__all__ = [
    "CACHES",
    "ChildTest",
    "child_in_da_household",
    "overlaps",
    "perpetrator_joins_household",
    "person_records",
    "records_at",
]

#: Where :func:`person_records` keeps what it has read, in ``graph.graph`` (:func:`graph.flags.run_flags` clears it).
RECORDS_CACHE = "_person_records"
#: Where :func:`records_at` keeps its answers, in ``graph.graph``.
RECORDS_AT_CACHE = "_records_at"
#: Every per-graph cache of the rules, which :func:`graph.flags.run_flags` clears before it runs them.
CACHES = (RECORDS_CACHE, RECORDS_AT_CACHE, EVIDENCE_CACHE)


def person_records(graph: nx.MultiDiGraph, person: str) -> list[tuple[dict, dict]]:
    """A person's record edges, each with its event node's attributes.

    Kept per graph: the household, toxic trio and SPECSS+ rules ask for the same people's
    records tens of thousands of times at 1M people, and walking networkx's adjacency views
    each time cost more than the rules' own logic. The list is shared: callers must not change it.
    """
    cache = graph.graph.setdefault(RECORDS_CACHE, {})
    records = cache.get(person)
    if records is None:
        nodes = nodes_of(graph)
        records = cache[person] = [
            (d, nodes[event]) for event, keyed in succ_of(graph)[person].items()
            for d in keyed.values() if d["kind"] == RECORD_EDGE
        ]
    return records


def records_at(graph: nx.MultiDiGraph, person: str, address: str) -> list[Evidence]:
    """Evidence for the person's records that give ``address``.

    Kept per graph, as :func:`person_records` is: a household's adults are placed again
    for each of its children. The list is shared: callers must not change it.
    """
    cache = graph.graph.get(RECORDS_AT_CACHE)
    if cache is None:
        cache = graph.graph[RECORDS_AT_CACHE] = {}
    found = cache.get((person, address))
    if found is None:
        found = cache[person, address] = [
            record_evidence(graph, r, e) for r, e in person_records(graph, person) if r["address"] == address
        ]
    return found


#: ``timedelta(days=n)`` by ``n``, for :func:`overlaps`.
_GAPS: dict[int, timedelta] = {}


def overlaps(a: dict, b: dict, days: int) -> bool:
    """Whether two lives_at edges' seen periods are ``days`` or fewer apart (undated: no)."""
    # Called tens of thousands of times a run: each date read once, and one timedelta per length.
    a_first, a_last, b_first, b_last = a["first_date"], a["last_date"], b["first_date"], b["last_date"]
    if a_first is None or a_last is None or b_first is None or b_last is None:
        return False
    gap = _GAPS.get(days)
    if gap is None:
        gap = _GAPS[days] = timedelta(days=days)
    return a_first - b_last <= gap and b_first - a_last <= gap


class ChildTest:
    """Who is a child at as_of, cached per person.

    A known DOB decides (under 18 at as_of); without one, a social care record in the
    child role does, since social care only records children in that role.
    """

    def __init__(self, graph: nx.MultiDiGraph, end: date) -> None:
        self._graph = graph
        self._born_after = adult_born_by(end)
        self._cache: dict[str, bool] = {}

    def __call__(self, person: str) -> bool:
        known = self._cache.get(person)
        if known is None:
            dob = nodes_of(self._graph)[person].get("dob")
            if dob is not None:
                known = dob > self._born_after
            else:
                known = any(
                    r["role"] == CHILD and r["source"] == SOCIAL_CARE for r, _ in person_records(self._graph, person)
                )
            self._cache[person] = known
        return known


def _lives_at(graph: nx.MultiDiGraph, person: str) -> list[tuple[str, dict]]:
    return [(addr, keyed[LIVES_AT_EDGE]) for addr, keyed in succ_of(graph)[person].items() if LIVES_AT_EDGE in keyed]


def _shared_episodes(graph: nx.MultiDiGraph, adult: str, child: str) -> list[Evidence]:
    # The social care episodes behind a cares_for edge: the adult as carer, the child as child.
    nodes = nodes_of(graph)
    out = []
    for event, keyed in succ_of(graph)[child].items():
        mine = [d for d in keyed.values() if d["kind"] == RECORD_EDGE and d["role"] == CHILD]
        carers = [d for d in succ_of(graph)[adult].get(event, {}).values()
                  if d["kind"] == RECORD_EDGE and d["source"] == SOCIAL_CARE and d["role"] in CARER_ROLES]
        if mine and carers:
            out += [record_evidence(graph, d, nodes[event]) for d in mine + carers]
    return out


def _latest_plan(graph: nx.MultiDiGraph, child: str) -> tuple[bool, str | None, date | None]:
    # (known to social care, plan on the latest episode, its date).
    episodes = sorted(
        ((r["date"] or date.min, e.get("plan_type")) for r, e in person_records(graph, child) if r["source"] == SOCIAL_CARE),
        key=lambda p: p[0],
    )
    if not episodes:
        return False, None, None
    when, plan = episodes[-1]
    return True, plan, when


def child_in_da_household(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """A child living with an adult who was a DA suspect or victim within ``serial_window_years``.

    Severity rises by ``child_plan_severity_bonus`` when the child's latest social care
    episode is on one of ``child_plan_types``, and by ``no_social_care_severity_bonus``
    when social care has no record of the child at all (the gap only linkage shows).
    Evidence: the adults' DA records in the window, and the records that place the
    child and the adult at the shared address or on the shared episode. The flag is the
    child's, from the adults they live with: with ``owners``, only their children are placed.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "serial_window_years", end)
    is_child = ChildTest(graph, end)
    da: dict[str, list[Evidence]] = defaultdict(list)
    roles: dict[str, set[str]] = defaultdict(set)
    for inc in pair_incidents(graph, end):
        if inc.date >= since:
            da[inc.perp].append(inc.evidence[0])
            da[inc.victim].append(inc.evidence[1])
            roles[inc.perp].add("perpetrator")
            roles[inc.victim].add("victim")
    # child -> adult -> how they are linked, with the placing evidence.
    links: dict[str, dict[str, dict[str, list[Evidence]]]] = defaultdict(lambda: defaultdict(dict))
    for adult in sorted(da):
        if is_child(adult):
            continue
        for addr, mine in _lives_at(graph, adult):
            for child, keyed in pred_of(graph)[addr].items():
                theirs = keyed.get(LIVES_AT_EDGE)
                if (
                    child != adult and theirs and judged(owners, child)
                    and overlaps(mine, theirs, rules.household_overlap_days) and is_child(child)
                ):
                    links[child][adult].setdefault("address", []).extend(
                        records_at(graph, child, addr) + records_at(graph, adult, addr)
                    )
        for child, keyed in succ_of(graph)[adult].items():
            if CARES_FOR_EDGE in keyed and judged(owners, child) and is_child(child):
                links[child][adult].setdefault("social_care", []).extend(_shared_episodes(graph, adult, child))
    flags = []
    for child in sorted(links):
        adults = sorted(links[child])
        known, plan, plan_date = _latest_plan(graph, child)
        on_plan = plan in rules.child_plan_types
        bonus = rules.child_plan_severity_bonus if on_plan else (0 if known else rules.no_social_care_severity_bonus)
        flag = make_flag(
            FlagCode.CHILD_IN_DA_HOUSEHOLD,
            [child, *adults],
            f"Child living with a DA suspect or victim (DA within {rules.serial_window_years} years; "
            f"shared address within {rules.household_overlap_days} days, or social care carer)",
            {"window_years": rules.serial_window_years,
             "overlap_days": rules.household_overlap_days,
             "adults": [{"person_id": a, "da_roles": sorted(roles[a]), "via": sorted(links[child][a])} for a in adults],
             "child_plan": plan if on_plan else None,
             "child_plan_date": plan_date.isoformat() if on_plan and plan_date else None,
             "no_social_care": not known, "severity_bonus": bonus},
            [e for a in adults for e in da[a]] + [e for a in adults for ev in links[child][a].values() for e in ev],
            rules,
        )
        flags.append(dataclasses.replace(flag, severity=flag.severity + bonus) if bonus else flag)
    return flags


def perpetrator_joins_household(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """A known DA perpetrator first seen at an address where children already live.

    The perpetrator's first seen date there falls within ``joins_lookback_days`` before
    as_of and after a DA incident as suspect; each child was first seen there earlier
    and last seen no more than ``household_overlap_days`` before the perpetrator came.
    The flag is the perpetrator's, one per address: with ``owners``, only theirs are judged.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "joins_lookback_days", end)
    gap = timedelta(days=rules.household_overlap_days)
    is_child = ChildTest(graph, end)
    by_perp: dict[str, list[PairIncident]] = defaultdict(list)
    for inc in pair_incidents(graph, end):
        if judged(owners, inc.perp):
            by_perp[inc.perp].append(inc)
    flags = []
    for perp in sorted(by_perp):
        for addr, mine in _lives_at(graph, perp):
            joined = mine["first_date"]
            if joined is None or not since <= joined <= end:
                continue
            prior = [i for i in by_perp[perp] if i.date < joined]
            if not prior:
                continue
            children = sorted(
                child for child, keyed in pred_of(graph)[addr].items()
                if child != perp and (theirs := keyed.get(EdgeKind.LIVES_AT))
                and theirs["first_date"] is not None and theirs["first_date"] < joined
                and theirs["last_date"] + gap >= joined and is_child(child)
            )
            if not children:
                continue
            flags.append(make_flag(
                FlagCode.PERPETRATOR_JOINS_HOUSEHOLD,
                [perp, *children],
                f"Known DA perpetrator newly seen (within {rules.joins_lookback_days} days) at an address where children live",
                {"lookback_days": rules.joins_lookback_days,
                 "overlap_days": rules.household_overlap_days, "joined": joined.isoformat(),
                 "prior_incidents": len({i.evidence[0].unique_id for i in prior}),
                 "last_prior_incident": max(i.date for i in prior).isoformat(), "children": len(children)},
                [i.evidence[0] for i in prior] + records_at(graph, perp, addr)
                + [e for c in children for e in records_at(graph, c, addr)],
                rules,
            ))
    return flags
