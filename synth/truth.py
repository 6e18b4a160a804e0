"""Ground truth: record-to-person map, people, DA edges and markers.

Markers follow DOMAIN.md and are computed from the true police DA occurrences, so
they are what a perfect linker would find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.events import SUSPECT, VICTIM, Events
from synth.idgen import format_nhs, format_pnc
from synth.names import Vocab
from synth.population import Population

__all__ = ["Markers", "compute_markers", "people_columns", "person_ids"]

#: Repeat victim: this many DA occurrences as victim ...
REPEAT_INCIDENTS = 3
#: ... within this many days (12 months, inclusive).
REPEAT_WINDOW_DAYS = 365
#: Serial perpetrator: 2+ distinct victims within this many years before as_of.
SERIAL_LOOKBACK_YEARS = 3


@dataclass
class Markers:
    """Per-person DA markers and the perpetrator-victim edge table."""

    is_perpetrator: np.ndarray
    is_serial_perpetrator: np.ndarray
    is_repeat_victim: np.ndarray
    edges: pd.DataFrame
    """perp, victim, incidents, first_day, last_day."""


def person_ids(n: int) -> np.ndarray:
    """``P0000001``-style person ids for indices 0..n-1."""
    width = max(7, len(str(n)))
    return "P" + np.char.zfill(np.arange(1, n + 1).astype(f"U{width}"), width).astype(object)


def compute_markers(ev: Events, n: int, as_of: int) -> Markers:
    """Derive markers from police DA occurrences.

    Args:
        ev: The true events.
        n: Number of people.
        as_of: Extract date (days since epoch).

    Returns:
        The markers and DA edges.
    """
    da_row = ev.occ_cat[ev.p_occ] < 4
    rows = pd.DataFrame({"occ": ev.p_occ[da_row], "person": ev.p_person[da_row], "role": ev.p_role[da_row]})
    sus = rows[rows["role"] == SUSPECT][["occ", "person"]].rename(columns={"person": "perp"})
    vic = rows[rows["role"] == VICTIM][["occ", "person"]].rename(columns={"person": "victim"})
    pairs = sus.merge(vic, on="occ")
    pairs["day"] = ev.occ_day[pairs["occ"].to_numpy()]
    edges = (
        pairs.groupby(["perp", "victim"], sort=True)["day"]
        .agg(incidents="size", first_day="min", last_day="max")
        .reset_index()
    )
    is_perp = np.zeros(n, dtype=bool)
    is_perp[sus["perp"].to_numpy()] = True

    as_of_d = np.datetime64("1970-01-01", "D") + np.timedelta64(as_of, "D")
    lookback = as_of_d.astype(object).replace(year=as_of_d.astype(object).year - SERIAL_LOOKBACK_YEARS)
    since = int((np.datetime64(lookback, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))
    recent = pairs[pairs["day"] >= since]
    n_victims = recent.groupby("perp")["victim"].nunique()
    serial = np.zeros(n, dtype=bool)
    serial[n_victims.index[n_victims >= 2].to_numpy()] = True

    v = vic.assign(day=ev.occ_day[vic["occ"].to_numpy()]).sort_values(["victim", "day"], kind="stable")
    vv, vd = v["victim"].to_numpy(), v["day"].to_numpy()
    k = REPEAT_INCIDENTS - 1
    hit = (vv[k:] == vv[:-k]) & (vd[k:] - vd[:-k] <= REPEAT_WINDOW_DAYS) if len(vv) > k else np.zeros(0, bool)
    repeat = np.zeros(n, dtype=bool)
    repeat[vv[k:][hit]] = True
    return Markers(is_perp, serial, repeat, edges)


def _other(ptr: np.ndarray, pid: np.ndarray) -> np.ndarray:
    return np.where(ptr >= 0, pid[np.maximum(ptr, 0)], None)


def people_columns(pop: Population, vocab: Vocab, ev: Events, markers: Markers, iso, pid: np.ndarray) -> dict[str, np.ndarray]:
    """Columns of truth/people.csv (every person, with or without records)."""
    n = pop.n
    a = pop.addresses
    hh = pop.household
    cur = pop.hh_address[hh]
    old = pop.hh_old_address[hh]
    moved = old >= 0
    pnc = np.full(n, None, dtype=object)
    has = ev.pnc_serial >= 0
    pnc[has] = format_pnc(ev.pnc_year2[has], ev.pnc_serial[has])
    af = np.where(pop.alias_forename >= 0, vocab.forenames[np.maximum(pop.alias_forename, 0)], vocab.forenames[pop.forename])
    asur = np.where(pop.alias_surname != "", pop.alias_surname, pop.surname)
    has_alias = (pop.alias_forename >= 0) | (pop.alias_surname != "")
    width = max(7, len(str(len(pop.hh_start))))
    flag = lambda b: np.where(b, "true", "false").astype(object)  # noqa: E731
    return {
        "person_id": pid,
        "household_id": "H" + np.char.zfill((hh + 1).astype(f"U{width}"), width).astype(object),
        "forename": vocab.forenames[pop.forename],
        "middle_name": np.where(pop.middle >= 0, vocab.forenames[np.maximum(pop.middle, 0)], None),
        "surname": pop.surname,
        "previous_surname": np.where(pop.prev_surname != "", pop.prev_surname, None),
        "sex": np.where(pop.sex == 0, "M", "F").astype(object),
        "dob": iso(pop.dob),
        "nhs_number": format_nhs(pop.nhs),
        "pnc_id": pnc,
        "address": a.line[cur] + ", " + a.town[cur],
        "postcode": a.postcode[cur],
        "old_address": np.where(moved, a.line[np.maximum(old, 0)] + ", " + a.town[np.maximum(old, 0)], None),
        "old_postcode": np.where(moved, a.postcode[np.maximum(old, 0)], None),
        "aliases": np.where(has_alias, af + " " + asur, None),
        "is_perpetrator": flag(markers.is_perpetrator),
        "is_serial_perpetrator": flag(markers.is_serial_perpetrator),
        "is_repeat_victim": flag(markers.is_repeat_victim),
        "twin_of": _other(pop.twin_of, pid),
        "junior_senior_of": _other(pop.junior_senior_of, pid),
        "namesake_of": _other(pop.namesake_of, pid),
    }
