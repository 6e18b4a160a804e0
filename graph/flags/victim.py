"""Victim rules: repeat victim, and MARAC potential escalation."""

from __future__ import annotations

import networkx as nx

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.flags.incidents import Incident, victim_incidents
from graph.flags.model import Flag, Owners, make_flag
from graph.flags.windows import as_of, window_start

__all__ = ["busiest_window", "marac_escalation", "repeat_victim"]


def busiest_window(incidents: list[Incident], days: int) -> list[Incident]:
    """The most incidents that fit in ``days`` (last minus first, inclusive), earliest such run.

    Args:
        incidents: Incidents in date order.
        days: Window length; incidents exactly ``days`` apart are in one window.

    Returns:
        The incidents of the fullest window.
    """
    best: list[Incident] = []
    start = 0
    for end, inc in enumerate(incidents):
        while (inc.date - incidents[start].date).days > days:
            start += 1
        if end + 1 - start > len(best):
            best = incidents[start:end + 1]
    return best


def repeat_victim(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """``repeat_victim_min_incidents``+ DA incidents as victim in any window of ``repeat_victim_window_days``.

    The flag is the victim's, from her own incidents: with ``owners``, only theirs are judged.
    """
    end = as_of(graph, rules)
    n, days = rules.repeat_victim_min_incidents, rules.repeat_victim_window_days
    flags = []
    for person, incidents in victim_incidents(graph, rules, end, owners).items():
        window = busiest_window(incidents, days)
        if len(window) < n:
            continue
        flags.append(make_flag(
            FlagCode.REPEAT_VICTIM,
            [person],
            f"{n}+ DA incidents as victim within {days} days",
            {"min_incidents": n, "window_days": days, "incidents": len(window),
             "first": window[0].date.isoformat(), "last": window[-1].date.isoformat(),
             "agencies_counted": list(rules.victim_agencies), "same_incident_days": rules.same_incident_days},
            [e for i in window for e in i.evidence],
            rules,
        ))
    return flags


def marac_escalation(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """MARAC potential escalation: ``escalation_min_incidents``+ DA incidents in the window ending at as_of.

    The flag is the victim's, from her own incidents: with ``owners``, only theirs are judged.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "escalation_window_days", end)
    n, days = rules.escalation_min_incidents, rules.escalation_window_days
    flags = []
    for person, incidents in victim_incidents(graph, rules, end, owners).items():
        recent = [i for i in incidents if i.date >= since]
        if len(recent) < n:
            continue
        flags.append(make_flag(
            FlagCode.MARAC_ESCALATION,
            [person],
            f"MARAC escalation: {n}+ DA incidents in the {days} days to as_of, any agency",
            {"min_incidents": n, "window_days": days, "incidents": len(recent)},
            [e for i in recent for e in i.evidence],
            rules,
        ))
    return flags
