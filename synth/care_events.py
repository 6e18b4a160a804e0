"""True social care episodes and health attendances, drawn from the population's traits and the
domestic abuse the police events recorded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.event_model import YEAR, DAEdges, Sampler, household_member, uniform_days
from synth.names import Vocab
from synth.population import Population

def social_care_events(rng: np.random.Generator, pop: Population, as_of: int, win: int, edges: DAEdges, da_hh: np.ndarray, target_rows: int) -> dict[str, np.ndarray]:
    """Episodes about children, with the adults around them."""
    hh = pop.household
    mh_hh = np.bincount(hh[pop.mental_health & pop.is_adult_role], minlength=len(pop.hh_start)) > 0
    sm_hh = np.bincount(hh[pop.substance_misuse & pop.is_adult_role], minlength=len(pop.hh_start)) > 0
    was_child = ~pop.is_adult_role & (pop.dob + 18 * YEAR > win + 30) & (pop.dob < as_of - 30)
    w = was_child * (1.0 + 10 * da_hh[hh] + 6 * mh_hh[hh] + 6 * sm_hh[hh])
    n_ep = max(1, int(target_rows / 3.35))  # ~3.35 rows per episode (child, siblings, adults)
    child = Sampler(w).draw(rng, n_ep)
    forced_sib = np.full(n_ep, -1, dtype=np.int64)
    # Twins: one episode each pair so both appear as children on the same episode.
    twins_a = np.flatnonzero((pop.twin_of >= 0) & (np.arange(pop.n) < np.maximum(pop.twin_of, 0)))
    child = np.concatenate([child, twins_a])
    forced_sib = np.concatenate([forced_sib, pop.twin_of[twins_a]])
    n_ep = len(child)
    lo = np.maximum(win, pop.dob[child])
    hi = np.minimum(as_of - 1, pop.dob[child] + int(18 * YEAR) - 1)
    ep_day = uniform_days(rng, lo, hi)
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
        m, valid = household_member(pop, ehh, j)
        valid &= (m != child) & (pop.dob[m] <= ep_day)
        age = (ep_day - pop.dob[m]) / YEAR
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


def health_events(rng: np.random.Generator, pop: Population, vocab: Vocab, as_of: int, win: int, edges: DAEdges, inc_edge: np.ndarray, inc_day: np.ndarray, forced: np.ndarray, target_rows: int) -> dict[str, np.ndarray]:
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
    v_age = (inc_day - pop.dob[inc_victim]) / YEAR
    m = first & (pop.sex[inc_victim] == 1) & (v_age >= 18) & (v_age < 42) & (rng.random(len(inc_edge)) < 0.15)
    kind = np.where(rng.random(int(m.sum())) < 0.3, "da_booking", "booking")
    comp = np.where(kind == "da_booking", _complaints(rng, vocab, "Maternity", "da_booking", int(m.sum())), _complaints(rng, vocab, "Maternity", "booking", int(m.sum())))
    add(inc_victim[m], inc_day[m] + rng.integers(-45, 45, int(m.sum())), 1, comp)
    # Perpetrators: at least one attendance each.
    perps = np.unique(edges.perp)
    extra = perps[rng.random(len(perps)) < 0.3]
    pp = np.concatenate([perps, extra])
    add(pp, uniform_days(rng, np.full(len(pp), win), np.full(len(pp), as_of - 1)), 0, _complaints(rng, vocab, "ED", "perpetrator", len(pp)))
    # Mental health and substance misuse services.
    for flag, service, name in ((pop.mental_health, 2, "Mental Health"), (pop.substance_misuse, 3, "Substance Misuse")):
        people = np.flatnonzero(flag)
        people = np.repeat(people, 1 + rng.poisson(0.8, len(people)))
        add(people, uniform_days(rng, np.full(len(people), win), np.full(len(people), as_of - 1)), service, _complaints(rng, vocab, name, "general", len(people)))
    # Hard negatives: one ED attendance each.
    add(forced, uniform_days(rng, np.full(len(forced), win), np.full(len(forced), as_of - 1)), 0, _complaints(rng, vocab, "ED", "general", len(forced)))
    # Background ED attendances up to the target volume (young children and the old attend most).
    have = sum(len(c[0]) for c in chunks)
    k = max(0, target_rows - have)
    age = (as_of - pop.dob) / YEAR
    w = np.select([age < 5, age < 18, age < 65, age < 80], [2.0, 0.8, 1.0, 1.5], 3.0)
    people = Sampler(w).draw(rng, k)
    add(people, uniform_days(rng, np.full(k, win), np.full(k, as_of - 1)), 0, _complaints(rng, vocab, "ED", "general", k))

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
