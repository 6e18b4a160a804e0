"""Look-alikes that are different people: twins, same-name fathers and sons, cross-town namesakes.

They are what a linker most easily merges by mistake, so the generator plants them on purpose
(truth/people.csv marks each pair) after the population is built.
"""

from __future__ import annotations

import numpy as np

from synth.names import Vocab
from synth.population import NO_DAY, Population, birth_year, draw_forenames

__all__ = ["add_hard_negatives"]


def _redraw_forename(rng: np.random.Generator, pop: Population, vocab: Vocab, people: np.ndarray, avoid: np.ndarray) -> None:
    """Give ``people`` new forenames (by their sex and era) that differ from ``avoid``."""
    new = draw_forenames(rng, vocab, pop.sex[people], birth_year(pop.dob[people]))
    clash = new == avoid
    new[clash] = (new[clash] + 1) % len(vocab.forenames)
    pop.forename[people] = new


def add_hard_negatives(rng: np.random.Generator, pop: Population, vocab: Vocab, as_of_day: int) -> None:
    """Create twins, same-name father/son pairs and cross-town namesakes.

    Roughly 200 pairs of each per 100k people; the pools are disjoint (namesakes come
    from households with neither twins nor a junior/senior pair) so one person is in at
    most one pair.
    """
    k = max(2, round(pop.n * 0.002))
    n_hh = len(pop.hh_start)
    n_dep = pop.hh_size - pop.hh_first_dep
    used_hh = np.zeros(n_hh, dtype=bool)

    # Twins: the first two dependent children of a household.
    cand = np.flatnonzero(n_dep >= 2)
    hh = rng.choice(cand, size=min(k, len(cand)), replace=False)
    used_hh[hh] = True
    a = pop.hh_start[hh] + pop.hh_first_dep[hh]
    b = a + 1
    pop.dob[b] = pop.dob[a]
    pop.surname[b] = pop.surname[a]
    same_sex = rng.random(len(b)) < 0.6
    pop.sex[b] = np.where(same_sex, pop.sex[a], 1 - pop.sex[a])
    _redraw_forename(rng, pop, vocab, b, pop.forename[a])
    pop.twin_of[a], pop.twin_of[b] = b, a

    # Junior/senior: a father and a son (20-40 years younger) sharing forename and surname.
    person = np.arange(pop.n)
    hhp = pop.household
    son = (~pop.is_adult_role) & (pop.sex == 0) & ~used_hh[hhp]
    start = pop.hh_start[hhp]
    father = np.minimum(np.where(pop.sex[start] == 0, start, start + 1), pop.n - 1)
    ok = son & pop.is_adult_role[father] & (pop.sex[father] == 0) & (hhp[father] == hhp)
    gap = (pop.dob - pop.dob[father]) / 365.25
    ok &= (gap >= 20) & (gap <= 40) & ((as_of_day - pop.dob) / 365.25 >= 8)
    cand = person[ok]
    # One son per household: keep the first candidate of each household.
    _, first = np.unique(hhp[cand], return_index=True)
    cand = cand[first]
    sons = rng.choice(cand, size=min(k, len(cand)), replace=False)
    dads = father[sons]
    used_hh[hhp[sons]] = True
    pop.forename[sons] = pop.forename[dads]
    pop.surname[sons] = pop.surname[dads]
    pop.junior_senior_of[sons], pop.junior_senior_of[dads] = dads, sons

    # Namesakes: two adults of one sex and similar age in different towns, from any kind
    # of household (single, couple, parents, frequent offenders alike), at most one per
    # household. b takes a's forename, surname and DOB.
    a, b = _namesake_pairs(rng, pop, used_hh, as_of_day, k)
    pop.forename[b] = pop.forename[a]
    pop.surname[b] = pop.surname[a]
    pop.sex[b] = pop.sex[a]
    pop.dob[b] = pop.dob[a]
    for arr in (pop.prev_surname,):
        arr[a] = ""
        arr[b] = ""
    pop.name_change_day[a] = NO_DAY
    pop.name_change_day[b] = NO_DAY
    pop.namesake_of[a], pop.namesake_of[b] = b, a


#: Namesakes' DOBs differ by at most this before one is copied onto the other.
_NAMESAKE_MAX_DOB_GAP = int(5 * 365.25)
#: A parent stays at least this much older than their household's eldest child.
_MIN_PARENT_GAP = int(16 * 365.25)


def _namesake_pairs(rng: np.random.Generator, pop: Population, used_hh: np.ndarray, as_of_day: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``k`` pairs (a, b) of adults to make namesakes, b to take a's name and DOB.

    Candidates are adult householders under 80 in households not in ``used_hh``, one per
    household, drawn at random. They are paired with their neighbour in (sex, DOB) order,
    and a pair is kept when both are of one sex, their DOBs are within five years, they
    live in different towns, and taking a's DOB leaves b at least 16 years older than
    every child of b's household.
    """
    hhp = pop.household
    cand = np.flatnonzero(pop.is_adult_role & ~used_hh[hhp] & ((as_of_day - pop.dob) / 365.25 < 80))
    cand = rng.permutation(cand)
    _, first = np.unique(hhp[cand], return_index=True)
    pool = cand[np.sort(first)][: 8 * k]  # a random sample, one per household
    pool = pool[np.lexsort((pop.dob[pool], pop.sex[pool]))]
    m = len(pool) // 2 * 2
    a, b = pool[0:m:2], pool[1:m:2]
    flip = rng.random(len(a)) < 0.5
    a, b = np.where(flip, b, a), np.where(flip, a, b)
    eldest_child = np.full(len(pop.hh_start), NO_DAY, dtype=np.int64)
    kids = np.flatnonzero(~pop.is_adult_role)
    np.minimum.at(eldest_child, hhp[kids], pop.dob[kids].astype(np.int64))
    town = pop.addresses.town[pop.hh_address]
    ok = (
        (pop.sex[a] == pop.sex[b])
        & (np.abs(pop.dob[a].astype(np.int64) - pop.dob[b]) <= _NAMESAKE_MAX_DOB_GAP)
        & (town[hhp[a]] != town[hhp[b]])
        & (pop.dob[a] <= eldest_child[hhp[b]] - _MIN_PARENT_GAP)
    )
    keep = np.sort(rng.choice(np.flatnonzero(ok), size=min(k, int(ok.sum())), replace=False))
    return a[keep], b[keep]
