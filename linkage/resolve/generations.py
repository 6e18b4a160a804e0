"""Two generations of one name at one address: records that cannot say which of them they are.

A father and his son of the same name share an address for years. Their dated records are
kept apart by the DOB gap, but a record with no DOB and no identifier (a police witness or
victim record, often) matches both on name and address alike. Scoring cannot pick: the
other generation's records are often not even paired with it (blocked on DOB), so the
ambiguity check, which compares the pairs a record has, never sees the choice. Wherever the
clusters put two people of one name (canonical forename and the sound of the surname) at
one full postcode with DOBs more than ``constraints.undated_generation_gap`` years apart,
such a record there is left unlinked, for review.
"""

from __future__ import annotations

import numpy as np

from linkage.resolve.record_keys import KeyTable


def undated_between_generations(table: KeyTable, labels: np.ndarray, gap: int) -> np.ndarray:
    """Records with no DOB or identifier, in a cluster with others, at a postcode where two clusters of their name are a generation apart.

    Args:
        table: Every record's keys (their ``name`` and ``postcode`` filled).
        labels: Each record's cluster (any integer label; equal labels, one cluster).
        gap: Two clusters whose DOB years there differ by more than this are two generations.

    Returns:
        The indices of those records, ascending.
    """
    labels = np.asarray(labels, dtype=np.int64)
    names, posts = table.codes("name"), table.codes("postcode")
    placed = (names >= 0) & (posts >= 0)
    if not placed.any():
        return np.zeros(0, dtype=np.int64)
    years, known = table.numbers("dob_year")
    # The household and name of each placed record as one code.
    _, key = np.unique(names * (int(posts.max()) + 1) + posts, return_inverse=True)
    keys = int(key.max()) + 1
    # Per key: the latest earliest DOB year of a cluster there, and the earliest latest one.
    dated = np.flatnonzero(placed & known)
    groups, group = np.unique(np.stack([key[dated], labels[dated]]), axis=1, return_inverse=True)
    group = group.reshape(-1)
    low = np.full(groups.shape[1], np.iinfo(np.int64).max)
    high = np.full(groups.shape[1], np.iinfo(np.int64).min)
    np.minimum.at(low, group, years[dated])
    np.maximum.at(high, group, years[dated])
    latest_start = np.full(keys, np.iinfo(np.int64).min)
    earliest_end = np.full(keys, np.iinfo(np.int64).max)
    np.maximum.at(latest_start, groups[0], low)
    np.minimum.at(earliest_end, groups[0], high)
    # One cluster cannot start after it ends: a span wider than the gap is two clusters.
    generations = latest_start - earliest_end > gap
    undated = placed & ~known & (table.codes("nhs_number") < 0) & (table.codes("pnc_id") < 0)
    for position in range(table.identifier_count):
        undated &= table.codes(f"identifier_{position}") < 0
    shared = np.bincount(labels, minlength=int(labels.max()) + 1)[labels] > 1
    return np.flatnonzero(undated & shared & generations[np.where(placed, key, 0)])
