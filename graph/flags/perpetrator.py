"""Perpetrator rules: serial perpetrator (MATAC) and repeat perpetrator with RFG(V)."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.flags.incidents import PairIncident, as_of, pair_incidents, years_before
from graph.flags.model import Flag, make_flag

__all__ = ["repeat_perpetrator", "serial_perpetrator"]


def _by_perp(graph: nx.MultiDiGraph, rules: FlagRules, years: int) -> tuple[dict[str, list[PairIncident]], str, str]:
    end = as_of(graph, rules)
    since = years_before(end, years)
    grouped: dict[str, list[PairIncident]] = defaultdict(list)
    for inc in pair_incidents(graph, end):
        if inc.date >= since:
            grouped[inc.perp].append(inc)
    return grouped, since.isoformat(), end.isoformat()


def serial_perpetrator(graph: nx.MultiDiGraph, rules: FlagRules) -> list[Flag]:
    """DA suspect against ``serial_min_victims``+ distinct victims in the window.

    The window is ``serial_window_years`` calendar years up to as_of, both ends
    inclusive (as the generator's truth counts it).
    """
    grouped, since, end = _by_perp(graph, rules, rules.serial_window_years)
    n, years = rules.serial_min_victims, rules.serial_window_years
    flags = []
    for perp, incs in grouped.items():
        victims = sorted({i.victim for i in incs})
        distinct = _distinct_victims(graph, victims) if rules.serial_same_dob_is_one_victim else len(victims)
        if distinct < n:
            continue
        flags.append(make_flag(
            FlagCode.SERIAL_PERPETRATOR,
            [perp, *victims],
            f"DA suspect against {n}+ distinct victims within {years} years",
            {"min_victims": n, "window_years": years, "since": since, "as_of": end,
             "victims": distinct, "victim_persons": len(victims), "incidents": len(incs),
             "same_dob_is_one_victim": rules.serial_same_dob_is_one_victim},
            [e for i in incs for e in i.evidence],
            rules,
        ))
    return flags


def _distinct_victims(graph: nx.MultiDiGraph, victims: list[str]) -> int:
    # Two victims of one perpetrator with one DOB are far likelier a missed link than
    # two people; an unknown DOB or conflicting sex keeps them apart.
    groups: list[tuple[object, set[str]]] = []
    for victim in victims:
        node = graph.nodes[victim] if victim in graph else {}
        dob, sex = node.get("dob"), node.get("sex")
        match = next((g for g in groups if dob is not None and g[0] == dob and (not sex or not g[1] or sex in g[1])), None)
        if match is None:
            groups.append((dob, {sex} if sex else set()))
        elif sex:
            match[1].add(sex)
    return len(groups)


def repeat_perpetrator(graph: nx.MultiDiGraph, rules: FlagRules) -> list[Flag]:
    """DA suspect on ``repeat_perpetrator_min_incidents``+ incidents in the lookback, scored by RFG(V).

    Components, each shown in the flag's parameters: recency = 1 - days since the
    latest incident / lookback days (0..1); frequency = incidents; gravity = sum of
    offence gravities; victims = distinct victims. Score = weighted sum.
    """
    grouped, since, end = _by_perp(graph, rules, rules.lookback_years)
    n = rules.repeat_perpetrator_min_incidents
    end_day = as_of(graph, rules)
    lookback_days = (end_day - years_before(end_day, rules.lookback_years)).days
    flags = []
    for perp, incs in grouped.items():
        # An occurrence with two victims is one incident for frequency and gravity.
        per_event = {i.evidence[0].unique_id: i for i in incs}
        if len(per_event) < n:
            continue
        latest = max(i.date for i in incs)
        recency = max(0.0, 1.0 - (end_day - latest).days / lookback_days)
        frequency = len(per_event)
        gravity = sum(rules.gravity(i.offence) for i in per_event.values())
        victims = sorted({i.victim for i in incs})
        score = (
            rules.rfg_weight_recency * recency + rules.rfg_weight_frequency * frequency
            + rules.rfg_weight_gravity * gravity + rules.rfg_weight_victims * len(victims)
        )
        flags.append(make_flag(
            FlagCode.REPEAT_PERPETRATOR,
            [perp, *victims],
            f"DA suspect on {n}+ incidents within {rules.lookback_years} years; RFG(V) score",
            {"min_incidents": n, "lookback_years": rules.lookback_years, "since": since, "as_of": end,
             "recency": round(recency, 4), "frequency": frequency, "gravity": gravity, "victims": len(victims),
             "weights": {"recency": rules.rfg_weight_recency, "frequency": rules.rfg_weight_frequency,
                         "gravity": rules.rfg_weight_gravity, "victims": rules.rfg_weight_victims}},
            [e for i in incs for e in i.evidence],
            rules,
            score=round(score, 4),
        ))
    return flags
