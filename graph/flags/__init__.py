"""Flag rules: a registry of small pure functions ``rule(graph, rules) -> list[Flag]``."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

import networkx as nx

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.gcpause import gc_paused
from graph.flags.household import CACHES
from graph.flags.model import Evidence, Flag, Owners, make_flag
from graph.flags.specs import FLAG_SPECS, FlagSpec, Rescorer, Rule
from graph.flags.windows import births_crossed, dates_crossed

__all__ = [
    "FLAG_SPECS",
    "REGISTRY",
    "RESCORERS",
    "RULES_VERSION",
    "Evidence",
    "Flag",
    "FlagSpec",
    "Owners",
    "Rescorer",
    "Rule",
    "births_crossed",
    "dates_crossed",
    "flag_order",
    "make_flag",
    "run_flags",
]

log = logging.getLogger(__name__)

#: Every implemented rule by the flag it raises (read from :data:`FLAG_SPECS`).
REGISTRY: dict[FlagCode, Rule] = {code: spec.rule for code, spec in FLAG_SPECS.items()}

#: Bump when a rule changes what it raises or how it writes parameters: stored flags
#: from an older version are recomputed in full rather than updated.
RULES_VERSION = 7

#: Rules whose score moves with as_of alone, with how to rescore a flag from its
#: parameters; every other rule's flag stays the same while its evidence stays in its windows.
RESCORERS: dict[FlagCode, Rescorer] = {code: spec.rescorer for code, spec in FLAG_SPECS.items() if spec.rescorer}


def flag_order(flag: Flag) -> tuple:
    """Sort key of flags: highest severity first, then highest score, then code, then people.

    :func:`run_flags` returns its flags in this order and stored flag ids follow it, so
    flags raised in parts (one graph per part of the population) sort into the same list.
    """
    return (-flag.severity, -(flag.score or 0.0), flag.code.value, flag.person_ids)


def run_flags(
    graph: nx.MultiDiGraph,
    rules: FlagRules,
    codes: Iterable[FlagCode] | None = None,
    owners: Collection[str] | None = None,
) -> list[Flag]:
    """Run registered rules and return their flags, highest severity first.

    With ``owners``, only the flags owned by one of them (``person_ids[0]``, the person
    flagged) are returned: the very flags the run over everyone gives them, since each rule
    judges a person from the graph as it is, whoever else it judges. Each rule skips the
    others' work where it can (an incremental run judges a third of the people in its graph).

    Args:
        graph: From :func:`graph.build.build_graph`.
        rules: Thresholds and weights.
        codes: Rules to run; None runs every registered rule.
        owners: The people whose flags are wanted; None: everyone's.

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
    wanted: Owners = None if owners is None else frozenset(owners)
    flags: list[Flag] = []
    # A graph changed since the last run (tests add edges) must not answer from the rules' caches.
    for cache in CACHES:
        graph.graph.pop(cache, None)
    with gc_paused():
        for code in selected:
            raised = REGISTRY[code](graph, rules, wanted)
            if wanted is not None:
                # Every rule keeps to its owners already; this only makes sure of it.
                raised = [f for f in raised if f.person_ids[0] in wanted]
            log.info("flag rule %s raised %d flags", code.value, len(raised))
            flags.extend(raised)
    return sorted(flags, key=flag_order)
