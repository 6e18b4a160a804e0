"""Resolve people on an engine: load or train the model, predict, cluster with constraints, person ids, golden view."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkage.config import ModelConfig, RunConfig
from linkage.pipeline import create_table_from_arrow, run_sql
from linkage.resolve import bands
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.record_keys import apart_identifiers, record_keys
from linkage.resolve.coparticipants import join_by_coparticipants
from linkage.resolve.context import Context, attach_by_context
from linkage.resolve.decisions import decided_records, ensure_decisions_table, read_decisions
from linkage.resolve.identity import stable_ids
from linkage.resolve.incremental_input import BLOCKING_KEYS, write_blocking_keys
from linkage.resolve.persons import build_person_tables
from linkage.resolve.profiles import Profiles
from linkage.resolve.linker import make_linker, scored_pairs
from linkage.resolve.train import TrainedModel, is_current, load_latest_model

if TYPE_CHECKING:  # the engines import this module: only their types are named here
    from linkage.engine import Engine, Stages

logger = logging.getLogger(__name__)

#: Tables a resolution replaces (built as ``<name>__new``, swapped in by the caller).
RESOLVE_TABLES = ("pairs", "clusters", "profiles", BLOCKING_KEYS, "persons", "person_values", "person_ids", "person_id_events")


@dataclass(frozen=True)
class ResolveReport:
    """What a resolution did."""

    model: TrainedModel
    trained: bool
    records: int
    pairs: int
    people: int
    band_counts: dict[str, int]
    ambiguous_records: int
    id_counts: dict[str, int] = field(default_factory=dict)
    profiles: int | None = None  # identity profiles scored (None: records were scored as rows)


def resolve(
    con: duckdb.DuckDBPyConnection,
    run: RunConfig,
    engine: Engine,
    stages: Stages,
    records_table: str = "records",
    retrain: bool = False,
    run_id: int = 1,
    previous: str | None = None,
) -> ResolveReport:
    """Build the ``RESOLVE_TABLES`` as ``<name>__new`` on an engine.

    The engine collapses the records into identity profiles, trains if the saved model is
    out of date, scores and clusters; person ids (carried over from the previous results)
    and the golden view are built here, the same for every engine.

    Args:
        con: The results connection.
        run: The run config.
        engine: What runs the heavy stages (:class:`linkage.engine.Engine`).
        stages: Where the stages' timings go, and who hears each stage start.
        records_table: The canonical records to resolve.
        retrain: Train a new model even if a current one exists.
        run_id: This run's id, for the person id registry and its log.
        previous: Schema of the previous run's results (attached), whose person ids carry over.

    Returns:
        Counts.
    """
    ensure_decisions_table(con)
    decided = read_decisions(con)
    profiles = engine.profiles(con, records_table, keep_apart=decided_records(decided))
    model = load_latest_model(run.store)
    trained = retrain or not is_current(model, run.model)
    if trained:
        with stages.time("train"):
            model = engine.train(profiles)
    assert model is not None

    with stages.time("predict"):
        scored = engine.predict(profiles, model)

    with stages.time("cluster"):
        grouping = engine.cluster(con, records_table, profiles, scored, model, decided)
        del profiles, scored
        groups = grouping.groups
        labels = groups["label"].to_pylist()
        ids = stable_ids(con, groups.select(["unique_id"]), labels, run_id, previous, decided)
        create_table_from_arrow(con, "clusters__new", with_person_ids(groups, ids.person_of))

    with stages.time("persons"):
        build_person_tables(con, records_table, "clusters__new")
        # For the incremental runs that follow: they replace only the rows of the profiles they touch.
        write_blocking_keys(con, run.model, model.splink, records_table, "profiles__new", BLOCKING_KEYS + "__new")
    bands_found = dict(run_sql(con, "count_pair_bands", "SELECT band, count(*) FROM pairs__new GROUP BY band").fetchall())
    people = len(set(labels))
    logger.info("resolved %d records (%d profiles) into %d people on %s", groups.num_rows, grouping.profiles, people, engine.name)
    return ResolveReport(
        model=model, trained=trained, records=groups.num_rows, pairs=sum(bands_found.values()), people=people,
        band_counts={k: int(v) for k, v in bands_found.items()}, ambiguous_records=grouping.ambiguous,
        id_counts=ids.counts, profiles=grouping.profiles,
    )


def predict(records: pa.Table, model: TrainedModel, review_threshold: float) -> pa.Table:
    """Score candidate pairs at or above the review threshold with a trained model.

    Returns:
        One row per pair (``unique_id_l < unique_id_r``), ordered by ids, with match
        weight, probability and per-comparison gammas and weights.
    """
    linker = make_linker(records, model.splink, model.term_frequency_tables())
    return scored_pairs(linker.inference.predict(threshold_match_probability=review_threshold))


@dataclass(frozen=True)
class Clustered:
    """Records grouped into people, and every scored pair with its band and reason.

    Attributes:
        unique_ids: Every record's id, in the order of the per-record arrays.
        labels: Each record's group.
        pairs: The scored pairs (between profiles, and each profile's own), banded.
        best: Each record's best match probability with another record of its person (NaN: none).
        confirmed: Whether an analyst confirmed a pair inside the record's person touching it.
        ambiguous: Records left unlinked as ambiguous.
    """

    unique_ids: pa.Array
    labels: list[int]
    pairs: pa.Table
    best: np.ndarray
    confirmed: np.ndarray
    ambiguous: int


def cluster_records(
    profiles: Profiles, pairs: pa.Table, decided: dict[tuple[str, str], str], model: ModelConfig, context: Context | None = None
) -> Clustered:
    """Constrained clustering of identity profiles from their scored pairs, expanded to records; then each pair's band.

    Args:
        profiles: The records, grouped (``profiles.collapse``).
        pairs: Scored pairs among these records, ordered by ids: between profiles'
            representatives, and each profile's own pair (``profiles.self_pairs``).
        decided: Analysts' confirm/reject decisions by (lower id, higher id); their
            records are each a profile of their own.
        model: The model config (thresholds and constraints).
        context: DA participants and the trained model, to attach name-only people through the people
            they were recorded with (``linkage.resolve.context``, when ``constraints.context_links``).
    """
    positions = _positions(pa.concat_arrays([_array(pairs["unique_id_l"]), _array(pairs["unique_id_r"])]), profiles.unique_ids)
    record_l, record_r = positions[: pairs.num_rows], positions[pairs.num_rows :]
    of = profiles.profile_of
    own = of[record_l] == of[record_r]
    between, inside = np.flatnonzero(~own), np.flatnonzero(own)
    # Clustering and bands read the ids, weight, probability and gammas, not the per-comparison weights.
    read = pairs.select([c for c in pairs.column_names if c in _PAIR_READ or c.startswith("gamma_")])
    scored, own_pairs = read.take(pa.array(between)), read.take(pa.array(inside))
    left, right, own_profile = of[record_l[between]], of[record_r[between]], of[record_l[inside]]
    decisions = _decided_profiles(decided, profiles)

    count = profiles.records.num_rows
    own_edges = bands.select_edges(own_pairs, model)
    edge_of = np.zeros(own_pairs.num_rows, dtype=bool)
    edge_of[own_edges.positions] = True
    together = np.zeros(count, dtype=bool)
    together[own_profile[edge_of]] = True
    kept = np.full(count, -np.inf)
    kept[own_profile[edge_of]] = own_pairs["match_weight"].to_numpy(zero_copy_only=False)[edge_of]

    names = bands.established_forenames(
        profiles.records["forename"], model.constraints.distinct_forename_share,
        None if context is None else context.term_frequencies.get("forename"),
    )
    edges = bands.select_edges(scored, model, names[left] & names[right])
    apart = _forenames_apart(left, right, edges.demoted, model)
    middles = _middle_names_apart(profiles.records, left, right, edges.identified, model)
    result = constrained_clusters(
        record_keys(profiles.records, model),
        np.column_stack((left[edges.positions], right[edges.positions])),
        scored["match_weight"].to_numpy(zero_copy_only=False)[edges.positions],
        model.constraints,
        must_link=[k for k, v in decisions.items() if v == "confirm"],
        cannot_link=[k for k, v in decisions.items() if v == "reject"],
        identified=edges.identified[edges.positions],
        vouched=edges.vouched[edges.positions],
        kept=kept,
        identifier_labels=[model.identifier_label(name) for name in apart_identifiers(model)],
        forenames_apart=apart,
        middle_names_apart=list(zip(left[middles].tolist(), right[middles].tolist(), strict=True)),
        named=edges.named[edges.positions],
    )
    context_pairs = None
    if context is not None and model.constraints.context_links:
        attached = attach_by_context(profiles, result, context, model, decisions, apart)
        result, context_pairs = attached.result, attached.pairs
    middle_differ = np.zeros(scored.num_rows, dtype=bool)
    middle_differ[middles] = True
    joined = None
    if context is not None and model.constraints.coparticipant_settles_review:
        result, joined = join_by_coparticipants(profiles, result, context, scored, left, right, ~(edges.demoted | middle_differ), model, apart, decisions)
    band, reason = bands.assign_bands(scored, left, right, edges, result, decisions, model, middle_differ, joined)

    # Back to records. A profile of several records that its own pair did not hold together
    # and that ended alone, or one left unlinked as ambiguous, is its records apart, as
    # scoring them would leave them (a record alone in its profile keeps its label: an
    # ambiguous one may still be joined by an analyst's confirmation).
    grouped = np.asarray(result.labels, dtype=np.int64)
    ambiguous = np.zeros(count, dtype=bool)
    ambiguous[list(result.ambiguous)] = True
    alone = np.bincount(grouped, minlength=count)[grouped] == 1
    split = ((ambiguous | (alone & ~together)) & (profiles.sizes > 1))[of]
    labels = np.where(split, count + np.arange(len(of)), grouped[of])

    same = labels[record_l[inside]] == labels[record_r[inside]]
    own_band, own_reason = bands.own_pair_bands(same, edge_of, ambiguous[own_profile])
    every_band = np.empty(pairs.num_rows, dtype=object)
    every_band[between], every_band[inside] = band, own_band
    every_reason = np.empty(pairs.num_rows, dtype=object)
    every_reason[between], every_reason[inside] = reason, own_reason
    banded = pairs.append_column("band", pa.array(every_band, pa.string())).append_column("reason", pa.array(every_reason, pa.string()))
    if context_pairs is None and _ascending(profiles.unique_ids):
        # Record positions follow the ids' order: sorting them is sorting the ids, without comparing strings.
        banded = banded.take(pa.array(np.lexsort((record_r, record_l))))
    else:
        banded = banded.take(pa.array(np.concatenate([between, inside])))
        if context_pairs is not None:
            banded = _with_context_pairs(banded, context_pairs)
        banded = banded.sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")])

    # Best in-person probability and analysts' confirmations, per profile and then per record.
    probability = scored["match_probability"].to_numpy(zero_copy_only=False)
    within = grouped[left] == grouped[right]
    best = np.full(count, np.nan)
    confirmed = np.zeros(count, dtype=bool)
    is_confirmed = np.asarray(band, dtype=object) == bands.CONFIRMED
    for side in (left, right):
        np.fmax.at(best, side[within], probability[within])
        confirmed[side[within & is_confirmed]] = True
    record_best = np.where(split, np.nan, best[of])
    own_probability = np.full(count, np.nan)
    own_probability[own_profile[same]] = own_pairs["match_probability"].to_numpy(zero_copy_only=False)[same]
    record_best = np.fmax(record_best, own_probability[of])
    return Clustered(
        unique_ids=profiles.unique_ids, labels=labels.tolist(), pairs=banded, best=record_best,
        confirmed=confirmed[of] & ~split, ambiguous=int(profiles.sizes[ambiguous].sum()),
    )


def _with_context_pairs(banded: pa.Table, context_pairs: pa.Table) -> pa.Table:
    """The banded pairs with the context step's pairs in place of any scored row of the same two records.

    An analyst's decision on a pair stands: its row is kept and the context pair dropped.
    """
    key = pc.binary_join_element_wise(banded["unique_id_l"], banded["unique_id_r"], "\x1f")
    context_key = pc.binary_join_element_wise(context_pairs["unique_id_l"], context_pairs["unique_id_r"], "\x1f")
    decided = pc.is_in(banded["band"], value_set=pa.array([bands.CONFIRMED, bands.REJECTED]))
    undecided = pc.invert(pc.is_in(context_key, value_set=key.filter(decided)))
    context_pairs, context_key = context_pairs.filter(undecided), context_key.filter(undecided)
    kept = banded.filter(pc.invert(pc.is_in(key, value_set=context_key)))
    return pa.concat_tables([kept, context_pairs.select(banded.column_names).cast(banded.schema)])


#: The pair columns clustering and bands read besides the gammas.
_PAIR_READ = ("unique_id_l", "unique_id_r", "match_weight", "match_probability", "mw_postcode")  # mw_postcode: bands.addresses_apart


def _positions(ids: pa.ChunkedArray | pa.Array, unique_ids: pa.Array) -> np.ndarray:
    """Each id's position in ``unique_ids`` (every id must be there)."""
    found = pc.index_in(ids, value_set=_array(unique_ids))
    if found.null_count:
        missing = pc.filter(ids, pc.is_null(found))[0].as_py()
        raise KeyError(missing)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def _decided_profiles(decided: dict[tuple[str, str], str], profiles: Profiles) -> dict[tuple[int, int], str]:
    """Analysts' decisions between two of these records, by their profiles' indices, in the decisions' order."""
    if not decided:
        return {}
    pairs = list(decided)
    of = profiles.profile_of
    lower = pc.index_in(pa.array([a for a, _ in pairs], pa.string()), value_set=_array(profiles.unique_ids)).to_pylist()
    higher = pc.index_in(pa.array([b for _, b in pairs], pa.string()), value_set=_array(profiles.unique_ids)).to_pylist()
    return {
        (int(of[a]), int(of[b])): decided[pair]
        for pair, a, b in zip(pairs, lower, higher, strict=True)
        if a is not None and b is not None
    }


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _ascending(ids: pa.Array | pa.ChunkedArray) -> bool:
    """Whether the ids are in strictly ascending order."""
    if len(ids) < 2:
        return True
    return bool(pc.all(pc.less(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py())


def _forenames_apart(left: np.ndarray, right: np.ndarray, demoted: np.ndarray, model: ModelConfig) -> list[tuple[int, int]]:
    """The demoted pairs (forenames disagree outright, no identifier agrees), when they keep clusters apart."""
    if not model.constraints.forenames_keep_apart:
        return []
    at = np.flatnonzero(demoted)
    return list(zip(left[at].tolist(), right[at].tolist(), strict=True))


def _middle_names_apart(
    records: pa.Table, left: np.ndarray, right: np.ndarray, identified: np.ndarray, model: ModelConfig
) -> np.ndarray:
    """Positions of the scored profile pairs whose middle names disagree outright and no identifier agrees, when that keeps them apart."""
    if not model.constraints.middle_names_must_agree:
        return np.zeros(0, dtype=np.int64)
    middle = records["middle_names"].to_numpy(zero_copy_only=False)
    forename = records["forename"].to_numpy(zero_copy_only=False)
    # Only pairs where both records hold a middle name need the keystroke test.
    held = pc.is_valid(records["middle_names"]).to_numpy(zero_copy_only=False)
    at = np.flatnonzero(held[left] & held[right] & ~identified)
    l, r = left[at], right[at]
    return at[bands.middle_names_differ(middle[l], middle[r], forename[l], forename[r])]


def record_groups(clustered: Clustered) -> pa.Table:
    """Label, link strength and best in-person probability per record (an engine's :class:`linkage.engine.Grouping`)."""
    labels = np.asarray(clustered.labels, dtype=np.int64)
    _, position, counts = np.unique(labels, return_inverse=True, return_counts=True)
    size = counts[position]
    strength = np.where(clustered.confirmed, "confirmed", np.where(size > 1, "strong", "single"))
    best = clustered.best
    return pa.table({
        "unique_id": clustered.unique_ids,
        "label": pa.array(labels, pa.int64()),
        "link_strength": pa.array(strength.tolist(), pa.string()),
        "best_match_probability": pa.array(np.where(np.isnan(best), None, best).tolist(), pa.float64()),
    })


def with_person_ids(groups: pa.Table, person_of: dict[int, str]) -> pa.Table:
    """The ``clusters`` table: each record's person id in place of its group's label."""
    labels = groups["label"].to_numpy()
    return pa.table({
        "unique_id": groups["unique_id"],
        "person_id": _person_ids(labels, person_of),
        "link_strength": groups["link_strength"],
        "best_match_probability": groups["best_match_probability"],
    })


def clusters_table(clustered: Clustered, person_of: dict[int, str]) -> pa.Table:
    """Person id, link strength and best in-person probability per record."""
    return with_person_ids(record_groups(clustered), person_of)


def _person_ids(labels: np.ndarray, person_of: dict[int, str]) -> pa.Array:
    """Each label's person id, looked up by array (every label must have one)."""
    if not len(labels):
        return pa.array([], pa.string())
    named = np.fromiter(person_of.keys(), dtype=np.int64, count=len(person_of))
    ids = pa.array(list(person_of.values()), pa.string())
    order = np.argsort(named, kind="stable")
    at = np.clip(np.searchsorted(named[order], labels), 0, max(len(named) - 1, 0))
    if not len(named) or not np.array_equal(named[order][at], labels):
        missing = labels if not len(named) else labels[named[order][at] != labels]
        raise KeyError(int(missing[0]))
    return ids.take(pa.array(order[at]))
