"""u by random sampling, for the comparisons that still need it.

Splink samples every comparison, one at a time, even one whose every level has its u
fixed already (an identifier's u counted over all records, ``fixed_u.identifier_u``): its
counts are thrown away, yet a comparison with rare levels never stops early and costs a
full pass over the sampled pairs (a declared identifier's one-keystroke level about as
much as the names and DOB together). Leaving those comparisons out changes no estimate:
each comparison is counted on its own, over the same seeded sample of records.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from splink import Linker
from splink.internals import estimate_u as splink_estimate_u
from splink.internals.comparison import Comparison


def estimate_u(linker: Linker, max_pairs: int, seed: int | None, unfilled: Collection[str] = ()) -> list[str]:
    """Splink's ``estimate_u_using_random_sampling`` over the comparisons whose u is not all fixed.

    Args:
        linker: The training linker; its comparisons' u are set in place.
        max_pairs: Random pairs sampled (``training.u_max_pairs``).
        seed: The sample's seed (``training.seed``).
        unfilled: Comparisons (output columns) whose columns fewer than two records hold.
            Every pair is in their null level, so sampling sees no level and sets no u: they are
            left out too (sources without NHS numbers, PNC IDs, sex or DA partners), which changes nothing.

    Returns:
        The comparisons (output columns) left out, every level's u fixed.
    """
    comparisons = linker._settings_obj.comparisons
    fixed = [c for c in comparisons if _all_u_fixed(c)]
    sampled = [c for c in comparisons if not _all_u_fixed(c) and c.output_column_name not in unfilled]
    if sampled:
        with _only(linker, sampled), _stop_on_sampled_levels():
            linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    return [c.output_column_name for c in fixed]


class _SampledLevelsCounts(splink_estimate_u._MUCountsAccumulator):
    """Splink's per-comparison counts, whose early stop waits only for the levels whose u is sampled.

    Splink stops sampling a comparison once each level has been seen ``min_count_per_level``
    (100) times, fixed levels included, whose sampled counts it then throws away: one rare
    fixed level (a name swap, a forename that is the other's middle name) made every
    comparison run all ``max_pairs`` pairs. Counts are kept for every level as before.
    """

    def __init__(self, comparison: Comparison) -> None:
        super().__init__(comparison)
        levels = comparison._comparison_levels_excluding_null
        self._sampled = {int(level.comparison_vector_value) for level in levels if not level._fix_u_probability}

    def min_u_count(self) -> float:
        counts = [totals[0] for cvv, totals in self._counts_by_cvv.items() if cvv in self._sampled]
        return min(counts, default=float("inf"))

    def min_u_count_level(self) -> tuple[float, int | None, str | None]:
        sampled = [(totals[0], cvv) for cvv, totals in sorted(self._counts_by_cvv.items()) if cvv in self._sampled]
        if not sampled:
            return float("inf"), None, None
        count, cvv = min(sampled)
        return count, cvv, self._label_by_cvv.get(cvv)


@contextmanager
def _stop_on_sampled_levels() -> Iterator[None]:
    original = splink_estimate_u._MUCountsAccumulator
    splink_estimate_u._MUCountsAccumulator = _SampledLevelsCounts
    try:
        yield
    finally:
        splink_estimate_u._MUCountsAccumulator = original


def _all_u_fixed(comparison: Comparison) -> bool:
    return all(level._fix_u_probability for level in comparison._comparison_levels_excluding_null)


@contextmanager
def _only(linker: Linker, comparisons: list[Comparison]) -> Iterator[None]:
    # Splink's settings hold the comparison objects themselves, so u set on one while
    # narrowed is on it when the full list is put back, in its order.
    settings = linker._settings_obj
    everything = settings.comparisons
    settings.comparisons = comparisons
    try:
        yield
    finally:
        settings.comparisons = everything
