"""Relationships as evidence: attach name-only records through the people they were recorded with.

A police victim record with no DOB, NHS number or PNC ID scores on name (and perhaps
postcode and sex) alone, under the link threshold against its own person: it is left
out, and a perpetrator with one victim looks like a serial one. Yet such a record
carries context the model's pairwise comparison cannot see once people are resolved:
the suspect of its incident is a person, and that person's other victims are a tiny
candidate set in which a compatible name is strong evidence. This step runs after
clustering, on the clusters:

1. A *weak* person is a cluster none of whose records holds a DOB, NHS number, PNC ID or
   declared identifier. Its police DA records name a co-participant (the suspect of a
   victim record, the victim of a suspect record), resolved to a person by clustering.
2. Its candidates are the *strong* people recorded in the same role with that same
   co-participant in other DA incidents (the perpetrator's other victims); the weak record
   is compared with every record of each. A strong person is a candidate's candidate too:
   one victim's two fragments that each hold a DOB (her police record under another
   surname, a DOB keyed wrongly) are compared the same way, their DOBs now part of the
   evidence, so a perpetrator's one victim split in two is joined, not counted twice.
3. Each candidate pair is scored by the trained Splink model, and its evidence is the sum
   of its partial match weights (with term-frequency adjustments) for the fields present,
   leaving out the model's own partner comparison (this step replaces it) and its prior.
4. The prior is learned from the run's own data (:func:`context_prior`): over the DA
   records that do have a DOB, the share of (record, other person of the same
   co-participant in the same role) pairs that clustering resolved as one person.
   Posterior log2 odds = log2 prior odds + evidence (Bayes, fields taken as independent,
   as Splink takes them).
5. The best candidate is linked when its posterior clears the link threshold, no second
   candidate comes within ``ambiguity_margin`` of it, its forenames and surnames are
   each comparable (not Splink's else level: twins, namesakes of another forename) and no
   constraint, analyst's rejection or forename rule parts the two clusters. Between the
   review and link thresholds, or with two candidates that fit, the pair goes to review.
   Joins are made one at a time, each checked against the clusters as joined so far
   (:class:`~linkage.resolve.joins.Joins`): a cluster that took one fragment cannot take
   a second whose NHS number or DOB differs from the first's, and the result's cluster
   summaries are the joined clusters' own.

The whole step is a few joins over the DA participants (a few percent of records) and one
Splink scoring of the candidate pairs, which are few: seconds at a million people. With
kept scores (``Context.scores``, :mod:`linkage.resolve.context_scores`) only the pairs no
earlier run under the same model scored go to Splink: a few of a nightly run's.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker

from linkage.config import ModelConfig
from linkage.pipeline import Step, fetch_arrow
from linkage.resolve.cluster import ClusterResult
from linkage.resolve.context_scores import ContextScores
from linkage.resolve.context_candidates import (
    Context, candidate_pairs, context_prior, every_record, participants, sounds_of, strong_profiles,
)
from linkage.resolve.joins import Joins
from linkage.resolve.profiles import Profiles
from linkage.resolve.linker import make_linker, scored_pairs

logger = logging.getLogger(__name__)

__all__ = ["CONTEXT_EVENTS", "Context", "ContextLinks", "attach_by_context", "context_events", "context_prior"]

#: The police DA participants (victims and suspects) of each incident, the context the step reads.
CONTEXT_EVENTS = Step(
    "context_events",
    "Victims and suspects of police DA incidents, by incident",
    "SELECT unique_id, source || chr(31) || event_id AS event, CAST(role AS VARCHAR) AS role FROM {input} "
    "WHERE agency = 'police' AND domestic_abuse AND event_id IS NOT NULL AND CAST(role AS VARCHAR) IN ('victim', 'suspect')",
)
#: Reason given to a pair the context linked or sent to review; the prefix marks context pairs.
REASON_PREFIX = "relational context"
LINKED_REASON = REASON_PREFIX + " (posterior {:.3f}): same other party in DA incidents, names agree"
REVIEW_REASON = REASON_PREFIX + " (posterior {:.3f}): same other party in DA incidents, names agree in part"
AMBIGUOUS_REASON = REASON_PREFIX + " (posterior {:.3f}): same other party in DA incidents, two people fit"
#: The model's relational comparison, left out of the evidence: the context prior stands for it.
_PARTNER = "partner"
#: The candidate pairs' table in the scoring linker's database.
_BLOCKED = "context_candidate_pairs"
#: The candidate records' table in a kept linker's database, and its column of each record's right-hand partners.
_CANDIDATES, _PARTNERS = "context_candidate_records", "_context_partners"


@dataclass(frozen=True)
class ContextLinks:
    """What the context step did.

    Attributes:
        result: The clustering with the attached people merged in (labels changed only).
        pairs: The scored candidate pairs it linked or sent to review, with ``band`` and ``reason``
            (which gives the posterior); ``match_weight`` and ``match_probability`` stay the model's.
        prior: The learned prior per role (None: too little context to learn one).
    """

    result: ClusterResult
    pairs: pa.Table | None
    prior: dict[str, float | None]


def context_events(con: duckdb.DuckDBPyConnection, records_table: str = "records") -> pa.Table:
    """The police DA victims and suspects of ``records_table`` (:data:`CONTEXT_EVENTS`)."""
    return fetch_arrow(con, CONTEXT_EVENTS.name, CONTEXT_EVENTS.render(records_table))


def _score(records: pa.Table, candidates: pd.DataFrame, context: Context) -> pa.Table:
    """Splink's comparison of each candidate pair, ids as the profiles' representatives, one row per candidate.

    The pairs are handed to Splink as its blocked pairs (``register_blocked_pairs_for_predict``),
    each distinct pair once and lower id on the left, as a table paired with itself gives them;
    the profiles are read once, not copied out per pair (a third of the step's time).
    """
    ids = records["unique_id"]
    weak = ids.take(pa.array(candidates.weak_profile.to_numpy()))
    other = ids.take(pa.array(candidates.profile.to_numpy()))
    swap = pc.greater(weak, other)
    wanted = pa.table({
        "unique_id_l": pc.if_else(swap, other, weak), "unique_id_r": pc.if_else(swap, weak, other),
        "_context_pair": pa.array(np.arange(len(candidates))),
    })
    distinct = wanted.group_by(["unique_id_l", "unique_id_r"]).aggregate([])
    # Only the profiles in a candidate pair: Splink joins every record it holds to the term
    # frequencies before it reads the pairs.
    used = records.take(pa.array(np.unique(np.concatenate([candidates.weak_profile.to_numpy(), candidates.profile.to_numpy()]))))
    if context.scores is None:
        scored = _predict(used, distinct, context)
    else:
        scored = _kept_or_predicted(used, distinct, context, context.scores)
    # Joined on the ids alone, then the scores taken once in order: joining and sorting all their columns cost more.
    rows = scored.select(["unique_id_l", "unique_id_r"]).append_column("_scored_row", pa.array(np.arange(scored.num_rows)))
    # In a fixed order: the best pair of a weak and a candidate person is chosen by weight, ties by row,
    # and Splink's rows come in whatever order DuckDB's threads finish them.
    order = wanted.join(rows, ["unique_id_l", "unique_id_r"], join_type="inner").sort_by(
        [("_context_pair", "ascending"), ("unique_id_l", "ascending"), ("unique_id_r", "ascending")]
    )
    return scored.take(order["_scored_row"]).append_column("_context_pair", order["_context_pair"])


def _predict(used: pa.Table, pairs: pa.Table, context: Context) -> pa.Table:
    """Splink's scores of the id pairs (``unique_id_l`` < ``unique_id_r``) among the ``used`` records."""
    if context.linker is not None:
        return _predict_by(context.linker, used, pairs)
    linker = make_linker(used, context.splink, context.term_frequencies)
    blocked = linker.table_management.register_table(pa.table({
        "match_key": pa.array(["0"] * pairs.num_rows, pa.string()),
        "join_key_l": pairs["unique_id_l"], "join_key_r": pairs["unique_id_r"],
    }), _BLOCKED, overwrite=True)
    linker.table_management.register_blocked_pairs_for_predict(blocked)
    return scored_pairs(linker.inference.predict(warning_mode="never"))


def _predict_by(linker: Linker, used: pa.Table, pairs: pa.Table) -> pa.Table:
    """:func:`_predict` by a kept linker: its ``predict_within`` over the ``used`` records, blocked on exactly these pairs.

    Each pair's left record lists its right ones (:data:`_PARTNERS`) and the one blocking rule
    pairs a record with those, so Splink forms these pairs and no other; they are scored as
    a linker built over the records would score them (same model, same term frequencies).
    """
    partners = pairs.group_by("unique_id_l").aggregate([("unique_id_r", "list")])
    at = pc.index_in(used["unique_id"], value_set=partners["unique_id_l"])
    table = linker.table_management.register_table(
        used.append_column(_PARTNERS, pc.take(partners["unique_id_r_list"], at)), _CANDIDATES, overwrite=True
    )
    predicted = linker.inference.predict_within(
        table, blocking_rules_to_generate_predictions=[f"list_contains(l.{_PARTNERS}, r.unique_id)"], warning_mode="never",
    )
    try:
        return scored_pairs(predicted)
    finally:
        predicted.drop_table_from_database_and_remove_from_cache()
        table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)


