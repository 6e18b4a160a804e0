"""A shared DA co-participant settles a review pair: two people recorded in the same role with the same other
party (the same perpetrator's victim, the same victim's suspect), who share no postcode area, are one person.

People of one household share their abuser: siblings, a parent and child are each victims of the same
person at the same address, so a co-participant says nothing about identity between people who share
an address (on the harsh 200k extracts such review pairs were mostly two people). Between people who
share no postcode area, the same other party in DA incidents is what the model's partner comparison
weighs, read over each person's records rather than over one pair's: every such review pair on the
three harsh 200k seeds was one person. The join is checked like any other (different identifiers,
DOBs years apart, forenames or middle names that disagree, an analyst's rejection keep it apart);
the two-towns registration and place rules, which send pairs to review for want of an identifier,
yield to it as they yield to an NHS number.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa

from linkage.config import ModelConfig
from linkage.resolve.cluster import ClusterResult
from linkage.resolve.context_candidates import Context, participants
from linkage.resolve.joins import Joins
from linkage.resolve.profiles import Profiles

__all__ = ["COPARTICIPANT_REASON", "join_by_coparticipants", "shared_coparticipant"]

#: Reason given to a review-band pair joined by :func:`join_by_coparticipants`.
COPARTICIPANT_REASON = "same other party in DA incidents and no shared postcode area"


def shared_coparticipant(rows: pd.DataFrame, person_l: np.ndarray, person_r: np.ndarray) -> np.ndarray:
    """Per pair of people, whether both were recorded in one role with one other person.

    Args:
        rows: DA participants (``linkage.resolve.context_candidates.participants``: ``person``, ``role``, ``partner``).
        person_l: One person per pair.
        person_r: The other.
    """
    found = np.zeros(len(person_l), dtype=bool)
    if rows.empty or not len(person_l):
        return found
    seen = rows[["person", "role", "partner"]].drop_duplicates()
    pairs = pd.DataFrame({"pair": np.arange(len(person_l)), "person": person_l, "other": person_r})
    first = pairs.merge(seen, on="person")
    both = first.merge(seen.rename(columns={"person": "other"}), on=["other", "role", "partner"])
    found[both.pair.unique()] = True
    return found


def join_by_coparticipants(
    profiles: Profiles,
    result: ClusterResult,
    context: Context,
    scored: pa.Table,
    left: np.ndarray,
    right: np.ndarray,
    open_: np.ndarray,
    model: ModelConfig,
    apart: list[tuple[int, int]],
    decisions: dict[tuple[int, int], str],
) -> tuple[ClusterResult, np.ndarray]:
    """Join the people of review-band pairs that share a DA co-participant and no postcode area (module docstring).

    Args:
        profiles: The profiles clustered.
        result: The clustering (after the relational context step).
        context: The DA participants.
        scored: The scored pairs between profiles (``match_probability``, ``match_weight``).
        left: Profile of each pair's left record.
        right: Same for the right record.
        open_: Per pair, whether it may be joined (not demoted by a forename or middle-name rule).
        model: The model config (review threshold, constraints).
        apart: Profile pairs whose forenames disagree outright with no identifier agreeing (kept apart
            with ``forenames_keep_apart``).
        decisions: Analysts' decisions between profiles (a rejected pair's people are never joined).

    Returns:
        The clustering with the joins made (a joined record is no longer ambiguous), and per pair
        whether it was joined here.
    """
    joined = np.zeros(scored.num_rows, dtype=bool)
    labels = np.asarray(result.labels, dtype=np.int64)
    probability = scored["match_probability"].to_numpy(zero_copy_only=False)
    at = np.flatnonzero(open_ & (probability >= model.thresholds.review) & (labels[left] != labels[right]))
    if not at.size or context.events.num_rows == 0:
        return result, joined
    dated = np.zeros(len(labels), dtype=bool)  # participants' dates are not read here
    rows = participants(profiles, labels, dated, context)
    at = at[shared_coparticipant(rows, labels[left[at]], labels[right[at]])]
    if not at.size:
        return result, joined
    # An ambiguous record is joined only when one person alone shares its co-participant.
    ambiguous = result.ambiguous
    sides = pd.DataFrame({"record": np.concatenate([left[at], right[at]]), "person": np.concatenate([labels[right[at]], labels[left[at]]])})
    choices = sides.groupby("record")["person"].nunique()
    weight = scored["match_weight"].to_numpy(zero_copy_only=False)
    load = getattr(result.summaries, "load", None)
    if load is not None:
        load(int(x) for x in np.concatenate([labels[left[at]], labels[right[at]]]))
    kept = [pair for pair, decision in decisions.items() if decision == "reject"]
    kept += apart if model.constraints.forenames_keep_apart else []
    keep_apart = {(int(labels[x]), int(labels[y])) for x, y in kept} | {(int(labels[y]), int(labels[x])) for x, y in kept}
    joins = Joins(result)
    freed: set[int] = set()
    for i in at[np.lexsort((at, -weight[at]))].tolist():
        a, b = int(left[i]), int(right[i])
        if any(x in ambiguous and choices.get(x, 0) > 1 for x in (a, b)):
            continue
        if (int(labels[a]), int(labels[b])) in keep_apart or joins.find(a) == joins.find(b):
            continue
        if joins.conflict(a, b, model.constraints) is not None:
            continue
        areas_a, areas_b = joins.summary_of(a).areas, joins.summary_of(b).areas
        if areas_a and areas_b and not areas_a.isdisjoint(areas_b):
            continue
        joins.join(a, b)
        joined[i] = True
        freed.update(x for x in (a, b) if x in ambiguous)
    out = joins.result()
    if freed:
        out = dataclasses.replace(out, ambiguous=out.ambiguous - freed)
    return out, joined
