"""One :class:`FlagSpec` per flag: everything the code, the config, the dashboard and the evaluation know about it.

Adding a flag rule means writing its pure function and one entry in :data:`FLAG_SPECS`;
the registry, default severities, dashboard labels, truth columns and the intelligence
page's perpetrator flags are all read from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import networkx as nx

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.flags.encompass import child_at_da_incident
from graph.flags.health import pregnancy_and_da, toxic_trio
from graph.flags.household import child_in_da_household, perpetrator_joins_household
from graph.flags.marac import marac_high_risk, marac_repeat
from graph.flags.model import Flag, Owners
from graph.flags.perpetrator import repeat_perpetrator, rescore_repeat_perpetrator, serial_perpetrator
from graph.flags.places import dangerous_place
from graph.flags.specss import specss_profile
from graph.flags.unseen import unseen_man
from graph.flags.victim import marac_escalation, repeat_victim

class Rule(Protocol):
    """A flag rule: the flags the graph shows, or only those of ``owners`` (see :func:`graph.flags.run_flags`)."""

    def __call__(self, graph: nx.MultiDiGraph, rules: FlagRules, owners: Owners = None) -> list[Flag]: ...


Rescorer = Callable[[Mapping[str, Any], FlagRules, date], tuple[dict[str, Any], float]]


@dataclass(frozen=True)
class FlagSpec:
    """A flag and the rule that raises it.

    Attributes:
        code: The flag's code (what the store keeps).
        label: How the flag reads in the dashboard.
        severity: Default queue ranking, higher first (``flags.yaml: severity`` overrides it).
        rule: The pure function over the graph that raises it.
        rescorer: For a flag whose score moves with ``as_of`` alone, how to rescore it from its
            parameters; None when the flag stays the same while its evidence stays in its windows.
        truth_column: The generator's ``people.csv`` column it is scored against, if any.
        perpetrator: Raised on a perpetrator: the intelligence page's target list.
    """

    code: FlagCode
    label: str
    severity: int
    rule: Rule
    rescorer: Rescorer | None = None
    truth_column: str | None = None
    perpetrator: bool = False


#: Every flag, in the order rules run. Severities: visible high risk and serial offending lead.
FLAG_SPECS: dict[FlagCode, FlagSpec] = {spec.code: spec for spec in (
    FlagSpec(FlagCode.SERIAL_PERPETRATOR, "Serial perpetrator", 8, serial_perpetrator,
             truth_column="is_serial_perpetrator", perpetrator=True),
    FlagSpec(FlagCode.REPEAT_PERPETRATOR, "Repeat perpetrator", 5, repeat_perpetrator,
             rescorer=rescore_repeat_perpetrator, perpetrator=True),
    FlagSpec(FlagCode.REPEAT_VICTIM, "Repeat victim", 6, repeat_victim, truth_column="is_repeat_victim"),
    FlagSpec(FlagCode.MARAC_HIGH_RISK, "MARAC: high risk", 9, marac_high_risk),
    FlagSpec(FlagCode.MARAC_ESCALATION, "MARAC: escalation", 7, marac_escalation),
    FlagSpec(FlagCode.MARAC_REPEAT, "MARAC: repeat", 8, marac_repeat),
    FlagSpec(FlagCode.CHILD_IN_DA_HOUSEHOLD, "Child in DA household", 7, child_in_da_household),
    FlagSpec(FlagCode.PREGNANCY_AND_DA, "Pregnancy and DA", 7, pregnancy_and_da),
    FlagSpec(FlagCode.TOXIC_TRIO, "Toxic trio", 6, toxic_trio),
    FlagSpec(FlagCode.PERPETRATOR_JOINS_HOUSEHOLD, "Perpetrator joins household", 7, perpetrator_joins_household),
    FlagSpec(FlagCode.SPECSS_PROFILE, "SPECSS+ risk factors", 5, specss_profile),
    FlagSpec(FlagCode.DANGEROUS_PLACE, "Dangerous place", 5, dangerous_place),
    # The flagged person is the child (generator 1.3.0 marks them), and the man.
    FlagSpec(FlagCode.CHILD_AT_DA_INCIDENT, "Child at DA incident (Encompass)", 7, child_at_da_incident,
             truth_column="is_child_at_incident"),
    FlagSpec(FlagCode.UNSEEN_MAN, "Unseen man", 8, unseen_man, truth_column="is_unseen_man"),
)}
