"""Who relational context compares: each weak person's DA co-participants, the other people recorded in
the same role with them, and the prior learned from the dated ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker

from linkage.config import ModelConfig
from linkage.resolve.model_inputs import identifier_column
from linkage.resolve.context_scores import ContextScores
from linkage.resolve.profiles import Profiles

#: Numerical guards on the learned prior: a run with almost no DA context must not give odds of 0 or infinity.
_PRIOR_FLOOR, _PRIOR_CEILING = 1e-4, 1 - 1e-4


@dataclass(frozen=True)
class Context:
    """What the context step needs besides the clustering: the DA participants and the trained model.

    Attributes:
        events: ``unique_id``, ``event`` and ``role`` (victim or suspect) of police DA records
            (:func:`context_events`); records not being clustered are ignored.
        splink: The trained model's Splink settings.
        term_frequencies: The model's saved term-frequency tables.
        outside: In an incremental run, the DA participants not being clustered: ``unique_id``,
            their stored ``person_id`` and whether they hold a DOB (``dated``), so the prior is
            learned over every record as in a full run.
        scores: Candidate pairs' scores kept from earlier runs under this model, and where this
            run's are kept (None: every pair is scored, nothing kept).
        linker: A linker of the same model with its term frequencies registered (an incremental run's
            ``scoring_linker``): it scores the pairs, not a linker built for them (None: one is built).
    """

    events: pa.Table
    splink: dict
    term_frequencies: dict[str, pa.Table]
    outside: pa.Table | None = None
    scores: ContextScores | None = None
    linker: Linker | None = None


def strong_profiles(records: pa.Table, model: ModelConfig) -> np.ndarray:
    """Per profile: it holds a DOB, NHS number, PNC ID or declared identifier."""
    columns = ["dob", "nhs_number", "pnc_id", *(identifier_column(name) for name in model.identifiers)]
    strong = np.zeros(records.num_rows, dtype=bool)
    for column in columns:
        strong |= pc.is_valid(records[column]).to_numpy(zero_copy_only=False)
    return strong


def participants(profiles: Profiles, labels: np.ndarray, dated: np.ndarray, context: Context) -> pd.DataFrame:
    """One row per (record, role, co-participant person) of the DA incidents.

    Records being clustered carry their profile, person (``labels``) and whether the profile
    has a DOB; records outside (``context.outside``, in an incremental run) carry profile -1,
    their stored person (numbered after the labels) and their own DOB's presence.
    """
    events = context.events
    found = pc.index_in(events["unique_id"], value_set=profiles.unique_ids)
    inside = pc.is_valid(found).to_numpy(zero_copy_only=False)
    position = pc.fill_null(found, 0).to_numpy(zero_copy_only=False)
    profile = np.where(inside, profiles.profile_of[position], -1)
    person = np.where(inside, labels[np.maximum(profile, 0)], -1)
    has_dob = np.where(inside, dated[np.maximum(profile, 0)], False)
    if context.outside is not None and context.outside.num_rows:
        out = pc.index_in(events["unique_id"], value_set=context.outside["unique_id"])
        outside = pc.is_valid(out).to_numpy(zero_copy_only=False) & ~inside
        at = pc.fill_null(out, 0).to_numpy(zero_copy_only=False)
        codes, _ = pd.factorize(context.outside["person_id"].to_numpy(zero_copy_only=False))
        person = np.where(outside, len(labels) + codes[at], person)
        has_dob = np.where(outside, context.outside["dated"].to_numpy(zero_copy_only=False)[at], has_dob)
    frame = pd.DataFrame({
        "event": events["event"].to_numpy(zero_copy_only=False), "role": events["role"].to_numpy(zero_copy_only=False),
        "record": np.arange(events.num_rows), "profile": profile, "person": person, "dated": has_dob,
    })[person >= 0]
    victims = frame[frame.role == "victim"]
    suspects = frame[frame.role == "suspect"]
    pairs = victims.merge(suspects, on="event", suffixes=("_v", "_s"))
    sides = [
        pd.DataFrame({"role": "victim", "record": pairs.record_v, "profile": pairs.profile_v, "person": pairs.person_v,
                      "dated": pairs.dated_v, "partner": pairs.person_s}),
        pd.DataFrame({"role": "suspect", "record": pairs.record_s, "profile": pairs.profile_s, "person": pairs.person_s,
                      "dated": pairs.dated_s, "partner": pairs.person_v}),
    ]
    rows = pd.concat(sides, ignore_index=True)
    return rows[rows.person != rows.partner].drop_duplicates(["role", "record", "partner"], ignore_index=True)


def context_prior(rows: pd.DataFrame) -> float | None:
    """The chance that a DA record and another person of its co-participant in its role are one person.

    Learned from the records whose fields are all there to resolve them (a DOB), and from
    them alone: for each such record with co-participant P, the other people P was recorded
    with in the same role (on dated records) are its candidates, and it matches one of them
    exactly when clustering put another dated record of P's in that role in its own person.
    The prior is matches over candidates, summed over those records. Dated records alone,
    so the step's own merges (which move only undated records) never change it, and an
    incremental run, which sees the people outside its records as stored, learns the full
    run's prior.

    Args:
        rows: Participants of one role (:func:`participants`: ``person``, ``partner``, ``dated``).

    Returns:
        The prior, or None when no dated record has a candidate.
    """
    sample = rows[rows.dated]
    if sample.empty:
        return None
    people = sample.groupby("partner")["person"].nunique()
    rows_of = sample.groupby(["partner", "person"])["record"].transform("size")
    matches = (rows_of >= 2).to_numpy().astype(np.int64)
    others = people.reindex(sample.partner).to_numpy() - 1
    total = int((matches + others).sum())
    if total == 0:
        return None
    return float(np.clip(matches.sum() / total, _PRIOR_FLOOR, _PRIOR_CEILING))


def sounds_of(records: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Per profile, its forename's and surname's Soundex as codes comparable across the two (-1: none)."""
    fore = records["forename_soundex"].to_numpy(zero_copy_only=False)
    sur = records["surname_soundex"].to_numpy(zero_copy_only=False)
    codes, _ = pd.factorize(np.concatenate([fore, sur]), use_na_sentinel=True)
    return codes[: len(fore)], codes[len(fore):]