def _kept_or_predicted(used: pa.Table, pairs: pa.Table, context: Context, scores: ContextScores) -> pa.Table:
    """The id pairs' scores: those kept from an earlier run under this model, the rest predicted and kept."""
    keys = scores.keys(used)
    keyed = pairs.append_column("key_l", pc.take(keys, pc.index_in(pairs["unique_id_l"], value_set=used["unique_id"])))
    keyed = keyed.append_column("key_r", pc.take(keys, pc.index_in(pairs["unique_id_r"], value_set=used["unique_id"])))
    found, missing = scores.lookup(keyed)
    if missing.num_rows == 0:
        return found
    # Splink reads only the records of the pairs it scores.
    ids = pc.unique(pa.concat_arrays([missing["unique_id_l"].combine_chunks(), missing["unique_id_r"].combine_chunks()]))
    fresh = _predict(used.filter(pc.is_in(used["unique_id"], value_set=ids)), missing.select(["unique_id_l", "unique_id_r"]), context)
    scores.add(fresh.join(missing, ["unique_id_l", "unique_id_r"], join_type="inner").drop_columns(["unique_id_l", "unique_id_r"]))
    if found.num_rows == 0:
        return fresh
    return pa.concat_tables([fresh, found.select(fresh.column_names).cast(fresh.schema)])


