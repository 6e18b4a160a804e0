"""Which edges to cluster, and the band each scored pair ends in once people are formed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from jellyfish import damerau_levenshtein_distance

from linkage.config.model import ModelConfig
from linkage.resolve.cluster import ClusterResult
from linkage.resolve.cluster_rules import MIDDLE_NAME_RULE, SOFT_RULES
from linkage.resolve.coparticipants import COPARTICIPANT_REASON
from linkage.resolve.model import FORENAME_LOOKALIKE_GAMMAS, exact_gamma
from linkage.resolve.model_inputs import identifier_column

#: Gamma values (Splink's comparison vector) for "exact match" on identifier comparisons.
IDENTIFIER_EXACT = 1
#: Gamma value of the partner comparison's "same other party in a DA incident" level.
SAME_PARTNER_LEVEL = 1

#: Reason of a pair sent to review by its match probability alone.
REVIEW_REASON = "match probability in the review band"
#: Reason of a review-band pair settled apart by its people's addresses (``constraints.people_addresses_settle_review``).
ADDRESSES_REASON = "below the review threshold with the people's addresses: one record has no postcode, the people share no postcode area"

LINK, REVIEW, SUPPORTED, DISTINCT, CONFIRMED, REJECTED = (
    "link", "review", "supported", "distinct", "confirmed", "rejected",
)
BANDS = (LINK, REVIEW, SUPPORTED, DISTINCT, CONFIRMED, REJECTED)
"""
link: auto-linked, in one person. review: for an analyst; the two records are in different
people who could be one. supported: scored below the link threshold (or demoted) but in one
person through other links. distinct: kept apart by a rule (different identifiers, DOBs
years apart, forenames that disagree outright with no identifier to say otherwise); an
analyst can still challenge it. confirmed / rejected: an analyst decided.
"""


@dataclass(frozen=True)
class Edges:
    """Pairs eligible for auto-linking, strongest first, as positions in the pairs table."""

    positions: np.ndarray
    demoted: np.ndarray  # per pair: forenames differ outright (or are two established look-alikes) and no identifier agrees
    identified: np.ndarray  # per pair: an NHS number, PNC ID or 'two_people'/'same_person' identifier agrees
    vouched: np.ndarray  # per pair: a 'same_person' identifier agrees (DOBs years apart are a keying error)
    named: np.ndarray | None = None  # per pair: forenames and surnames agree (:data:`NAMES_AGREE_FROM`)


#: The gamma from which a pair's names agree: a forename that sounds alike or better (exact, a
#: nickname, a close spelling, swapped with the surname), a surname at any agreeing level.
NAMES_AGREE_FROM = {"gamma_forename": 3, "gamma_surname": 1}


def established_forenames(forenames: pa.Array | pa.ChunkedArray, share: float | None, frequencies: pa.Table | None) -> np.ndarray:
    """Per row, whether its forename is an established name (``constraints.distinct_forename_share``).

    A name held by at least ``share`` of the records with a forename is a name people are
    given; a keying error, even of the commonest name, is spread over many misspellings
    and stays far below it.

    Args:
        forenames: One forename per row (a profile's), null when it has none.
        share: The least share of records; None: no name is counted as established.
        frequencies: The model's term-frequency table of forenames (``forename``, ``tf_forename``:
            shares over every record it was trained on, so an incremental run over a few
            records judges a name as the full run does). None (forename not in
            ``term_frequency``, or a run with no model at hand): no name is counted as established.
    """
    if share is None or frequencies is None or not len(forenames):
        return np.zeros(len(forenames), dtype=bool)
    common = frequencies.filter(pc.greater_equal(frequencies["tf_forename"], share))["forename"]
    return pc.fill_null(pc.is_in(forenames, value_set=common), False).to_numpy(zero_copy_only=False)


def middle_names_differ(
    middle_l: Sequence[str | None], middle_r: Sequence[str | None], forename_l: Sequence[str | None], forename_r: Sequence[str | None]
) -> np.ndarray:
    """Per pair, whether the two records' middle names disagree outright (``constraints.middle_names_must_agree``).

    Each must have a middle name of two or more letters (an initial, or none, says
    nothing); they disagree when no middle name of one is within one keystroke (a typo)
    of a middle name of the other, and neither record's forename is among the other's
    middle names (a person known by a middle name).

    Args:
        middle_l: Middle names of each pair's left record, space separated.
        middle_r: Same for the right record.
        forename_l: Forename of each pair's left record.
        forename_r: Same for the right record.
    """
    found = np.zeros(len(middle_l), dtype=bool)
    for i, (ml, mr, fl, fr) in enumerate(zip(middle_l, middle_r, forename_l, forename_r, strict=True)):
        if not ml or not mr or ml == mr:
            continue
        left = [m for m in ml.split() if len(m) > 1]
        right = [m for m in mr.split() if len(m) > 1]
        if not left or not right or fl in right or fr in left:
            continue
        found[i] = all(damerau_levenshtein_distance(a, b) > 1 for a in left for b in right)
    return found


def select_edges(pairs: pa.Table, model: ModelConfig, established: np.ndarray | None = None) -> Edges:
    """Pairs at or above the link threshold, minus demoted ones, ordered by match weight.

    Args:
        pairs: Splink predictions with ``match_probability``, ``match_weight`` and gammas.
        model: The model config (link threshold, forename rule).
        established: Per pair, whether both forenames are established names
            (:func:`established_forenames`): then forenames that only look or sound alike
            disagree outright too (OLIVER and OLIVIA). None: no pair's are.

    Returns:
        The edge positions to cluster, and the demotion mask over all pairs.
    """
    probability = pairs["match_probability"].to_numpy(zero_copy_only=False)
    # A declared identifier that keeps people apart (different_values: two_people) or that
    # one person alone holds (same_value: same_person) is person-specific like an NHS
    # number: its agreement identifies the pair too.
    personal = {
        name: declared.same_value == "same_person"
        for name, declared in model.identifiers.items()
        if declared.different_values == "two_people" or declared.same_value == "same_person"
    }
    identified = _agrees(pairs, {"nhs_number": IDENTIFIER_EXACT, "pnc_id": IDENTIFIER_EXACT})
    identified |= _agrees(pairs, {identifier_column(name): exact_gamma(model, name) for name in personal})
    vouched = _agrees(pairs, {identifier_column(name): exact_gamma(model, name) for name, own in personal.items() if own})
    if model.constraints.forenames_must_agree:
        # The same DA incident partner is person-specific too: a victim's record with her
        # forename cut short (SAMM for SAMANTHA) under the same suspect is not a twin.
        same_partner = pc.fill_null(pc.equal(pairs["gamma_partner"], SAME_PARTNER_LEVEL), False).to_numpy(zero_copy_only=False)
        gamma = pairs["gamma_forename"].to_numpy(zero_copy_only=False)
        differ = gamma == 0
        if established is not None:
            # Two established names that merely look alike are two names (twins OLIVER and OLIVIA).
            differ |= np.isin(gamma, FORENAME_LOOKALIKE_GAMMAS) & established
        demoted = differ & ~identified & ~same_partner
    else:
        demoted = np.zeros(pairs.num_rows, dtype=bool)
    eligible = np.flatnonzero((probability >= model.thresholds.link) & ~demoted)
    weight = pairs["match_weight"].to_numpy(zero_copy_only=False)[eligible]
    # Strongest first; ties broken by position (pairs arrive sorted by ids) for repeatability.
    order = np.lexsort((eligible, -weight))
    named = np.ones(pairs.num_rows, dtype=bool)
    for column, level in NAMES_AGREE_FROM.items():
        agree = pc.greater_equal(pairs[column], level) if column in pairs.column_names else pa.nulls(pairs.num_rows, pa.bool_())
        named &= pc.fill_null(agree, False).to_numpy(zero_copy_only=False)
    return Edges(positions=eligible[order], demoted=demoted, identified=identified, vouched=vouched, named=named)


def _agrees(pairs: pa.Table, exact: dict[str, int]) -> np.ndarray:
    """Per pair: any of these comparisons is at its exact-agreement level (gamma)."""
    found = np.zeros(pairs.num_rows, dtype=bool)
    for column, gamma in exact.items():
        found |= pc.fill_null(pc.equal(pairs[f"gamma_{column}"], gamma), False).to_numpy(zero_copy_only=False)
    return found


def assign_bands(
    pairs: pa.Table,
    left: np.ndarray,
    right: np.ndarray,
    edges: Edges,
    result: ClusterResult,
    decisions: dict[tuple[int, int], str],
    model: ModelConfig,
    middle_names_differ: np.ndarray | None = None,
    joined: np.ndarray | None = None,
) -> tuple[list[str], list[str | None]]:
    """The band and reason of every scored pair.

    Args:
        pairs: The scored pairs.
        left: Record index of each pair's left record.
        right: Record index of each pair's right record.
        edges: Output of :func:`select_edges`.
        result: The clustering.
        decisions: ``(left, right) -> 'confirm' | 'reject'`` from analysts.
        model: The model config.
        middle_names_differ: Per pair, whether its middle names disagree outright and no identifier
            agrees (:func:`middle_names_differ`): two people, below the link threshold too.
        joined: Per pair, whether a shared DA co-participant joined its people
            (``linkage.resolve.coparticipants``): linked, with that reason.

    Returns:
        Band and reason per pair, in the pairs' order.
    """
    labels = np.asarray(result.labels, dtype=np.int64)
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    same = labels[left] == labels[right]
    probability = pairs["match_probability"].to_numpy(zero_copy_only=False)
    band = np.full(pairs.num_rows, REVIEW, dtype=object)
    reason = np.full(pairs.num_rows, REVIEW_REASON, dtype=object)
    # Each rule, in order of precedence, takes the pairs no earlier rule took.
    open_ = np.ones(pairs.num_rows, dtype=bool)

    def take(mask: np.ndarray, to: str, why: str | np.ndarray | None) -> None:
        """Give the open pairs of ``mask`` the band ``to`` and the reason ``why`` (one, or one per pair)."""
        mask = mask & open_
        band[mask] = to
        reason[mask] = why[mask] if isinstance(why, np.ndarray) else why
        open_[mask] = False

    if decisions:
        decision = _decided(left, right, decisions, len(labels))
        take(decision == "confirm", CONFIRMED, "confirmed by an analyst")
        take(decision == "reject", REJECTED, "rejected by an analyst")
    if joined is not None:
        take(joined & same, LINK, COPARTICIPANT_REASON)
    take(same & (probability >= model.thresholds.link) & ~edges.demoted, LINK, None)
    take(same, SUPPORTED, "linked through other records")
    if result.ambiguous:
        ambiguous = np.zeros(len(labels), dtype=bool)
        ambiguous[list(result.ambiguous)] = True
        take(ambiguous[left] | ambiguous[right], REVIEW, "ambiguous: also matches a person this one cannot be")
    if result.refused:
        at = edges.positions[[i for i, _ in result.refused]]
        refused, soft = np.zeros(pairs.num_rows, dtype=bool), np.zeros(pairs.num_rows, dtype=bool)
        refused[at] = True
        soft[at] = [r in SOFT_RULES for _, r in result.refused]
        why = np.empty(pairs.num_rows, dtype=object)
        why[at] = [r for _, r in result.refused]
        # A soft rule sends the pair to review; any other refusal keeps its records apart.
        take(soft, REVIEW, why)
        take(refused, DISTINCT, why)
    # Twins and siblings: same surname, DOB and address, other forenames.
    take(edges.demoted, DISTINCT, "forenames differ and no identifier matches")
    if middle_names_differ is not None:
        take(middle_names_differ, DISTINCT, MIDDLE_NAME_RULE)
    rest = np.flatnonzero(open_)
    conflicts = result.conflicts(left[rest].tolist(), right[rest].tolist(), model.constraints, edges.vouched[rest].tolist())
    for i, conflict in zip(rest.tolist(), conflicts, strict=True):
        if conflict:
            band[i], reason[i] = DISTINCT, conflict
    if model.constraints.people_addresses_settle_review:
        by_score = (band == REVIEW) & (reason == REVIEW_REASON)
        settled = addresses_apart(pairs, left, right, result, by_score, model.thresholds.review)
        band[settled], reason[settled] = DISTINCT, ADDRESSES_REASON
    return band.tolist(), reason.tolist()


def postcode_disagreement_weight(pairs: pa.Table) -> float | None:
    """The model's partial match weight for two postcodes that disagree (its else level), read off the scored pairs.

    None when no scored pair is at that level (or postcode is not compared).
    """
    if "gamma_postcode" not in pairs.column_names or "mw_postcode" not in pairs.column_names:
        return None
    at_else = pc.equal(pairs["gamma_postcode"], 0)
    weights = pc.filter(pairs["mw_postcode"], pc.fill_null(at_else, False)).drop_null()
    return float(pc.min(weights).as_py()) if len(weights) else None


def addresses_apart(
    pairs: pa.Table, left: np.ndarray, right: np.ndarray, result: ClusterResult, candidates: np.ndarray, review: float
) -> np.ndarray:
    """Per pair, whether its people's addresses settle it below the review threshold.

    A pair one of whose records has no postcode is scored without the postcode comparison.
    When both records are already in people whose records do hold postcodes, and the two
    people share no postcode area (outward code), the person-level comparison is the
    model's own postcode disagreement (its else level's weight, applied once); a pair whose
    match weight with it falls below the review threshold goes to ``distinct``. Only
    demotes: a shared postcode between people (a father and son at one address) never
    promotes a pair, and a pair whose own postcodes were compared is left as scored.

    Args:
        pairs: The scored pairs (``gamma_postcode``, ``mw_postcode``, ``match_weight``).
        left: Record index of each pair's left record.
        right: Same for the right record.
        result: The clustering (its summaries' postcode areas).
        candidates: Per pair, whether it may be settled (in review on its probability alone).
        review: The review threshold (match probability).
    """
    settled = np.zeros(pairs.num_rows, dtype=bool)
    disagree = postcode_disagreement_weight(pairs)
    if disagree is None or not candidates.any():
        return settled
    gamma = pc.fill_null(pairs["gamma_postcode"], -1).to_numpy(zero_copy_only=False)
    weight = pairs["match_weight"].to_numpy(zero_copy_only=False) + disagree
    review_weight = np.log2(review / (1 - review))
    at = np.flatnonzero(candidates & (gamma == -1) & (weight < review_weight))
    if not at.size:
        return settled
    labels = result.labels
    load = getattr(result.summaries, "load", None)
    if load is not None:
        load(labels[x] for x in (*left[at].tolist(), *right[at].tolist()))
    for i in at.tolist():
        a, b = result.summaries[labels[left[i]]], result.summaries[labels[right[i]]]
        settled[i] = bool(a.areas) and bool(b.areas) and a.areas.isdisjoint(b.areas)
    return settled


def _decided(left: np.ndarray, right: np.ndarray, decisions: dict[tuple[int, int], str], count: int) -> np.ndarray:
    """Per pair, the analysts' decision on exactly (left, right), or None."""
    key = left * count + right
    decided = np.array([a * count + b for a, b in decisions], dtype=np.int64)
    values = np.array(list(decisions.values()), dtype=object)
    order = np.argsort(decided, kind="stable")
    at = np.clip(np.searchsorted(decided[order], key), 0, len(order) - 1)
    hit = decided[order][at] == key
    found = np.full(len(key), None, dtype=object)
    found[hit] = values[order][at[hit]]
    return found


def own_pair_bands(same: np.ndarray, strong: np.ndarray, ambiguous: np.ndarray) -> tuple[list[str], list[str | None]]:
    """The band and reason of each identity profile's own pair (``linkage.resolve.profiles``).

    Its two records are identical to the model, so no constraint, demotion or
    analyst's decision (decided records are never grouped) can part them: the band
    follows from where they ended, as :func:`assign_bands` would put it.

    Args:
        same: Per pair, whether its two records ended in one person.
        strong: Per pair, whether it was an edge (at or above the link threshold).
        ambiguous: Per pair, whether its profile was left unlinked as ambiguous.
    """
    same, strong, ambiguous = (np.asarray(x, dtype=bool) for x in (same, strong, ambiguous))
    band = np.where(same, np.where(strong, LINK, SUPPORTED), REVIEW).astype(object)
    reason = np.where(
        same, np.where(strong, None, "linked through other records"),
        np.where(ambiguous, "ambiguous: also matches a person this one cannot be", "match probability in the review band"),
    ).astype(object)
    return band.tolist(), reason.tolist()
