"""Entry point: generate synthetic agency extracts plus ground truth."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from synth.children import (
    ChildContact, absent_men, children_rng, contact_children, encompass_truth, unseen_men_truth,
)
from synth.corrupt import render_identity
from synth.events import PLAN_TYPES, VICTIM, Events, generate_events
from synth.names import load_vocab
from synth.hard_negatives import add_hard_negatives
from synth.population import build_population, day_of
from synth.rates import ErrorRates
from synth.dangerous import dangerous_places, dangerous_rng, plant_dangerous_places
from synth.shared import add_shared_places, shared_rng, stay_attendances
from synth.truth import compute_markers, people_columns, person_ids
from synth.writers import (
    DateFormats, health_columns, ids, police_columns, social_care_columns, write_csv, write_parquet,
)

__all__ = ["GENERATOR_VERSION", "SOURCES", "GenerateSummary", "generate_extracts"]

log = logging.getLogger(__name__)

GENERATOR_VERSION = "1.4.0"
SOURCES = ("police", "social_care", "health")


@dataclass(frozen=True)
class GenerateSummary:
    """What :func:`generate_extracts` wrote."""

    people: int
    records: dict[str, int] = field(default_factory=dict)
    """Rows per source (police, social_care, health)."""
    paths: dict[str, Path] = field(default_factory=dict)
    """Output files by name: the three extracts and the truth files."""
    seconds: float = 0.0


def _police(rng, pop, vocab, ev: Events, rates: ErrorRates, dates: DateFormats, crng, contact: ChildContact) -> tuple[dict, np.ndarray]:
    occ_order = np.lexsort((np.arange(len(ev.occ_day)), ev.occ_day))
    rank = np.empty_like(occ_order)
    rank[occ_order] = np.arange(len(occ_order))
    role_order = np.array([1, 0, 2, 3])[ev.p_role]  # suspect first, then victim, witness, involved
    rows = np.lexsort((role_order, rank[ev.p_occ]))
    occ, person, role, addr = ev.p_occ[rows], ev.p_person[rows], ev.p_role[rows], ev.p_addr_person[rows]
    day = ev.occ_day[occ]
    # OCC-YYYY-nnnnnn, numbered within the year.
    year = (np.datetime64("1970-01-01", "D") + ev.occ_day[occ_order].astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970
    first_of_year = np.searchsorted(year, year, side="left")
    seq = np.arange(len(year)) - first_of_year + 1
    ref_sorted = "OCC-" + year.astype("U4").astype(object) + "-" + np.char.zfill(seq.astype("U6"), 6).astype(object)
    occ_ref = np.empty(len(year), dtype=object)
    occ_ref[occ_order] = ref_sorted
    # DA victims' own records: taken in crisis, details withheld, or they have fled.
    da_victim = (role == VICTIM) & (ev.occ_dash[occ] >= 0)
    r = render_identity(rng, pop, vocab, rates.police, person, day, addr, victim=da_victim)
    cols = police_columns(
        rng, pop, r, dates, occ_ref[occ], day, ev.occ_cat[occ], ev.occ_dash[occ], role,
        ev.pnc_year2, ev.pnc_serial, person, rates.police.pnc_wrong_check,
    )
    # Children at occurrences through child contact come last, from their own stream, so the rows above stay as they were.
    occ, kid, role = contact.occ, contact.person, contact.role
    if not len(kid):
        return cols, person
    k, total = len(person), len(person) + len(kid)
    day = ev.occ_day[occ]
    r = render_identity(crng, pop, vocab, rates.police, kid, day, kid, victim=np.zeros(len(kid), dtype=bool))
    more = police_columns(
        crng, pop, r, dates, occ_ref[occ], day, ev.occ_cat[occ], ev.occ_dash[occ], role,
        ev.pnc_year2, ev.pnc_serial, kid, rates.police.pnc_wrong_check,
    )
    more["PersonRecordRef"] = ids("PN", total, 7)[k:]
    return {c: np.concatenate([cols[c], more[c]]) for c in cols}, np.concatenate([person, kid])


def _social_care(rng, pop, vocab, ev: Events, rates: ErrorRates, dates: DateFormats, dropped: np.ndarray) -> tuple[dict, np.ndarray]:
    ep_order = np.lexsort((np.arange(len(ev.ep_day)), ev.ep_day))
    rank = np.empty_like(ep_order)
    rank[ep_order] = np.arange(len(ep_order))
    rows = np.lexsort((ev.s_role, rank[ev.s_ep]))
    ep, person, role = ev.s_ep[rows], ev.s_person[rows], ev.s_role[rows]
    day = ev.ep_day[ep]
    r = render_identity(rng, pop, vocab, rates.social_care, person, day)
    ep_ref = ids("EP", len(ep_order), 8)[rank[ep]]
    cols = social_care_columns(rng, pop, r, dates, ep_ref, day, ev.ep_plan[ep], ev.ep_category[ep], ev.ep_factors[ep], role)
    # Men left off their household's episodes go after rendering, so every other row stays as it was.
    keep = ~dropped[rows]
    return {c: v[keep] for c, v in cols.items()}, person[keep]


def _episode_rank(ev: Events) -> np.ndarray:
    """Each episode's position in the social care extract (by day, then as generated)."""
    order = np.lexsort((np.arange(len(ev.ep_day)), ev.ep_day))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank


