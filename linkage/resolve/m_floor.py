"""Levels training could not estimate: unseen ones made neutral, and every m kept above a floor."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


from linkage.errors import MashError


@dataclass(frozen=True)
class FlooredLevel:
    """A comparison level whose m :func:`floor_m` raised."""

    comparison: str
    label: str
    m_before: float


def neutral_unseen(splink_settings: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Give a comparison EM never saw (no m on any level) m = u on every level, fixed: no evidence either way.

    A level with no u either (the column is empty on every record) gets an equal share for both.

    With link_only, a column only one source has (a PNC ID) is never filled on both
    sides of a pair, so EM estimates none of its levels. Such a comparison can say
    nothing about a match; left without m, a pair that did reach it (a later extract)
    could not be scored, and a floor on m would invent evidence.

    Args:
        splink_settings: Splink's trained settings dict (not changed).

    Returns:
        A copy, and the comparisons (output column names) made neutral.
    """
    result = copy.deepcopy(splink_settings)
    unseen = []
    for comparison in result.get("comparisons", []):
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        free = [level for level in levels if not level.get("fix_m_probability")]
        if not free or any(level.get("m_probability") is not None for level in free):
            continue
        for level in levels:
            # A column no source fills is not seen by the u sample either: any equal m and u will do.
            if level.get("u_probability") is None:
                level["u_probability"], level["fix_u_probability"] = 1 / len(levels), True
            level["m_probability"], level["fix_m_probability"] = level["u_probability"], True
        unseen.append(comparison.get("output_column_name", "?"))
    return result, unseen


def floor_m(splink_settings: dict[str, Any], floor: float) -> tuple[dict[str, Any], list[FlooredLevel]]:
    """Raise every non-null level's m below ``floor`` to it, and rescale the comparison's others.

    EM estimates m from the blocked pairs it believes match; a level those pairs hardly
    reach (a year typo, on data whose DOB errors are all in the day) comes out near
    zero, 1e-6 or less, and a real pair in it then scores as strong evidence *against*
    a match. But every level is declared because it is a known error mode of real
    records, so its m is not zero: the floor acts as a pseudo-count, a small prior
    share of matches in each level that the data cannot argue below. The comparison's
    other levels are scaled down to keep its m values summing to 1, again if that takes
    another level below the floor. A level whose m is fixed in the settings keeps it; a
    level with no m (one EM never estimated) counts as 0 and is raised.

    Applied to the settings dict Splink saves (its own JSON layout: comparisons, their
    levels, ``is_null_level``, ``m_probability``), before its SQL is rendered.

    Args:
        splink_settings: Splink's trained settings dict (not changed).
        floor: The floor (``training.min_level_m``); 0 changes nothing.

    Returns:
        A copy with the floor applied, and the levels raised to it.

    Raises:
        MashError: The floor is too high for a comparison's m values to sum to 1.
    """
    result = copy.deepcopy(splink_settings)
    floored: list[FlooredLevel] = []
    if floor <= 0:
        return result, floored
    for original, comparison in zip(splink_settings.get("comparisons", []), result.get("comparisons", []), strict=True):
        name = comparison.get("output_column_name", "?")
        m_before = {
            id(level): old.get("m_probability") or 0.0
            for old, level in zip(original["comparison_levels"], comparison["comparison_levels"], strict=True)
        }
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        fixed = sum(level.get("m_probability") or 0.0 for level in levels if level.get("fix_m_probability"))
        free = [level for level in levels if not level.get("fix_m_probability")]
        for level in free:
            level["m_probability"] = level.get("m_probability") or 0.0
        raised: set[int] = set()
        while low := [level for level in free if id(level) not in raised and level["m_probability"] < floor]:
            for level in low:
                floored.append(FlooredLevel(name, level.get("label_for_charts", "?"), m_before[id(level)]))
                level["m_probability"] = floor
                raised.add(id(level))
            rest = [level for level in free if id(level) not in raised]
            target, total = 1.0 - fixed - floor * len(raised), sum(level["m_probability"] for level in rest)
            if target <= 0 or total <= 0:
                raise MashError(
                    f"training.min_level_m = {floor} is too high for the {name!r} comparison: "
                    "its levels' m values cannot sum to 1; lower it"
                )
            for level in rest:
                level["m_probability"] *= target / total
    return result, floored