def _evidence(scored: pa.Table) -> np.ndarray:
    """The pair's partial match weights (term-frequency adjustments included), the partner comparison's left out."""
    total = np.zeros(scored.num_rows)
    for name in scored.column_names:
        if name.startswith("mw_") and name not in (f"mw_{_PARTNER}", f"mw_tf_adj_{_PARTNER}"):
            total += np.nan_to_num(scored[name].to_numpy(zero_copy_only=False).astype("float64"))
    return total


def attach_by_context(
    profiles: Profiles,
    result: ClusterResult,
    context: Context,
    model: ModelConfig,
    decisions: dict[tuple[int, int], str],
    apart: list[tuple[int, int]],
) -> ContextLinks:
    """Merge weak people into the person their DA context and names point to (see the module docstring).

    Args:
        profiles: The profiles clustered.
        result: The constrained clustering of the profiles.
        context: The DA participants and the trained model.
        model: The model config (thresholds, constraints).
        decisions: Analysts' decisions between profiles.
        apart: Profile pairs whose forenames disagree outright with no identifier agreeing (kept apart).

    Returns:
        The clustering with weak people merged in, and the context pairs with their bands.
    """
    started = time.perf_counter()
    labels = np.asarray(result.labels, dtype=np.int64)
    if context.events.num_rows == 0 or profiles.records.num_rows == 0:
        return ContextLinks(result=result, pairs=None, prior={})
    strong = strong_profiles(profiles.records, model)
    strong_person = np.zeros(len(labels), dtype=bool)
    np.logical_or.at(strong_person, labels, strong)
    # A record left unlinked as ambiguous stays for review: context does not pick its side.
    fixed_person = np.zeros(len(labels), dtype=bool)
    fixed_person[labels[list(result.ambiguous)]] = True
    strong_person |= fixed_person
    dated = pc.is_valid(profiles.records["dob"]).to_numpy(zero_copy_only=False)
    rows = participants(profiles, labels, dated, context)
    priors: dict[str, float | None] = {}
    sounds = sounds_of(profiles.records)
    found = []
    for role, of_role in rows.groupby("role"):
        prior = priors[role] = context_prior(of_role)
        candidates = candidate_pairs(of_role[of_role.profile >= 0], strong_person, fixed_person, sounds)
        if prior is None or candidates.empty:
            continue
        found.append(candidates.assign(prior_weight=_weight(prior)))
    if not found:
        return ContextLinks(result=result, pairs=None, prior=priors)
    # A weak record seen with one co-participant in both roles is scored once, with the stronger prior.
    candidates = pd.concat(found, ignore_index=True).sort_values("prior_weight", ascending=False, kind="stable")
    candidates = every_record(candidates, labels).drop_duplicates(["weak_profile", "profile"], ignore_index=True)
    scored = _score(profiles.records, candidates, context)
    pair = scored["_context_pair"].to_numpy()
    frame = candidates.iloc[pair].reset_index(drop=True)
    gamma_fore = scored["gamma_forename"].to_numpy(zero_copy_only=False)
    gamma_sur = scored["gamma_surname"].to_numpy(zero_copy_only=False)
    weight = frame.prior_weight.to_numpy() + _evidence(scored)
    frame = frame.assign(weight=weight, row=np.arange(len(frame)), names=(gamma_fore > 0) & (gamma_sur > 0))
    # Each candidate person's best pair with each weak person.
    best = frame[frame.names].sort_values(["weight", "row"], ascending=[False, True]).drop_duplicates(["weak_person", "person"])
    link_weight = _weight(model.thresholds.link)
    review_weight = _weight(model.thresholds.review)
    joins = Joins(result)
    apart_people = _apart_people(apart, labels) if model.constraints.forenames_keep_apart else set()
    rejected = _apart_people([pair for pair, decision in decisions.items() if decision == "reject"], labels)
    chosen: list[tuple[int, str, str]] = []  # (row, band, reason)
    sides = frame[["weak_profile", "profile"]].to_numpy()
    seen: set[tuple[int, int]] = set()

    def choose(row: int, band: str, reason: str) -> None:
        """Keep the pair of this row, once: a fragment pair is a candidate both ways round."""
        key = (int(sides[row].min()), int(sides[row].max()))
        if key not in seen:
            seen.add(key)
            chosen.append((row, band, reason))

    if rejected:
        # A person an analyst rejected is no candidate.
        pairs_of = list(zip(best.weak_person.tolist(), best.person.tolist(), strict=True))
        best = best[np.array([pair not in rejected for pair in pairs_of], dtype=bool)]  # a mask even when empty
    for weak_person, fits in best.groupby("weak_person", sort=True):
        # A person already joined to this one (a fragment pair seen the other way round) is no rival.
        home = joins.find(int(fits.weak_profile.iloc[0]))
        fits = fits[[joins.find(int(p)) != home for p in fits.profile]]
        if fits.empty:
            continue
        fits = fits.sort_values(["weight", "person"], ascending=[False, True])
        top = fits.iloc[0]
        if top.weight < review_weight:
            continue
        rival = len(fits) > 1 and fits.iloc[1].weight >= max(review_weight, top.weight - model.constraints.ambiguity_margin)
        if rival:
            for r in fits.row[fits.weight >= review_weight].head(2):
                choose(int(r), "review", AMBIGUOUS_REASON)
            continue
        weak, other = int(top.weak_profile), int(top.profile)
        refused = _kept_apart(weak, other, labels, joins, model, apart_people)
        if refused == _HARD:
            continue
        # A soft rule (two towns, no identifier) yields to the shared co-participant (linkage.resolve.coparticipants).
        if top.weight < link_weight or (refused == _SOFT and not model.constraints.coparticipant_settles_review):
            choose(int(top.row), "review", REVIEW_REASON)
            continue
        joins.join(weak, other)
        seen.discard((min(weak, other), max(weak, other)))  # the link replaces a review of the pair seen the other way round
        chosen = [c for c in chosen if (int(sides[c[0]].min()), int(sides[c[0]].max())) != (min(weak, other), max(weak, other))]
        choose(int(top.row), "link", LINKED_REASON)
    if not chosen:
        return ContextLinks(result=result, pairs=None, prior=priors)
    at = [row for row, _, _ in chosen]
    posterior = 1 / (1 + np.exp2(-weight[at]))
    pairs = scored.drop_columns(["_context_pair"]).take(pa.array(at))
    pairs = pairs.append_column("band", pa.array([b for _, b, _ in chosen], pa.string())).append_column(
        "reason", pa.array([r.format(p) for (_, _, r), p in zip(chosen, posterior.tolist(), strict=True)], pa.string())
    )
    linked = sum(band == "link" for _, band, _ in chosen)
    logger.info(
        "relational context: prior %s, %d candidate pairs, %d people attached, %d pairs to review, %.2fs",
        {role: None if p is None else round(p, 4) for role, p in priors.items()}, len(frame), linked, len(chosen) - linked,
        time.perf_counter() - started,
    )
    return ContextLinks(result=joins.result(), pairs=pairs, prior=priors)