def _health(rng, pop, vocab, ev: Events, rates: ErrorRates, dates: DateFormats, srng) -> tuple[dict, np.ndarray]:
    rows = np.lexsort((np.arange(len(ev.h_day)), ev.h_day))
    person, day = ev.h_person[rows], ev.h_day[rows]
    r = render_identity(rng, pop, vocab, rates.health, person, day)
    cols = health_columns(
        rng, pop, r, dates, ids("ATT", len(rows), 9), day, ev.h_service[rows],
        ev.h_complaint[rows], ev.h_baby_mother[rows], ev.h_nfa[rows],
    )
    # Attendances during refuge and hostel stays come last, from their own stream, so the rows above stay as they were.
    extra, extra_day = stay_attendances(srng, pop)
    k, total = len(person), len(person) + len(extra)
    r = render_identity(srng, pop, vocab, rates.health, extra, extra_day)
    more = health_columns(
        srng, pop, r, dates, ids("ATT", total, 9)[k:], extra_day, np.zeros(len(extra), dtype=np.int8),
        _stay_complaints(srng, vocab, len(extra)), np.full(len(extra), -1), np.zeros(len(extra), dtype=bool),
    )
    more["PatientRecordID"] = ids("HL", total, 7)[k:]
    return {c: np.concatenate([cols[c], more[c]]) for c in cols}, np.concatenate([person, extra])


#: Each extract's event date column and its format.
_DATE_COLUMNS = {"police": ("OccurrenceDate", "%d/%m/%Y"), "social_care": ("ReferralDate", "%Y-%m-%d"), "health": ("AttendanceDate", "%d-%b-%Y")}


def _latest_day(dates: np.ndarray, fmt: str) -> int:
    """The latest event date of one extract, as a day number."""
    latest = pd.to_datetime(pd.Series(dates), format=fmt).max()
    return day_of(latest.date().isoformat())


def _stay_complaints(srng, vocab, k: int) -> np.ndarray:
    complaints, p = vocab.complaints[("ED", "general")]
    return complaints[srng.choice(len(complaints), size=k, p=p)]


