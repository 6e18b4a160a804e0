"""Safeguarding graphs and risk flags over resolved people (built in the graph issue).

Build the graph with :func:`build_graph`, raise flags with :func:`run_flags` under a
:class:`FlagRules` config, and score them against synthetic truth with
:func:`evaluate_flags`. Nothing here touches the store: callers pass pandas frames.
"""

from graph.build import build_graph
from graph.codes import FlagCode
from graph.config import FlagRules
from graph.evaluate import EVALUATED, evaluate_flags
from graph.flags import FLAG_SPECS, REGISTRY, RESCORERS, RULES_VERSION, Evidence, Flag, births_crossed, dates_crossed, flag_order, run_flags

__all__ = [
    "EVALUATED",
    "FLAG_SPECS",
    "REGISTRY",
    "RESCORERS",
    "RULES_VERSION",
    "Evidence",
    "Flag",
    "FlagCode",
    "FlagRules",
    "births_crossed",
    "build_graph",
    "dates_crossed",
    "evaluate_flags",
    "flag_order",
    "run_flags",
]
