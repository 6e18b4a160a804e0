"""True police events: domestic abuse between partners, the look-alikes' own records, background
offending, and the PNC IDs that follow from them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.event_model import (
    INVOLVED, OFFENCE_CATEGORIES, SUSPECT, TARGET_RATE, VICTIM, WITNESS, YEAR, DAEdges, Sampler,
    household_member, uniform_days, weighted_sample,
)
from synth.names import Vocab
from synth.population import Population, birth_year, draw_forenames

# Non-DA occurrence patterns: category -> [(role, sampler, probability present)].
_NON_DA = {
    "Assault": [(SUSPECT, "suspect", 0.85), (VICTIM, "general", 1.0), (WITNESS, "general", 0.35)],
    "Theft": [(SUSPECT, "suspect", 0.4), (VICTIM, "general", 1.0), (WITNESS, "general", 0.1)],
    "Burglary": [(SUSPECT, "suspect", 0.3), (VICTIM, "general", 1.0), (WITNESS, "general", 0.1)],
    "Public Order": [(SUSPECT, "suspect", 1.0), (SUSPECT, "suspect", 0.3), (WITNESS, "general", 0.3)],
    "Drugs Possession": [(SUSPECT, "drugs", 1.0)],
    "Criminal Damage": [(SUSPECT, "suspect", 0.6), (VICTIM, "general", 1.0)],
    "Concern for Welfare": [(INVOLVED, "welfare", 1.0)],
    "Missing Person": [(INVOLVED, "missing", 1.0)],
    "Road Traffic": [(SUSPECT, "driver", 1.0), (INVOLVED, "driver", 0.5)],
}
_NON_DA_P = np.array([0.15, 0.18, 0.07, 0.10, 0.09, 0.09, 0.14, 0.06, 0.12])


class _Police:
    """Accumulates occurrences and their person rows."""

    def __init__(self) -> None:
        self.occ: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.rows: list[tuple[np.ndarray, ...]] = []
        self.n_occ = 0

    def add_occurrences(self, day: np.ndarray, cat: np.ndarray, dash: np.ndarray) -> int:
        base = self.n_occ
        self.occ.append((day.astype(np.int32), cat.astype(np.int8), dash.astype(np.int8)))
        self.n_occ += len(day)
        return base

    def add_rows(self, occ: np.ndarray, person: np.ndarray, role: int | np.ndarray, addr: np.ndarray | None = None) -> None:
        role_arr = np.broadcast_to(np.asarray(role, dtype=np.int8), occ.shape).copy()
        self.rows.append((occ, person, role_arr, person if addr is None else addr))


def _domestic_abuse(
    rng: np.random.Generator, pop: Population, vocab: Vocab, as_of: int, win: int, police: _Police
) -> tuple[DAEdges, np.ndarray, np.ndarray]:
    """DA relationships and their police occurrences.

    Returns:
        The edges, and per incident (occurrence) the edge index and day.
    """
    n = pop.n
    age = (as_of - pop.dob) / YEAR
    elig = (age >= 20) & (age < 66)
    w = elig * np.where(pop.sex == 0, 4.0, 1.0) * np.where(age < 50, 1.0, 0.4)
    w *= (1 + 2 * pop.substance_misuse) * (1 + 2 * pop.offender)
    perps = weighted_sample(rng, w, round(n * 0.012))
    rng.shuffle(perps)
    n_perp = len(perps)
    serial = rng.random(n_perp) < 0.12
    nv = np.where(serial, rng.choice([2, 3, 4], size=n_perp, p=[0.6, 0.3, 0.1]), 1)
    e_perp = np.repeat(perps, nv)
    e_nv = np.repeat(nv, nv)
    e_k = np.arange(len(e_perp)) - np.repeat(np.cumsum(nv) - nv, nv)
    n_e = len(e_perp)

    # First victim: the cohabiting partner when there is one.
    hh = pop.household[e_perp]
    start = pop.hh_start[hh]
    partner = np.where(e_perp == start, start + 1, start)
    has_partner = (pop.hh_size[hh] > 1) & pop.is_adult_role[e_perp] & pop.is_adult_role[np.minimum(partner, n - 1)]
    use_partner = (e_k == 0) & has_partner & (rng.random(n_e) < 0.85)
    # Others: an opposite-sex adult of similar age, found via an age-sorted pool.
    victim = np.empty(n_e, dtype=np.int64)
    for s in (0, 1):
        pool = np.flatnonzero(elig & (pop.sex == 1 - s))
        pool = pool[np.argsort(age[pool], kind="stable")]
        m = ~use_partner & (pop.sex[e_perp] == s)
        target = age[e_perp[m]] - 2 + rng.normal(0, 5, int(m.sum()))
        idx = np.searchsorted(age[pool], target) + rng.integers(-200, 200, int(m.sum()))
        victim[m] = pool[np.clip(idx, 0, len(pool) - 1)]
    victim[use_partner] = partner[use_partner]

    # Relationship periods; serial perpetrators move from partner to partner.
    single_start = rng.uniform(win - 365, as_of - 90, n_e)
    last_start = as_of - rng.uniform(60, 540, n_e)
    gap = np.repeat(rng.uniform(200, 600, n_perp), nv) + rng.uniform(-60, 60, n_e)
    serial_start = last_start - (e_nv - 1 - e_k) * gap
    e_start = np.where(e_nv > 1, serial_start, single_start)
    dur = np.where(e_nv > 1, np.minimum(gap, rng.uniform(120, 600, n_e)), rng.uniform(90, 4 * 365, n_e))
    e_start = np.maximum(e_start, win).astype(np.int32)
    e_end = np.minimum(e_start + np.maximum(dur, 30), as_of - 1).astype(np.int32)

    # Incidents: a fifth of relationships produce a burst (repeat victimisation).
    repeat = rng.random(n_e) < 0.2
    n_inc = np.where(repeat, 3 + rng.poisson(1.2, n_e), 1 + rng.poisson(0.8, n_e))
    inc_edge = np.repeat(np.arange(n_e), n_inc)
    span = (e_end - e_start).astype(np.float64)
    ws = e_start + np.where(repeat, rng.random(n_e) * np.maximum(span - 300, 0), 0)
    wl = np.where(repeat, np.minimum(300, np.maximum(span, 60)), span)
    day = ws[inc_edge] + rng.random(len(inc_edge)) * wl[inc_edge]
    adult_from = np.maximum(pop.dob[e_perp], pop.dob[victim]) + int(16 * YEAR)
    day = np.clip(np.maximum(day, adult_from[inc_edge]), win, as_of - 1).astype(np.int32)

    n_occ = len(inc_edge)
    cat = rng.choice(4, size=n_occ, p=[0.4, 0.25, 0.15, 0.2])
    dash = rng.choice(3, size=n_occ, p=[0.55, 0.30, 0.15])
    base = police.add_occurrences(day, cat, dash)
    occ = base + np.arange(n_occ)
    p, v = e_perp[inc_edge], victim[inc_edge]
    at_victims = rng.random(n_occ) < 0.5
    police.add_rows(occ, p, SUSPECT, np.where(at_victims, v, p))
    police.add_rows(occ, v, VICTIM)
    # Children in the victim's household witness or are involved.
    vh = pop.household[v]
    for j in range(int(pop.hh_size.max())):
        kid, valid = household_member(pop, vh, j)
        valid &= (j >= pop.hh_first_dep[vh]) & (pop.dob[kid] <= day) & (day - pop.dob[kid] < 18 * YEAR)
        valid &= rng.random(n_occ) < 0.4
        kage = (day - pop.dob[kid]) / YEAR
        police.add_rows(occ[valid], kid[valid], np.where(kage[valid] >= 6, WITNESS, INVOLVED).astype(np.int8))

    # Toxic trio: in a quarter of cohabiting DA households the adults also have
    # mental-health and substance-misuse involvement.
    tox = use_partner & (rng.random(n_e) < 0.25)
    pop.substance_misuse[e_perp[tox]] = True
    pop.mental_health[victim[tox]] = True
    both = tox & (rng.random(n_e) < 0.3)
    pop.mental_health[e_perp[both]] = True

    # Some serial perpetrators are known by an alias (different forename and/or surname).
    alias_p = np.where(serial, 0.4, 0.05)
    has_alias = rng.random(n_perp) < alias_p
    ap = perps[has_alias]
    kind = rng.choice(3, size=len(ap), p=[0.4, 0.3, 0.3])  # forename, surname, both
    fore = draw_forenames(rng, vocab, pop.sex[ap], birth_year(pop.dob[ap]))
    fore = np.where(fore == pop.forename[ap], (fore + 1) % len(vocab.forenames), fore)
    sur = rng.choice(vocab.surnames, size=len(ap), p=vocab.surname_p)
    pop.alias_forename[ap] = np.where(kind != 1, fore, -1)
    pop.alias_surname[ap] = np.where((kind != 0) & (sur != pop.surname[ap]), sur, "")
    return DAEdges(e_perp, victim, e_start, e_end), inc_edge, day


def _person_weights(pop: Population, as_of: int, perp_or_victim: np.ndarray) -> dict[str, np.ndarray]:
    """Propensity of each person to appear in each kind of police occurrence."""
    age = (as_of - pop.dob) / YEAR
    adult = age >= 18
    male = pop.sex == 0
    teen_up = age >= 12
    mh, sm, off = pop.mental_health, pop.substance_misuse, pop.offender
    return {
        "suspect": teen_up * ((age < 65) * np.where(male, 1.0, 0.4) + 40 * off + 10 * sm + 8 * perp_or_victim),
        "drugs": teen_up * ((age < 50) * np.where(male, 1.0, 0.3) + 30 * sm + 15 * off),
        "general": np.where(adult, 1.0, np.where(age >= 10, 0.5, 0.1)) + 2 * mh + 2 * perp_or_victim,
        "welfare": adult * (1.0 + 3 * (age >= 75)) + 15 * mh + 5 * sm,
        "missing": ((age >= 10) & (age < 18)) * 5.0 + 3 * mh + 0.05 * adult,
        "driver": ((age >= 17) & (age < 85)) * 1.0,
    }


def _non_da_police(rng: np.random.Generator, pop: Population, as_of: int, win: int, police: _Police, target_rows: int, da_people: np.ndarray) -> None:
    """Background (non-DA) occurrences until police reaches ``target_rows``."""
    samplers = {k: Sampler(w) for k, w in _person_weights(pop, as_of, da_people).items()}
    rows_per_occ = sum(p * sum(x[2] for x in pat) for p, pat in zip(_NON_DA_P, _NON_DA.values()))
    n_occ = max(0, int(target_rows / rows_per_occ))
    cats = rng.choice(len(_NON_DA), size=n_occ, p=_NON_DA_P)
    for ci, (name, pattern) in enumerate(_NON_DA.items()):
        k = int((cats == ci).sum())
        if not k:
            continue
        day = uniform_days(rng, np.full(k, win), np.full(k, as_of - 1))
        base = police.add_occurrences(day, np.full(k, OFFENCE_CATEGORIES.index(name)), np.full(k, -1))
        occ = base + np.arange(k)
        present_any = np.zeros(k, dtype=bool)
        for slot, (role, sampler, prob) in enumerate(pattern):
            present = rng.random(k) < prob
            if slot == len(pattern) - 1:
                present |= ~present_any  # every occurrence has at least one person
            present_any |= present
            person = samplers[sampler].draw(rng, k)
            # Nobody appears before birth; suspects are at least 10 (age of criminal responsibility).
            min_age = 10 * YEAR if role == SUSPECT else 0
            ok = present & (pop.dob[person] + min_age <= day)
            police.add_rows(occ[ok], person[ok], role)


def _forced_police(rng: np.random.Generator, pop: Population, as_of: int, win: int, police: _Police, people: np.ndarray) -> None:
    """One single-person occurrence each, so hard negatives are on police records."""
    k = len(people)
    if not k:
        return
    choice = rng.integers(0, 4, k)
    cat = np.array([OFFENCE_CATEGORIES.index(c) for c in ("Concern for Welfare", "Theft", "Road Traffic", "Public Order")])[choice]
    role = np.array([INVOLVED, VICTIM, INVOLVED, WITNESS], dtype=np.int8)[choice]
    lo = np.maximum(win, pop.dob[people] + int(8 * YEAR))
    day = uniform_days(rng, np.minimum(lo, as_of - 1), np.full(k, as_of - 1))
    base = police.add_occurrences(day, cat, np.full(k, -1))
    police.add_rows(base + np.arange(k), people, role)


def _assign_pnc(rng: np.random.Generator, pop: Population, occ_day: np.ndarray, p_occ: np.ndarray, p_person: np.ndarray, p_role: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PNC IDs for ~70% of people who are suspects on any occurrence."""
    year2 = np.full(pop.n, -1, dtype=np.int64)
    serial = np.full(pop.n, -1, dtype=np.int64)
    sus = p_role == SUSPECT
    first = pd.Series(occ_day[p_occ[sus]]).groupby(p_person[sus]).min()
    people = first.index.to_numpy()
    people = people[rng.random(len(people)) < 0.7]
    # Arrested first some years before (or at) their first occurrence here, aged 10+.
    first_day = first.loc[people].to_numpy()
    arrest = np.maximum(first_day - rng.integers(0, 6 * 365, len(people)), pop.dob[people] + int(10 * YEAR))
    arrest = np.minimum(arrest, first_day)
    year = (np.datetime64("1970-01-01", "D") + arrest.astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970
    year2[people] = year % 100
    serial[people] = rng.choice(10_000_000, size=len(people), replace=False)
    return year2, serial


def police_events(
    rng: np.random.Generator, pop: Population, vocab: Vocab, as_of: int, win: int
) -> tuple[DAEdges, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Police occurrences and their person rows: domestic abuse first, then the hard negatives'
    records, then background offending up to the police target; PNC IDs last.

    Returns:
        The DA edges, each DA incident's edge and day, and the police arrays of :class:`Events`.
    """
    n = pop.n
    police = _Police()
    edges, inc_edge, inc_day = _domestic_abuse(rng, pop, vocab, as_of, win, police)
    da_people = np.zeros(n, dtype=bool)
    da_people[edges.perp] = True
    da_people[edges.victim] = True
    adults_hard = np.flatnonzero((pop.junior_senior_of >= 0) | (pop.namesake_of >= 0))
    _forced_police(rng, pop, as_of, win, police, adults_hard)
    have = sum(len(r[0]) for r in police.rows)
    _non_da_police(rng, pop, as_of, win, police, int(TARGET_RATE["police"] * n) - have, da_people)

    occ_day = np.concatenate([o[0] for o in police.occ])
    occ_cat = np.concatenate([o[1] for o in police.occ])
    occ_dash = np.concatenate([o[2] for o in police.occ])
    rows = pd.DataFrame({
        "occ": np.concatenate([r[0] for r in police.rows]),
        "person": np.concatenate([r[1] for r in police.rows]),
        "role": np.concatenate([r[2] for r in police.rows]),
        "addr": np.concatenate([r[3] for r in police.rows]),
    }).drop_duplicates(["occ", "person"])
    p_occ, p_person = rows["occ"].to_numpy(), rows["person"].to_numpy()
    p_role, p_addr = rows["role"].to_numpy(), rows["addr"].to_numpy()
    pnc_year2, pnc_serial = _assign_pnc(rng, pop, occ_day, p_occ, p_person, p_role)
    return edges, inc_edge, inc_day, {
        "occ_day": occ_day, "occ_cat": occ_cat, "occ_dash": occ_dash, "p_occ": p_occ, "p_person": p_person,
        "p_role": p_role, "p_addr_person": p_addr, "pnc_year2": pnc_year2, "pnc_serial": pnc_serial,
    }
