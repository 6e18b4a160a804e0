"""MARAC referral triggers that data can show: visible high risk and repeat MARAC.

Professional judgement (criterion 2) is recorded by a practitioner and is not inferred;
potential escalation (criterion 3) is :func:`graph.flags.victim.marac_escalation`.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from graph.codes import HIGH, FlagCode
from graph.config import FlagRules
from graph.flags.incidents import PairIncident, pair_incidents
from graph.flags.model import Flag, Owners, judged, make_flag
from graph.flags.windows import as_of, window_start

__all__ = ["marac_high_risk", "marac_repeat"]


def marac_high_risk(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """A DA victim on an incident with DASH HIGH within ``marac_lookback_days`` before as_of.

    The flag is the victim's, from her own incidents: with ``owners``, only theirs are judged.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "marac_lookback_days", end)
    by_victim: dict[str, list[PairIncident]] = defaultdict(list)
    for inc in pair_incidents(graph, end):
        if inc.dash_risk == HIGH and inc.date >= since and judged(owners, inc.victim):
            by_victim[inc.victim].append(inc)
    return [
        make_flag(
            FlagCode.MARAC_HIGH_RISK,
            [victim, *sorted({i.perp for i in incs})],
            f"MARAC: DASH HIGH on a DA incident within {rules.marac_lookback_days} days",
            {"lookback_days": rules.marac_lookback_days,
             "high_risk_incidents": len({i.evidence[1].unique_id for i in incs})},
            [e for i in incs for e in i.evidence],
            rules,
        )
        for victim, incs in by_victim.items()
    ]


def marac_repeat(graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]:
    """Repeat MARAC: a new incident, same victim and perpetrator, within ``repeat_marac_window_days`` after a HIGH one.

    The HIGH incident stands in for the MARAC referral (referrals are not in the
    extracts). The new incident must fall within ``marac_lookback_days`` before as_of.
    The flag is the victim's, from her incidents with one perpetrator: with ``owners``,
    only theirs are judged.
    """
    end = as_of(graph, rules)
    since = window_start(rules, "marac_lookback_days", end)
    days = rules.repeat_marac_window_days
    by_pair: dict[tuple[str, str], list[PairIncident]] = defaultdict(list)
    for inc in pair_incidents(graph, end):
        if judged(owners, inc.victim):
            by_pair[(inc.victim, inc.perp)].append(inc)
    flags = []
    for (victim, perp), incs in by_pair.items():
        incs.sort(key=lambda i: (i.date, i.evidence[1].unique_id))
        hits = [
            (high, new)
            for k, high in enumerate(incs) if high.dash_risk == HIGH
            for new in incs[k + 1:]
            if new.date >= since and 0 <= (new.date - high.date).days <= days
        ]
        if not hits:
            continue
        high, new = hits[-1]
        flags.append(make_flag(
            FlagCode.MARAC_REPEAT,
            [victim, perp],
            f"Repeat MARAC: new DA incident within {days} days of a HIGH-risk one, same victim and perpetrator",
            {"window_days": days, "lookback_days": rules.marac_lookback_days,
             "high_risk_date": high.date.isoformat(), "new_incident_date": new.date.isoformat(),
             "days_between": (new.date - high.date).days},
            [*high.evidence, *new.evidence],
            rules,
        ))
    return flags
