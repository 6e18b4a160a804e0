"""True events: police occurrences, social care episodes and health attendances.

Events are generated from the population's relationships and traits (domestic abuse
edges, mental health, substance misuse, offending), then background activity is added
until each agency reaches its target volume. Dates are int32 days since 1970-01-01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.names import Vocab
from synth.population import Population, birth_year, day_of, draw_forenames

__all__ = [
    "DA_CATEGORIES",
    "FACTORS",
    "OFFENCE_CATEGORIES",
    "PLAN_TYPES",
    "POLICE_ROLES",
    "SC_CATEGORIES",
    "SC_ROLES",
    "SERVICES",
    "DAEdges",
    "Events",
    "generate_events",
]

DA_CATEGORIES = (
    "Domestic Abuse - Assault",
    "Domestic Abuse - Harassment",
    "Domestic Abuse - Criminal Damage",
    "Domestic Abuse - Coercive Control",
)
OFFENCE_CATEGORIES = DA_CATEGORIES + (
    "Assault", "Theft", "Burglary", "Public Order", "Drugs Possession",
    "Criminal Damage", "Concern for Welfare", "Missing Person", "Road Traffic",
)
POLICE_ROLES = ("VICTIM", "SUSPECT", "WITNESS", "INVOLVED")
VICTIM, SUSPECT, WITNESS, INVOLVED = range(4)
DASH_LEVELS = ("STANDARD", "MEDIUM", "HIGH")
SC_ROLES = ("Child", "Parent", "Carer", "Household Member")
PLAN_TYPES = ("CP Plan", "CIN", "Early Help")
SC_CATEGORIES = ("Neglect", "Emotional", "Physical", "Sexual")
FACTORS = (
    "Domestic abuse", "Parental mental health", "Parental substance misuse",
    "Neglect", "Parental learning disability",
)
SERVICES = ("ED", "Maternity", "Mental Health", "Substance Misuse")

# Share of records per person in each extract (sums to ~0.87).
TARGET_RATE = {"police": 0.33, "social_care": 0.19, "health": 0.35}
_YEAR = 365.25

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


@dataclass
class DAEdges:
    """Perpetrator-victim relationships (one row per pair)."""

    perp: np.ndarray
    victim: np.ndarray
    start: np.ndarray
    end: np.ndarray


@dataclass
class Events:
    """All true events, one row per person per event, per agency."""

    # Police: occurrence-level arrays, then person rows.
    occ_day: np.ndarray
    occ_cat: np.ndarray
    occ_dash: np.ndarray
    """-1 for non-DA occurrences, else index into DASH_LEVELS."""
    p_occ: np.ndarray
    p_person: np.ndarray
    p_role: np.ndarray
    p_addr_person: np.ndarray
    """Whose address the record shows (a perpetrator is often recorded at the victim's)."""
    # Social care.
    ep_day: np.ndarray
    ep_plan: np.ndarray
    ep_category: np.ndarray
    ep_factors: np.ndarray
    """Bitmask over FACTORS."""
    s_ep: np.ndarray
    s_person: np.ndarray
    s_role: np.ndarray
    # Health.
    h_person: np.ndarray
    h_day: np.ndarray
    h_service: np.ndarray
    h_complaint: np.ndarray
    h_baby_mother: np.ndarray
    """Mother's index when the newborn is recorded as BABY <mother's surname>, else -1."""
    h_nfa: np.ndarray
    # Identifiers that depend on events.
    pnc_year2: np.ndarray
    pnc_serial: np.ndarray
    """-1 for people without a PNC ID."""
    edges: DAEdges


def _weighted_sample(rng: np.random.Generator, w: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn with probability proportional to ``w`` (Gumbel top-k)."""
    k = min(k, int((w > 0).sum()))
    keys = np.full(len(w), -np.inf)
    pos = w > 0
    keys[pos] = np.log(w[pos]) - np.log(-np.log(rng.random(int(pos.sum()))))
    top = np.argpartition(-keys, k - 1)[:k] if k else np.array([], dtype=np.int64)
    return np.sort(top)


class _Sampler:
    """Draw people with replacement, proportional to a weight vector."""

    def __init__(self, w: np.ndarray) -> None:
        self.cdf = np.cumsum(w, dtype=np.float64)

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return np.searchsorted(self.cdf, rng.random(k) * self.cdf[-1], side="right")


def _uniform_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform integer day in [lo, hi] (hi clipped up to lo)."""
    hi = np.maximum(hi, lo)
    return (lo + np.floor(rng.random(len(lo)) * (hi - lo + 1))).astype(np.int32)


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


def _household_member(pop: Population, hh: np.ndarray, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Person at ``offset`` within each household, and whether it exists."""
    valid = offset < pop.hh_size[hh]
    return np.where(valid, pop.hh_start[hh] + offset, 0), valid


def _domestic_abuse(
    rng: np.random.Generator, pop: Population, vocab: Vocab, as_of: int, win: int, police: _Police
) -> tuple[DAEdges, np.ndarray, np.ndarray]:
    """DA relationships and their police occurrences.

    Returns:
        The edges, and per incident (occurrence) the edge index and day.
    """
    n = pop.n
    age = (as_of - pop.dob) / _YEAR
    elig = (age >= 20) & (age < 66)
    w = elig * np.where(pop.sex == 0, 4.0, 1.0) * np.where(age < 50, 1.0, 0.4)
    w *= (1 + 2 * pop.substance_misuse) * (1 + 2 * pop.offender)
    perps = _weighted_sample(rng, w, round(n * 0.012))
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
    adult_from = np.maximum(pop.dob[e_perp], pop.dob[victim]) + int(16 * _YEAR)
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
        kid, valid = _household_member(pop, vh, j)
        valid &= (j >= pop.hh_first_dep[vh]) & (pop.dob[kid] <= day) & (day - pop.dob[kid] < 18 * _YEAR)
        valid &= rng.random(n_occ) < 0.4
        kage = (day - pop.dob[kid]) / _YEAR
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
    age = (as_of - pop.dob) / _YEAR
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
    samplers = {k: _Sampler(w) for k, w in _person_weights(pop, as_of, da_people).items()}
    rows_per_occ = sum(p * sum(x[2] for x in pat) for p, pat in zip(_NON_DA_P, _NON_DA.values()))
    n_occ = max(0, int(target_rows / rows_per_occ))
    cats = rng.choice(len(_NON_DA), size=n_occ, p=_NON_DA_P)
    for ci, (name, pattern) in enumerate(_NON_DA.items()):
        k = int((cats == ci).sum())
        if not k:
            continue
        day = _uniform_days(rng, np.full(k, win), np.full(k, as_of - 1))
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
            min_age = 10 * _YEAR if role == SUSPECT else 0
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
    lo = np.maximum(win, pop.dob[people] + int(8 * _YEAR))
    day = _uniform_days(rng, np.minimum(lo, as_of - 1), np.full(k, as_of - 1))
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
    arrest = np.maximum(first_day - rng.integers(0, 6 * 365, len(people)), pop.dob[people] + int(10 * _YEAR))
    arrest = np.minimum(arrest, first_day)
    year = (np.datetime64("1970-01-01", "D") + arrest.astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970
    year2[people] = year % 100
    serial[people] = rng.choice(10_000_000, size=len(people), replace=False)
    return year2, serial


def _social_care(rng: np.random.Generator, pop: Population, as_of: int, win: int, edges: DAEdges, da_hh: np.ndarray, target_rows: int) -> dict[str, np.ndarray]:
    """Episodes about children, with the adults around them."""
    hh = pop.household
    mh_hh = np.bincount(hh[pop.mental_health & pop.is_adult_role], minlength=len(pop.hh_start)) > 0
    sm_hh = np.bincount(hh[pop.substance_misuse & pop.is_adult_role], minlength=len(pop.hh_start)) > 0
    was_child = ~pop.is_adult_role & (pop.dob + 18 * _YEAR > win + 30) & (pop.dob < as_of - 30)
    w = was_child * (1.0 + 10 * da_hh[hh] + 6 * mh_hh[hh] + 6 * sm_hh[hh])
    n_ep = max(1, int(target_rows / 3.35))  # ~3.35 rows per episode (child, siblings, adults)
    child = _Sampler(w).draw(rng, n_ep)
    forced_sib = np.full(n_ep, -1, dtype=np.int64)
    # Twins: one episode each pair so both appear as children on the same episode.
    twins_a = np.flatnonzero((pop.twin_of >= 0) & (np.arange(pop.n) < np.maximum(pop.twin_of, 0)))
    child = np.concatenate([child, twins_a])
    forced_sib = np.concatenate([forced_sib, pop.twin_of[twins_a]])
    n_ep = len(child)
    lo = np.maximum(win, pop.dob[child])
    hi = np.minimum(as_of - 1, pop.dob[child] + int(18 * _YEAR) - 1)
    ep_day = _uniform_days(rng, lo, hi)
    ehh = hh[child]
    flagged = da_hh[ehh] | mh_hh[ehh] | sm_hh[ehh]
    r = rng.random(n_ep)
    plan = np.where(flagged, np.select([r < 0.4, r < 0.75], [0, 1], 2), np.select([r < 0.15, r < 0.6], [0, 1], 2))
    category = np.where(
        (plan == 0) | (rng.random(n_ep) < 0.25),
        rng.choice(4, size=n_ep, p=[0.5, 0.3, 0.12, 0.08]),
        -1,
    )
    bits = [
        rng.random(n_ep) < np.where(da_hh[ehh], 0.85, 0.04),
        rng.random(n_ep) < np.where(mh_hh[ehh], 0.75, 0.06),
        rng.random(n_ep) < np.where(sm_hh[ehh], 0.75, 0.04),
        rng.random(n_ep) < 0.2,
        rng.random(n_ep) < 0.03,
    ]
    factors = sum(b.astype(np.int64) << i for i, b in enumerate(bits))

    ep = np.arange(n_ep)
    rows_ep, rows_person, rows_role = [ep], [child], [np.zeros(n_ep, dtype=np.int8)]
    for j in range(int(pop.hh_size.max())):
        m, valid = _household_member(pop, ehh, j)
        valid &= (m != child) & (pop.dob[m] <= ep_day)
        age = (ep_day - pop.dob[m]) / _YEAR
        adult_role = pop.is_adult_role[m]
        sib = ~adult_role & (age < 18) & ((rng.random(n_ep) < 0.4) | (m == forced_sib))
        hh_member = ~adult_role & (age >= 18) & (rng.random(n_ep) < 0.5)
        keep = valid & (adult_role | sib | hh_member)
        role = np.select([adult_role & (rng.random(n_ep) < 0.85), adult_role, sib], [1, 2, 0], 3).astype(np.int8)
        rows_ep.append(ep[keep])
        rows_person.append(m[keep])
        rows_role.append(role[keep])
    # A perpetrator in a relationship with an adult of the child's household at the
    # time is recorded as a household member even though he lives elsewhere.
    vic_hh = hh[edges.victim]
    away = hh[edges.perp] != vic_hh
    e = pd.DataFrame({"hh": vic_hh[away], "perp": edges.perp[away], "s": edges.start[away], "e": edges.end[away]})
    epi = pd.DataFrame({"hh": ehh, "ep": ep, "day": ep_day})
    j = epi.merge(e, on="hh", how="inner")
    j = j[(j["day"] >= j["s"]) & (j["day"] <= j["e"] + 180)]
    j = j[rng.random(len(j)) < 0.8].drop_duplicates(["ep", "perp"])
    rows_ep.append(j["ep"].to_numpy())
    rows_person.append(j["perp"].to_numpy())
    rows_role.append(np.full(len(j), 3, dtype=np.int8))
    return {
        "ep_day": ep_day,
        "ep_plan": plan.astype(np.int8),
        "ep_category": category.astype(np.int8),
        "ep_factors": factors.astype(np.int8),
        "s_ep": np.concatenate(rows_ep),
        "s_person": np.concatenate(rows_person),
        "s_role": np.concatenate(rows_role),
    }


def _complaints(rng: np.random.Generator, vocab: Vocab, service: str, kind: str, k: int) -> np.ndarray:
    c, p = vocab.complaints[(service, kind)]
    return c[rng.choice(len(c), size=k, p=p)]


def _health(rng: np.random.Generator, pop: Population, vocab: Vocab, as_of: int, win: int, edges: DAEdges, inc_edge: np.ndarray, inc_day: np.ndarray, forced: np.ndarray, target_rows: int) -> dict[str, np.ndarray]:
    """Attendances: maternity, DA injuries, mental health, substance misuse, background ED."""
    chunks: list[tuple[np.ndarray, ...]] = []

    def add(person: np.ndarray, day: np.ndarray, service: int, complaint: np.ndarray, baby_mother: np.ndarray | None = None) -> None:
        # Nothing before birth; events that would fall before the extract window are dropped.
        day = np.minimum(np.maximum(day, pop.dob[person]), as_of - 1).astype(np.int32)
        keep = day >= win
        k = int(keep.sum())
        bm = np.full(len(person), -1, dtype=np.int64) if baby_mother is None else baby_mother
        chunks.append((person[keep], day[keep], np.full(k, service, dtype=np.int8), complaint[keep], bm[keep]))

    # Births: antenatal booking and review for the mother; newborn check for the baby.
    hh = pop.household
    start = pop.hh_start[hh]
    mother = np.where((pop.sex[start] == 1) & pop.is_adult_role[start], start, start + 1)
    mother = np.minimum(mother, pop.n - 1)
    born = (~pop.is_adult_role) & (pop.dob >= win + 230) & pop.is_adult_role[mother] & (pop.sex[mother] == 1) & (hh[mother] == hh)
    kids = np.flatnonzero(born)
    mums = mother[kids]
    k = len(kids)
    m = rng.random(k) < 0.35
    add(mums[m], pop.dob[kids[m]] - rng.integers(170, 230, int(m.sum())), 1, _complaints(rng, vocab, "Maternity", "booking", int(m.sum())))
    m = rng.random(k) < 0.15
    add(mums[m], pop.dob[kids[m]] - rng.integers(20, 100, int(m.sum())), 1, _complaints(rng, vocab, "Maternity", "review", int(m.sum())))
    m = rng.random(k) < 0.2
    baby = np.where(rng.random(int(m.sum())) < 0.6, mums[m], -1)
    add(kids[m], pop.dob[kids[m]] + rng.integers(0, 3, int(m.sum())), 1, _complaints(rng, vocab, "Maternity", "newborn", int(m.sum())), baby)

    # DA victims attend ED after some incidents, always after their first.
    inc_victim = edges.victim[inc_edge]
    order = np.lexsort((inc_day, inc_victim))
    first = np.zeros(len(order), dtype=bool)
    first[order] = np.concatenate([[True], inc_victim[order][1:] != inc_victim[order][:-1]]) if len(order) else first
    m = first | (rng.random(len(inc_edge)) < 0.35)
    add(inc_victim[m], inc_day[m] + rng.integers(0, 3, int(m.sum())), 0, _complaints(rng, vocab, "ED", "domestic", int(m.sum())))
    # Pregnant victims: a maternity booking near an incident (SPECSS+ pregnancy).
    v_age = (inc_day - pop.dob[inc_victim]) / _YEAR
    m = first & (pop.sex[inc_victim] == 1) & (v_age >= 18) & (v_age < 42) & (rng.random(len(inc_edge)) < 0.15)
    kind = np.where(rng.random(int(m.sum())) < 0.3, "da_booking", "booking")
    comp = np.where(kind == "da_booking", _complaints(rng, vocab, "Maternity", "da_booking", int(m.sum())), _complaints(rng, vocab, "Maternity", "booking", int(m.sum())))
    add(inc_victim[m], inc_day[m] + rng.integers(-45, 45, int(m.sum())), 1, comp)
    # Perpetrators: at least one attendance each.
    perps = np.unique(edges.perp)
    extra = perps[rng.random(len(perps)) < 0.3]
    pp = np.concatenate([perps, extra])
    add(pp, _uniform_days(rng, np.full(len(pp), win), np.full(len(pp), as_of - 1)), 0, _complaints(rng, vocab, "ED", "perpetrator", len(pp)))
    # Mental health and substance misuse services.
    for flag, service, name in ((pop.mental_health, 2, "Mental Health"), (pop.substance_misuse, 3, "Substance Misuse")):
        people = np.flatnonzero(flag)
        people = np.repeat(people, 1 + rng.poisson(0.8, len(people)))
        add(people, _uniform_days(rng, np.full(len(people), win), np.full(len(people), as_of - 1)), service, _complaints(rng, vocab, name, "general", len(people)))
    # Hard negatives: one ED attendance each.
    add(forced, _uniform_days(rng, np.full(len(forced), win), np.full(len(forced), as_of - 1)), 0, _complaints(rng, vocab, "ED", "general", len(forced)))
    # Background ED attendances up to the target volume (young children and the old attend most).
    have = sum(len(c[0]) for c in chunks)
    k = max(0, target_rows - have)
    age = (as_of - pop.dob) / _YEAR
    w = np.select([age < 5, age < 18, age < 65, age < 80], [2.0, 0.8, 1.0, 1.5], 3.0)
    people = _Sampler(w).draw(rng, k)
    add(people, _uniform_days(rng, np.full(k, win), np.full(k, as_of - 1)), 0, _complaints(rng, vocab, "ED", "general", k))

    person = np.concatenate([c[0] for c in chunks])
    nfa = rng.random(len(person)) < np.where(pop.substance_misuse[person], 0.08, 0.001)
    return {
        "h_person": person,
        "h_day": np.concatenate([c[1] for c in chunks]),
        "h_service": np.concatenate([c[2] for c in chunks]),
        "h_complaint": np.concatenate([c[3] for c in chunks]),
        "h_baby_mother": np.concatenate([c[4] for c in chunks]),
        "h_nfa": nfa,
    }


def generate_events(rng: np.random.Generator, pop: Population, vocab: Vocab, as_of: int) -> Events:
    """Generate every agency's true events for the population.

    Args:
        rng: The generator's random stream.
        pop: The population (its trait flags and aliases are updated in place).
        vocab: Vocabularies (complaints, alias names).
        as_of: Extract date as days since epoch; events fall in 2018-01-01..as_of-1.

    Returns:
        All events, with DA edges and PNC IDs.
    """
    win = day_of("2018-01-01")
    n = pop.n
    police = _Police()
    edges, inc_edge, inc_day = _domestic_abuse(rng, pop, vocab, as_of, win, police)
    da_people = np.zeros(n, dtype=bool)
    da_people[edges.perp] = True
    da_people[edges.victim] = True
    hard = np.flatnonzero((pop.twin_of >= 0) | (pop.junior_senior_of >= 0) | (pop.namesake_of >= 0))
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

    da_hh = np.zeros(len(pop.hh_start), dtype=bool)
    da_hh[pop.household[edges.victim]] = True
    da_hh[pop.household[edges.perp]] = True
    sc = _social_care(rng, pop, as_of, win, edges, da_hh, int(TARGET_RATE["social_care"] * n))
    health = _health(rng, pop, vocab, as_of, win, edges, inc_edge, inc_day, hard, int(TARGET_RATE["health"] * n))
    return Events(
        occ_day=occ_day, occ_cat=occ_cat, occ_dash=occ_dash,
        p_occ=p_occ, p_person=p_person, p_role=p_role, p_addr_person=p_addr,
        **sc, **health,
        pnc_year2=pnc_year2, pnc_serial=pnc_serial, edges=edges,
    )