def generate_extracts(
    people: int,
    seed: int,
    out_dir: Path,
    as_of: date = date(2026, 11, 1),
    rates: ErrorRates | None = None,
    profile: str = "default",
) -> GenerateSummary:
    """Write synthetic police, social care and health extracts with ground truth.

    Output (under ``out_dir``): ``police.csv``, ``social_care.csv``, ``health.parquet``
    and ``truth/`` with ``records.csv``, ``people.csv`` (every person, including those
    with no records), ``da_edges.csv``, ``shared_addresses.csv`` (the refuges and hostels,
    see :mod:`synth.shared`), ``dangerous_places.csv`` (addresses with DA across
    households, see :mod:`synth.dangerous`) and ``manifest.json``. The same arguments always
    produce byte-identical files.

    Args:
        people: Number of people in the synthetic area (about 0.87 records each).
        seed: Seed for ``numpy.random.Generator(PCG64(seed))``.
        out_dir: Directory to write to (created if needed).
        as_of: Extract date; events fall between 2018-01-01 and the day before.
        rates: Per-agency error rates; when given they replace the profile's and the
            manifest records the profile as ``custom``.
        profile: Error profile, ``clean``, ``default`` or ``harsh`` (see
            :data:`~synth.rates.PROFILES`); recorded in ``truth/manifest.json``.

    Returns:
        Counts, output paths and elapsed seconds.

    Raises:
        ValueError: ``people`` is under 100, or ``profile`` is not a profile.
    """
    if people < 100:
        raise ValueError("people must be at least 100")
    t0 = time.perf_counter()
    profile_rates = ErrorRates.for_profile(profile)
    if rates is None:
        rates = profile_rates
    else:
        profile = "custom"
    out_dir = Path(out_dir)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    as_of_day = day_of(as_of.isoformat())
    vocab = load_vocab()

    pop = build_population(rng, people, as_of_day, vocab)
    add_hard_negatives(rng, pop, vocab, as_of_day)
    log.info("population built: %d people, %d households (%.1fs)", pop.n, len(pop.hh_start), time.perf_counter() - t0)
    ev = generate_events(rng, pop, vocab, as_of_day)
    log.info("events generated (%.1fs)", time.perf_counter() - t0)
    srng = shared_rng(seed)
    places = add_shared_places(srng, pop, vocab, ev, as_of_day, day_of("2018-01-01"))
    planted = plant_dangerous_places(dangerous_rng(seed), pop, vocab, ev, as_of_day)
    crng = children_rng(seed)
    contact = contact_children(crng, pop, ev)
    dropped = absent_men(crng, pop, ev, as_of_day)
    extra = {"police": (crng, contact), "social_care": (dropped,), "health": (srng,)}

    dates = DateFormats(as_of_day + 400)
    paths: dict[str, Path] = {}
    records: dict[str, int] = {}
    truth_parts = []
    pid = person_ids(pop.n)
    latest: list[int] = []
    for source, build in (("police", _police), ("social_care", _social_care), ("health", _health)):
        cols, person = build(rng, pop, vocab, ev, rates, dates, *extra[source])
        path = out_dir / ("health.parquet" if source == "health" else f"{source}.csv")
        (write_parquet if source == "health" else write_csv)(cols, path)
        id_col = {"police": "PersonRecordRef", "social_care": "ClientID", "health": "PatientRecordID"}[source]
        truth_parts.append((source, cols[id_col], person))
        paths[source] = path
        records[source] = len(person)
        latest.append(_latest_day(cols[_DATE_COLUMNS[source][0]], _DATE_COLUMNS[source][1]))
        log.info("%s: %d records written (%.1fs)", source, len(person), time.perf_counter() - t0)

    write_csv(
        {
            "source": np.concatenate([np.full(len(p), s, dtype=object) for s, _, p in truth_parts]),
            "record_id": np.concatenate([r for _, r, _ in truth_parts]),
            "person_id": np.concatenate([pid[p] for _, _, p in truth_parts]),
        },
        out_dir / "truth" / "records.csv",
    )
    markers = compute_markers(ev, pop.n, as_of_day)
    iso = lambda d: dates.format(d, "iso")  # noqa: E731
    # The day the flags count to: the latest event date in the extracts.
    ref = max(latest)
    present = encompass_truth(pop, ev, contact, places.address, ref)
    unseen = unseen_men_truth(pop, ev, dropped, _episode_rank(ev), ref)
    people = people_columns(pop, vocab, ev, markers, iso, pid)
    flag = lambda mask: np.where(mask, "true", "false").astype(object)  # noqa: E731
    people["is_child_at_incident"] = flag(np.isin(np.arange(pop.n), present["person"].to_numpy()))
    people["is_unseen_man"] = flag(np.isin(np.arange(pop.n), unseen["man"].to_numpy()))
    write_csv(people, out_dir / "truth" / "people.csv")
    write_csv(
        {
            "person_id": pid[present["person"].to_numpy()],
            "occurrence_date": iso(present["day"].to_numpy()),
            "presence": present["presence"].to_numpy().astype(object),
        },
        out_dir / "truth" / "children_at_incidents.csv",
    )
    write_csv(
        {
            "man_id": pid[unseen["man"].to_numpy()],
            "child_id": pid[unseen["child"].to_numpy()],
            "plan": np.array(PLAN_TYPES, dtype=object)[unseen["plan"].to_numpy()],
            "plan_date": iso(unseen["plan_day"].to_numpy()),
        },
        out_dir / "truth" / "unseen_men.csv",
    )
    e = markers.edges
    write_csv(
        {
            "perpetrator_id": pid[e["perp"].to_numpy()],
            "victim_id": pid[e["victim"].to_numpy()],
            "incidents": e["incidents"].to_numpy().astype(str).astype(object),
            "first_date": iso(e["first_day"].to_numpy()),
            "last_date": iso(e["last_day"].to_numpy()),
        },
        out_dir / "truth" / "da_edges.csv",
    )
    a = pop.addresses
    write_csv(
        {
            "kind": places.kind,
            "address": a.line[places.address],
            "town": a.town[places.address],
            "postcode": a.postcode[places.address],
            "residents": places.residents.astype(str).astype(object),
        },
        out_dir / "truth" / "shared_addresses.csv",
    )
    danger = dangerous_places(pop, ev, as_of_day, planted)
    place = danger["address"].to_numpy()
    write_csv(
        {
            "address": a.line[place],
            "town": a.town[place],
            "postcode": a.postcode[place],
            "incidents": danger["incidents"].to_numpy().astype(str).astype(object),
            "households": danger["households"].to_numpy().astype(str).astype(object),
            "first_date": iso(danger["first_day"].to_numpy()),
            "last_date": iso(danger["last_day"].to_numpy()),
            "planted": np.where(danger["planted"].to_numpy(dtype=bool), "true", "false").astype(object),
        },
        out_dir / "truth" / "dangerous_places.csv",
    )
    for name in ("records", "people", "da_edges", "shared_addresses", "dangerous_places", "children_at_incidents", "unseen_men"):
        paths[f"truth_{name}"] = out_dir / "truth" / f"{name}.csv"
    paths["manifest"] = out_dir / "truth" / "manifest.json"
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "people": pop.n,
        "as_of": as_of.isoformat(),
        "records": records,
        "people_csv": "all people, including those with no records",
        "profile": profile,
        "error_rates": rates.as_dict(),
    }
    paths["manifest"].write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - t0
    log.info("generated %d records for %d people in %.1fs", sum(records.values()), pop.n, seconds)
    return GenerateSummary(people=pop.n, records=records, paths=paths, seconds=seconds)