def _weight(probability: float) -> float:
    """Match weight (log2 odds) of a match probability."""
    return math.log2(probability / (1 - probability))


def _apart_people(pairs: list[tuple[int, int]], labels: np.ndarray) -> set[tuple[int, int]]:
    """The clusters (both orders) holding the two profiles of each pair."""
    if not pairs:
        return set()
    ends = np.asarray(pairs, dtype=np.int64)
    a, b = labels[ends[:, 0]].tolist(), labels[ends[:, 1]].tolist()
    return set(zip(a, b, strict=True)) | set(zip(b, a, strict=True))


#: What keeps two clusters apart: a hard rule (never one person) or a soft one (review).
_HARD, _SOFT = "hard", "soft"


def _kept_apart(weak: int, other: int, labels: np.ndarray, joins: Joins, model: ModelConfig, apart: set[tuple[int, int]]) -> str | None:
    """Whether a constraint or the forename rule keeps the two clusters apart (``_HARD``), or a soft rule sends them to review (``_SOFT``).

    The clusters are those holding the two records now, with the joins made so far.
    ``apart``: cluster pairs (as clustered) holding (``forenames_keep_apart``) a pair whose
    forenames disagree outright with no identifier agreeing.
    """
    if joins.conflict(weak, other, model.constraints) is not None:
        return _HARD
    if (int(labels[weak]), int(labels[other])) in apart:
        return _HARD
    # The clustering's own soft rules (address, place), as a scored edge between the two would meet them.
    return _SOFT if joins.soft_refusal(weak, other, model.constraints) else None
