"""After training: exact agreement on a field is never weaker evidence than partial agreement on it.

EM estimates a comparison's m values from the pairs of a blocking rule on *other*
fields, assuming errors in different fields are independent. Where they are not, the
estimate is skewed: on RLdata10000 every duplicate carries exactly one error, so the
duplicates that agree on forename and surname (the pass that trains DOB) are the ones
whose error is in the DOB, and the exact-DOB m comes out at 0.02 against 0.58 over all
duplicates. Exact agreement then weighs less than a DOB a year off, and true pairs
whose DOB agrees fall below the link threshold.

A field agreeing exactly is at least as likely a match as the same field agreeing
partly, whatever the data; so where the trained weights say otherwise, the exact
level's m is raised until its Bayes factor (m / u) equals the strongest partial
level's, and the comparison's other free levels shrink in proportion to keep the m
values summing to 1. Levels that compare across fields (forename against surname: the
swapped-name levels) are not partial agreement on the field and are left out.

A comparison whose exact level is adjusted for term frequency (forename, surname,
postcode by default) is left alone: its exact m and u are an average over common and rare
values, and a typo level only random pairs of rare names reach can rightly outweigh
that average (a rare name agreeing exactly weighs more again, per value).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from linkage.resolve.model import NAMES_SWAPPED, NAMES_SWAPPED_MISSPELT

#: Levels that compare one field with another, not a field with itself.
CROSS_FIELD_LEVELS = frozenset({NAMES_SWAPPED, NAMES_SWAPPED_MISSPELT})


@dataclass(frozen=True)
class RaisedLevel:
    """An exact level whose m :func:`exact_never_weaker` raised."""

    comparison: str
    stronger: str  # the partial level that outweighed it
    m_before: float
    m_after: float


def exact_never_weaker(splink_settings: dict[str, Any]) -> tuple[dict[str, Any], list[RaisedLevel]]:
    """Raise each comparison's exact-level m where a partial level of it weighs more.

    The exact level is the first non-null level (every comparison of the model puts it
    first); the partial levels are those between it and the last ("all other"), less
    :data:`CROSS_FIELD_LEVELS`. Levels whose m is fixed keep it, and a comparison whose
    exact level has a fixed m, no u or a term-frequency adjustment is left alone.

    Applied to the settings dict Splink saves (comparisons, their levels,
    ``is_null_level``, ``m_probability``, ``u_probability``), before its SQL is rendered.

    Args:
        splink_settings: Splink's trained settings dict (not changed).

    Returns:
        A copy with exact levels raised, and what was raised.
    """
    result = copy.deepcopy(splink_settings)
    raised: list[RaisedLevel] = []
    for comparison in result.get("comparisons", []):
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        if len(levels) < 3:
            continue  # exact and "all other" only: nothing partial to compare with
        exact, partial = levels[0], [
            level for level in levels[1:-1] if level.get("label_for_charts") not in CROSS_FIELD_LEVELS
        ]
        m_exact, u_exact = exact.get("m_probability"), exact.get("u_probability")
        if exact.get("fix_m_probability") or exact.get("tf_adjustment_column") or not m_exact or not u_exact or m_exact >= 1:
            continue
        weighed = [(level["m_probability"] / level["u_probability"], level) for level in partial if level.get("m_probability") and level.get("u_probability")]
        if not weighed:
            continue
        factor, strongest = max(weighed, key=lambda pair: pair[0])
        if m_exact / u_exact >= factor:
            continue
        others = [level for level in levels[1:] if not level.get("fix_m_probability") and level.get("m_probability")]
        free = sum(level["m_probability"] for level in others)
        fixed = sum(level.get("m_probability") or 0.0 for level in levels[1:] if level.get("fix_m_probability"))
        if strongest.get("fix_m_probability"):
            target = u_exact * factor  # the strongest keeps its m: match it as it is
        else:
            # The strongest shrinks with the others by (1 - fixed - m') / free: solve m' = u * factor * that.
            target = u_exact * factor * (1 - fixed) / (free + u_exact * factor)
        target = min(target, 1 - fixed)
        if target <= m_exact:
            continue
        scale = (1 - fixed - target) / free if free else 0.0
        for level in others:
            level["m_probability"] *= scale
        exact["m_probability"] = target
        raised.append(RaisedLevel(
            comparison=comparison.get("output_column_name", "?"),
            stronger=strongest.get("label_for_charts", "?"),
            m_before=m_exact,
            m_after=target,
        ))
    return result, raised
