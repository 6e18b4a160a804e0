"""Two generations of one name at one address: records that cannot say which of them they are.

A father and his son of the same name share an address for years. Their dated records are
kept apart by the DOB gap, but a record with no DOB and no identifier (a police witness or
victim record, often) matches both on name and address alike. Scoring cannot pick: the
other generation's records are often not even paired with it (blocked on DOB), so the
ambiguity check, which compares the pairs a record has, never sees the choice. Wherever the
clusters put two people of one name (canonical forename and the sound of the surname) at
one full postcode with DOBs more than ``constraints.undated_generation_gap`` years apart,
such a record in their household (every postcode either holds under that name) is left unlinked, for review.
So is such a record in either of two clusters the model paired at link level with names agreeing and
DOBs more than that gap apart (:func:`undated_beside_generations`): the model's own name comparison
(nicknames, spellings) finds the two generations where canonical names and postcode keys part.
"""

from __future__ import annotations

import numpy as np

from linkage.resolve.record_keys import KeyTable


def undated_between_generations(table: KeyTable, labels: np.ndarray, gap: int) -> np.ndarray:
    """Records with no DOB or identifier, in a cluster with others, in the household of two generations of their name.

    Two clusters holding records of one name at one postcode, with DOBs there more than
    ``gap`` years apart, are two generations; their household is every postcode either
    cluster holds under that name (a son's record at the family's new address, his
    father's still at the old one).

    Args:
        table: Every record's keys (their ``name`` and ``postcode`` filled).
        labels: Each record's cluster (any non-negative integer label; equal labels, one cluster).
        gap: Two clusters whose DOB years at one postcode differ by more than this are two generations.

    Returns:
        The indices of those records, ascending.
    """
    labels = np.asarray(labels, dtype=np.int64)
    names, posts = table.codes("name"), table.codes("postcode")
    placed = np.flatnonzero((names >= 0) & (posts >= 0))
    if not len(placed):
        return np.zeros(0, dtype=np.int64)
    years, known = table.numbers("dob_year")
    # Each placed record's name and postcode as one code, and its name and cluster as another.
    _, key = np.unique(names[placed] * (int(posts.max()) + 1) + posts[placed], return_inverse=True)
    _, member = np.unique(names[placed] * (int(labels.max()) + 1) + labels[placed], return_inverse=True)
    key, member = key.reshape(-1), member.reshape(-1)
    dated = known[placed]
    # Per name and postcode: the latest earliest DOB year of a cluster there, and the earliest latest one.
    groups, group = np.unique(np.stack([key[dated], member[dated]]), axis=1, return_inverse=True)
    group = group.reshape(-1)
    low = np.full(groups.shape[1], np.iinfo(np.int64).max)
    high = np.full(groups.shape[1], np.iinfo(np.int64).min)
    np.minimum.at(low, group, years[placed][dated])
    np.maximum.at(high, group, years[placed][dated])
    latest_start = np.full(int(key.max()) + 1, np.iinfo(np.int64).min)
    earliest_end = np.full(int(key.max()) + 1, np.iinfo(np.int64).max)
    np.maximum.at(latest_start, groups[0], low)
    np.minimum.at(earliest_end, groups[0], high)
    # One cluster cannot start after it ends: a span wider than the gap is two clusters.
    generations = latest_start - earliest_end > gap
    # The household: every postcode of the name in a cluster dated at such a postcode.
    in_family = np.zeros(int(member.max()) + 1, dtype=bool)
    in_family[groups[1][generations[groups[0]]]] = True
    household = np.zeros(len(generations), dtype=bool)
    household[key[in_family[member]]] = True
    return placed[_undated_with_others(table, known, labels)[placed] & household[key]]


def undated_beside_generations(table: KeyTable, labels: np.ndarray, ends: np.ndarray, gap: int) -> np.ndarray:
    """Records with no DOB or identifier, in a cluster with others, whose cluster the model paired with another generation of one name.

    A link-level pair whose names agree but whose DOBs are more than ``gap`` years apart, its
    two records left in two clusters, is a father and son of one name (or a mother and a
    daughter) whatever postcode keys they were recorded under: the model saw them as one
    name, at the same address or near it, a generation apart. It catches what the
    postcode-and-name check (:func:`undated_between_generations`) misses when their
    canonical names part (KIT and CHRISTOPHER, ALEC and ALEXANDER, a misspelt surname). A
    record of either cluster with no DOB or identifier fits both generations alike.

    Args:
        table: Every record's keys (their ``dob_year`` and identifiers filled).
        labels: Each record's cluster (any non-negative integer label; equal labels, one cluster).
        ends: Pairs of record indices, shape (E, 2), whose forenames and surnames agree
            (scored at link level; the caller picks them).
        gap: Two records whose DOB years differ by more than this are two generations.

    Returns:
        The indices of those records, ascending.
    """
    labels = np.asarray(labels, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64).reshape(-1, 2)
    if not len(ends) or not len(labels):
        return np.zeros(0, dtype=np.int64)
    years, known = table.numbers("dob_year")
    a, b = ends[:, 0], ends[:, 1]
    apart = (labels[a] != labels[b]) & known[a] & known[b] & (np.abs(years[a] - years[b]) > gap)
    generation = np.zeros(int(labels.max()) + 1, dtype=bool)
    generation[labels[a[apart]]] = True
    generation[labels[b[apart]]] = True
    return np.flatnonzero(_undated_with_others(table, known, labels) & generation[labels])


def _undated_with_others(table: KeyTable, known: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per record: no DOB (``known`` is the DOB-year mask), no NHS number, PNC ID or declared identifier, in a cluster of two or more."""
    undated = ~known & (table.codes("nhs_number") < 0) & (table.codes("pnc_id") < 0)
    for position in range(table.identifier_count):
        undated &= table.codes(f"identifier_{position}") < 0
    return undated & (np.bincount(labels, minlength=int(labels.max()) + 1)[labels] > 1)
