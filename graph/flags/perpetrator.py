"""Perpetrator rules: serial perpetrator (MATAC) and repeat perpetrator with RFG(V)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

import networkx as nx

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.flags.incidents import PairIncident, pair_incidents
from graph.flags.model import Flag, Owners, judged, make_flag
from graph.flags.same_victim import victim_groups
from graph.flags.windows import as_of, window_start

__all__ = ["repeat_perpetrator", "rescore_repeat_perpetrator", "serial_perpetrator"]


def _by_perp(graph: nx.MultiDiGraph, rules: FlagRules, window: str) -> dict[str, list[PairIncident]]:
    end = as_of(graph, rules)
    since = window_start(rules, window, end)
    grouped: dict[str, list[PairIncident]] = defaultdict(list)
    for inc in pair_incidents(graph, end):
        if inc.date >= since:
            grouped[inc.perp].append(inc)
    return grouped


def serial_perpetrator(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """DA suspect against ``serial_min_victims``+ distinct victims in the window.

    The window is ``serial_window_years`` calendar years up to as_of, both ends
    inclusive (as the generator's truth counts it). The flag is the suspect's, from his
    own incidents: with ``owners``, only theirs are judged.
    """
    grouped = _by_perp(graph, rules, "serial_window_years")
    n, years = rules.serial_min_victims, rules.serial_window_years
    flags = []
    for perp, incs in grouped.items():
        if not judged(owners, perp):
            continue
        victims = sorted({i.victim for i in incs})
        groups = victim_groups(graph, victims, rules)
        if len(groups) < n:
            continue
        flags.append(make_flag(
            FlagCode.SERIAL_PERPETRATOR,
            [perp, *victims],
            f"DA suspect against {n}+ distinct victims within {years} years",
            {"min_victims": n, "window_years": years, "victims": len(groups), "victim_persons": len(victims),
             "counted_as_one": [g for g in groups if len(g) > 1], "incidents": len(incs),
             "same_dob_is_one_victim": rules.serial_same_dob_is_one_victim,
             "same_name_is_one_victim": rules.serial_same_name_is_one_victim,
             "same_home_is_one_victim": rules.serial_same_home_is_one_victim},
            [e for i in incs for e in i.evidence],
            rules,
        ))
    return flags


def _rfg(rules: FlagRules, latest: date, end: date, frequency: int, gravity: float, victims: int) -> tuple[float, float]:
    # (recency, score): the one place the RFG(V) formula is written.
    lookback_days = (end - window_start(rules, "lookback_years", end)).days
    recency = max(0.0, 1.0 - (end - latest).days / lookback_days)
    score = (
        rules.rfg_weight_recency * recency + rules.rfg_weight_frequency * frequency
        + rules.rfg_weight_gravity * gravity + rules.rfg_weight_victims * victims
    )
    return recency, score


def repeat_perpetrator(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """DA suspect on ``repeat_perpetrator_min_incidents``+ incidents in the lookback, scored by RFG(V).

    Components, each shown in the flag's parameters: recency = 1 - days since the
    latest incident / lookback days (0..1); frequency = incidents; gravity = sum of
    offence gravities; victims = distinct victims. Score = weighted sum. The flag is
    the suspect's, from his own incidents: with ``owners``, only theirs are judged.
    """
    grouped = _by_perp(graph, rules, "lookback_years")
    n = rules.repeat_perpetrator_min_incidents
    end = as_of(graph, rules)
    flags = []
    for perp, incs in grouped.items():
        if not judged(owners, perp):
            continue
        # An occurrence with two victims is one incident for frequency and gravity.
        per_event = {i.evidence[0].unique_id: i for i in incs}
        if len(per_event) < n:
            continue
        latest = max(i.date for i in incs)
        frequency = len(per_event)
        gravity = sum(rules.gravity(i.offence) for i in per_event.values())
        victims = sorted({i.victim for i in incs})
        recency, score = _rfg(rules, latest, end, frequency, gravity, len(victims))
        flags.append(make_flag(
            FlagCode.REPEAT_PERPETRATOR,
            [perp, *victims],
            f"DA suspect on {n}+ incidents within {rules.lookback_years} years; RFG(V) score",
            {"min_incidents": n, "lookback_years": rules.lookback_years, "latest_incident": latest.isoformat(),
             "recency": round(recency, 4), "frequency": frequency, "gravity": gravity, "victims": len(victims),
             "weights": {"recency": rules.rfg_weight_recency, "frequency": rules.rfg_weight_frequency,
                         "gravity": rules.rfg_weight_gravity, "victims": rules.rfg_weight_victims}},
            [e for i in incs for e in i.evidence],
            rules,
            score=round(score, 4),
        ))
    return flags


def rescore_repeat_perpetrator(
    parameters: Mapping[str, Any], rules: FlagRules, end: date
) -> tuple[dict[str, Any], float]:
    """A repeat perpetrator flag's parameters and score at another as_of, its incidents unchanged.

    Only recency depends on as_of, so a flag whose incidents all stay in the window
    is rescored from its own parameters instead of re-running the rule.

    Args:
        parameters: The flag's parameters as the rule wrote them.
        rules: The config the flag was raised under.
        end: The new as_of.

    Returns:
        The updated parameters and score, equal to what the rule would give at ``end``.
    """
    latest = date.fromisoformat(parameters["latest_incident"])
    recency, score = _rfg(
        rules, latest, end, parameters["frequency"], parameters["gravity"], parameters["victims"]
    )
    return {**parameters, "recency": round(recency, 4)}, round(score, 4)