def _sound_alike(a: np.ndarray, b: np.ndarray, sounds: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Per pair of profiles: their forenames sound alike, or one's forename sounds like the other's surname (swapped)."""
    fore, sur = sounds
    fa, fb, sa, sb = fore[a], fore[b], sur[a], sur[b]
    return ((fa >= 0) & ((fa == fb) | (fa == sb))) | ((fb >= 0) & (fb == sa))


def candidate_pairs(rows: pd.DataFrame, strong_person: np.ndarray, fixed_person: np.ndarray, sounds: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    """(weak profile, candidate profile) pairs of the same co-participant and role.

    A weak person's record against each strong person's, and a strong person's record
    against each other strong person's (both ways round, so each has its whole candidate
    set) when their forenames sound alike (read swapped too): a perpetrator's other victims
    are most of the strong pairs, and scoring them all would cost more than the rest of the
    step. A person in ``fixed_person`` (left unlinked as ambiguous) is in no strong pair.
    """
    persons = rows.person.to_numpy()
    is_strong = strong_person[persons]
    weak, strong = rows[~is_strong], rows[is_strong]
    if strong.empty:
        return pd.DataFrame(columns=["weak_profile", "weak_person", "profile", "person"])
    movable = strong[~fixed_person[strong.person.to_numpy()]]
    fragments = movable.merge(movable, on="partner", suffixes=("_w", ""))
    fragments = fragments[fragments.person_w != fragments.person]
    fragments = fragments[_sound_alike(fragments.profile_w.to_numpy(), fragments.profile.to_numpy(), sounds)]
    joined = pd.concat([weak.merge(strong, on="partner", suffixes=("_w", "")), fragments])
    return (
        joined.rename(columns={"profile_w": "weak_profile", "person_w": "weak_person"})[["weak_profile", "weak_person", "profile", "person"]]
        .drop_duplicates(ignore_index=True)
    )


def every_record(candidates: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Each weak record against every profile of each candidate person, not only those recorded with the co-participant.

    A victim recorded under her married name with the suspect may be under her own name
    elsewhere; the best-matching record carries the pair, as the strongest edge joins
    people in clustering.
    """
    wanted = np.isin(labels, candidates.person.unique())
    members = pd.DataFrame({"profile": np.flatnonzero(wanted), "person": labels[wanted]})
    every = candidates.drop(columns="profile").drop_duplicates(["weak_profile", "person"]).merge(members, on="person")
    return every[["weak_profile", "weak_person", "profile", "person", "prior_weight"]]
