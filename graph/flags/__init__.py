"""Flag rules: a registry of small pure functions ``rule(graph, rules) -> list[Flag]``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

import networkx as nx

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.gcpause import gc_paused
from graph.flags.encompass import child_at_da_incident
from graph.flags.health import pregnancy_and_da, toxic_trio
from graph.flags.household import RECORDS_CACHE, child_in_da_household, perpetrator_joins_household
from graph.flags.marac import marac_high_risk, marac_repeat
from graph.flags.model import Evidence, Flag, make_flag
from graph.flags.perpetrator import repeat_perpetrator, rescore_repeat_perpetrator, serial_perpetrator
from graph.flags.places import dangerous_place
from graph.flags.specss import specss_profile
from graph.flags.unseen import unseen_man
from graph.flags.victim import marac_escalation, repeat_victim
from graph.flags.windows import births_crossed, dates_crossed

__all__ = [
    "REGISTRY",
    "RESCORERS",
    "RULES_VERSION",
    "Evidence",
    "Flag",
    "Rescorer",
    "Rule",
    "births_crossed",
    "dates_crossed",
    "flag_order",
    "make_flag",
    "run_flags",
]

log = logging.getLogger(__name__)

Rule = Callable[[nx.MultiDiGraph, FlagRules], list[Flag]]

#: Every implemented rule by the flag it raises.
REGISTRY: dict[FlagCode, Rule] = {
    FlagCode.SERIAL_PERPETRATOR: serial_perpetrator,
    FlagCode.REPEAT_PERPETRATOR: repeat_perpetrator,
    FlagCode.REPEAT_VICTIM: repeat_victim,
    FlagCode.MARAC_HIGH_RISK: marac_high_risk,
    FlagCode.MARAC_ESCALATION: marac_escalation,
    FlagCode.MARAC_REPEAT: marac_repeat,
    FlagCode.CHILD_IN_DA_HOUSEHOLD: child_in_da_household,
    FlagCode.PREGNANCY_AND_DA: pregnancy_and_da,
    FlagCode.TOXIC_TRIO: toxic_trio,
    FlagCode.PERPETRATOR_JOINS_HOUSEHOLD: perpetrator_joins_household,
    FlagCode.SPECSS_PROFILE: specss_profile,
    FlagCode.DANGEROUS_PLACE: dangerous_place,
    # Issue 17: Operation Encompass and unseen men.
    FlagCode.CHILD_AT_DA_INCIDENT: child_at_da_incident,
    FlagCode.UNSEEN_MAN: unseen_man,
}

#: Bump when a rule changes what it raises or how it writes parameters: stored flags
#: from an older version are recomputed in full rather than updated.
RULES_VERSION = 7

Rescorer = Callable[[Mapping[str, Any], FlagRules, date], tuple[dict[str, Any], float]]

#: Rules whose score moves with as_of alone, with how to rescore a flag from its
#: parameters; every other rule's flag stays the same while its evidence stays in its windows.
RESCORERS: dict[FlagCode, Rescorer] = {
    FlagCode.REPEAT_PERPETRATOR: rescore_repeat_perpetrator,
}


def flag_order(flag: Flag) -> tuple:
    """Sort key of flags: highest severity first, then highest score, then code, then people.

    :func:`run_flags` returns its flags in this order and stored flag ids follow it, so
    flags raised in parts (one graph per part of the population) sort into the same list.
    """
    return (-flag.severity, -(flag.score or 0.0), flag.code.value, flag.person_ids)


def run_flags(
    graph: nx.MultiDiGraph, rules: FlagRules, codes: Iterable[FlagCode] | None = None
) -> list[Flag]:
    """Run registered rules and return their flags, highest severity first.

    Args:
        graph: From :func:`graph.build.build_graph`.
        rules: Thresholds and weights.
        codes: Rules to run; None runs every registered rule.

    Returns:
        Flags sorted by severity, then score, then flagged person.

    Raises:
        KeyError: If a requested code has no registered rule.
    """
    selected = list(REGISTRY) if codes is None else [FlagCode(c) for c in codes]
    if rules.as_of is None and graph.graph.get("data_as_of") is None:
        # Every rule counts dated events in a window ending at as_of: with no date anywhere
        # (a source without event dates, such as a benchmark's person file) none can fire.
        log.warning("no event has a date and no as_of is set: no flag rule can apply")
        return []
    flags: list[Flag] = []
    # A graph changed since the last run (tests add edges) must not answer from the records cache.
    graph.graph.pop(RECORDS_CACHE, None)
    with gc_paused():
        for code in selected:
            raised = REGISTRY[code](graph, rules)
            log.info("flag rule %s raised %d flags", code.value, len(raised))
            flags.extend(raised)
    return sorted(flags, key=flag_order)
