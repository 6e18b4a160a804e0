"""What a flag says: who, which rule with which parameters, and on what evidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph.codes import FlagCode
from graph.config import FlagRules

__all__ = ["Evidence", "Flag", "Owners", "judged", "make_flag"]

#: The people a rule is asked to judge (a flag's owner is its first person, ``person_ids[0]``), or
#: None for everyone. A rule given a set returns exactly the flags it would raise for everyone
#: whose owner is in the set, and may skip the work for everyone else.
Owners = frozenset[str] | None


def judged(owners: Owners, person: str) -> bool:
    """Whether a flag owned by ``person`` is wanted: everyone's are when ``owners`` is None."""
    return owners is None or person in owners


@dataclass(frozen=True)
class Evidence:
    """One source record a flag relies on."""

    unique_id: str
    agency: str
    source: str
    record_id: str
    event_date: date | None
    role: str | None
    description: str
    link_probability: float
    """How sure the resolution is that this record belongs to its person."""


@dataclass(frozen=True)
class Flag:
    """A raised flag with its explanation.

    ``person_ids`` starts with the person flagged (e.g. the perpetrator), then the
    others involved (e.g. the victims). ``weakest_link`` is the lowest link
    probability among the evidence records, so a flag standing on a 0.7 link reads
    differently from one on 0.99 links.
    """

    code: FlagCode
    person_ids: tuple[str, ...]
    rule: str
    parameters: Mapping[str, Any]
    evidence: tuple[Evidence, ...]
    agencies: tuple[str, ...]
    cross_agency: bool
    weakest_link: float
    severity: int
    score: float | None = field(default=None)


def make_flag(
    code: FlagCode,
    person_ids: Iterable[str],
    rule: str,
    parameters: Mapping[str, Any],
    evidence: Iterable[Evidence],
    rules: FlagRules,
    score: float | None = None,
) -> Flag:
    """Build a flag, deriving agencies, cross-agency, weakest link and severity.

    Args:
        code: The flag.
        person_ids: The flagged person first, then the others involved.
        rule: One line naming the rule with its parameters.
        parameters: The thresholds and computed values behind the rule.
        evidence: Records relied on; repeats of one record are dropped.
        rules: The config (for severity).
        score: An optional ranking score (e.g. RFG).

    Returns:
        The flag, evidence ordered by date then record.
    """
    unique = {e.unique_id: e for e in evidence}
    ordered = tuple(sorted(unique.values(), key=lambda e: (e.event_date or date.min, e.unique_id)))
    agencies = tuple(sorted({e.agency for e in ordered}))
    return Flag(
        code=code,
        person_ids=tuple(dict.fromkeys(person_ids)),
        rule=rule,
        parameters=dict(parameters),
        evidence=ordered,
        agencies=agencies,
        cross_agency=len(agencies) >= 2,
        weakest_link=min((e.link_probability for e in ordered), default=1.0),
        severity=rules.severity[code],
        score=score,
    )
