"""Children present at DA incidents, and men missing from children's social care records (issue 17).

Two additions to the generated world, each with the truth the Operation Encompass and
unseen-men flags are scored against:

- Children at incidents through child contact: when the perpetrator lives apart from
  the victim, his own young children are sometimes recorded on the occurrence as a
  witness or involved (the victim's household's children already are). They do not
  live at the incident address, so only the police record puts them there.
- Men missing from social care records: some adult men of a child's household are
  left off every episode of that household (more often those known to police), the
  gap serious case reviews keep finding.

Everything draws from its own random stream (seeded from the generator's seed). Extra
police rows come after the others, and dropped social care rows are removed after
rendering, so every other row of the extracts is what it was without them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.events import INVOLVED, OFFENCE_CATEGORIES, SUSPECT, VICTIM, WITNESS, Events
from synth.population import Population

__all__ = [
    "CONTACT_SHARE",
    "ChildContact",
    "absent_men",
    "children_rng",
    "contact_children",
    "encompass_truth",
    "unseen_men_truth",
]

#: Chance that each of a perpetrator's own children (living apart from the victim) is on an occurrence.
CONTACT_SHARE = 0.15
#: Chance that an adult man of a child's household is on none of its social care episodes:
#: for one known to police for DA or violence, and for any other.
ABSENT_KNOWN, ABSENT_OTHER = 0.5, 0.2
#: The truth's windows, as the flags' defaults: Encompass days, unseen men's years.
ENCOMPASS_DAYS, UNSEEN_YEARS = 365, 3
#: Social care plans (indices into PLAN_TYPES) whose child's case is open: CP plan and CIN.
OPEN_PLANS = (0, 1)
#: Stream id mixed with the seed, apart from the refuges' (17).
_STREAM = 23
_EPOCH = np.datetime64("1970-01-01", "D")
_ASSAULT = OFFENCE_CATEGORIES.index("Assault")


def children_rng(seed: int) -> np.random.Generator:
    """The random stream of this module, independent of the generator's other streams."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM])))


@dataclass(frozen=True)
class ChildContact:
    """Extra police rows: a perpetrator's child on an occurrence."""

    occ: np.ndarray
    person: np.ndarray
    role: np.ndarray


def _days(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return ((pd.DatetimeIndex(dates).values.astype("datetime64[D]") - _EPOCH).astype(np.int64)).astype(np.int64)


def years_before(days: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day ``years`` earlier, as day numbers (29 February becomes the 28th)."""
    stamps = pd.to_datetime(np.asarray(days, dtype=np.int64), unit="D")
    return _days(stamps - pd.DateOffset(years=years))


def _child_on(pop: Population, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Born on or before ``day`` and under 18 on it (calendar years, as the flags count)."""
    dob = pop.dob[person]
    return (dob <= day) & (dob > years_before(day, 18))


def contact_children(rng: np.random.Generator, pop: Population, ev: Events) -> ChildContact:
    """A perpetrator's own children recorded on DA occurrences when he lives apart from the victim.

    Args:
        rng: From :func:`children_rng`.
        pop: The population.
        ev: The true events (police rows before these).
    """
    da = ev.occ_dash[ev.p_occ] >= 0
    sus = pd.DataFrame({"occ": ev.p_occ[da & (ev.p_role == SUSPECT)], "perp": ev.p_person[da & (ev.p_role == SUSPECT)]})
    vic = pd.DataFrame({"occ": ev.p_occ[da & (ev.p_role == VICTIM)], "victim": ev.p_person[da & (ev.p_role == VICTIM)]})
    pairs = sus.merge(vic.drop_duplicates("occ"), on="occ").sort_values(["occ", "perp"], kind="stable")
    occ, perp = pairs["occ"].to_numpy(), pairs["perp"].to_numpy()
    ph = pop.household[perp]
    apart = ph != pop.household[pairs["victim"].to_numpy()]
    day = ev.occ_day[occ]
    rows_occ, rows_person, rows_role = [], [], []
    for j in range(int(pop.hh_size.max())):
        draw = rng.random(len(occ))  # drawn for every row and offset, so the stream does not depend on who qualifies
        kid = np.where(j < pop.hh_size[ph], pop.hh_start[ph] + j, 0)
        ok = apart & (j < pop.hh_size[ph]) & (j >= pop.hh_first_dep[ph]) & _child_on(pop, kid, day) & (draw < CONTACT_SHARE)
        age = (day - pop.dob[kid]) / 365.25
        rows_occ.append(occ[ok])
        rows_person.append(kid[ok])
        rows_role.append(np.where(age[ok] >= 6, WITNESS, INVOLVED).astype(np.int8))
    frame = pd.DataFrame({
        "occ": np.concatenate(rows_occ), "person": np.concatenate(rows_person), "role": np.concatenate(rows_role),
    }).drop_duplicates(["occ", "person"]).sort_values(["occ", "person"], kind="stable")
    return ChildContact(frame["occ"].to_numpy(), frame["person"].to_numpy(), frame["role"].to_numpy())


def known_to_police(ev: Events, n: int, since: int, until: int) -> np.ndarray:
    """Per person: a suspect on a DA or assault occurrence dated ``since`` to ``until``."""
    day = ev.occ_day[ev.p_occ]
    hit = (ev.p_role == SUSPECT) & ((ev.occ_dash[ev.p_occ] >= 0) | (ev.occ_cat[ev.p_occ] == _ASSAULT))
    hit &= (day >= since) & (day <= until)
    known = np.zeros(n, dtype=bool)
    known[ev.p_person[hit]] = True
    return known


def absent_men(rng: np.random.Generator, pop: Population, ev: Events, as_of: int) -> np.ndarray:
    """Which social care rows (aligned with ``ev.s_*``) to leave out: absent men on their own household's episodes.

    Args:
        rng: From :func:`children_rng`, after :func:`contact_children`.
        pop: The population.
        ev: The true events.
        as_of: Extract date (days since epoch).

    Returns:
        A mask over the social care rows: True for a row to drop.
    """
    known = known_to_police(ev, pop.n, int(years_before(np.array([as_of]), UNSEEN_YEARS)[0]), as_of)
    draw = rng.random(pop.n)
    man = pop.is_adult_role & (pop.sex == 0)
    absent = man & (draw < np.where(known, ABSENT_KNOWN, ABSENT_OTHER))
    subject = _episode_subject(ev)
    return absent[ev.s_person] & (pop.household[ev.s_person] == pop.household[subject[ev.s_ep]])


def _episode_subject(ev: Events) -> np.ndarray:
    """The child each episode is about: the episodes' first rows are their subjects, in episode order."""
    n_ep = len(ev.ep_day)
    subject = np.empty(n_ep, dtype=np.int64)
    subject[ev.s_ep[:n_ep]] = ev.s_person[:n_ep]
    return subject


def encompass_truth(pop: Population, ev: Events, extra: ChildContact, shared: np.ndarray, ref: int) -> pd.DataFrame:
    """Children present at a police DA incident in the flag's window ending at ``ref``.

    Present: recorded on it as a witness or involved, or living at the victim's address
    on the day, that address not a refuge or hostel (no household forms there).

    Args:
        pop: The population (with its stays).
        ev: The true events.
        extra: The contact children's rows.
        shared: Address indices of the refuges and hostels.
        ref: The last day of the window (the latest event date, which the flags count to).

    Returns:
        One row per child and occurrence: ``person``, ``occ``, ``day``, ``presence``
        (``recorded`` or ``address``), the recorded one first where both hold.
    """
    since = ref - ENCOMPASS_DAYS
    da = ev.occ_dash >= 0
    rows_occ = np.concatenate([ev.p_occ, extra.occ])
    rows_person = np.concatenate([ev.p_person, extra.person])
    rows_role = np.concatenate([ev.p_role, extra.role])
    day = ev.occ_day[rows_occ]
    in_window = da[rows_occ] & (day >= since) & (day <= ref)
    recorded = in_window & np.isin(rows_role, (WITNESS, INVOLVED)) & _child_on(pop, rows_person, day)
    parts = [pd.DataFrame({"person": rows_person[recorded], "occ": rows_occ[recorded], "day": day[recorded], "presence": "recorded"})]
    victim = in_window & (rows_role == VICTIM)
    v, occ, vday = rows_person[victim], rows_occ[victim], day[victim]
    home = pop.address_on(v, vday)
    hh = pop.household[v]
    for j in range(int(pop.hh_size.max())):
        kid = np.where(j < pop.hh_size[hh], pop.hh_start[hh] + j, 0)
        ok = (j < pop.hh_size[hh]) & (kid != v) & _child_on(pop, kid, vday)
        ok &= (pop.address_on(kid, vday) == home) & ~np.isin(home, shared)
        parts.append(pd.DataFrame({"person": kid[ok], "occ": occ[ok], "day": vday[ok], "presence": "address"}))
    out = pd.concat(parts, ignore_index=True).astype({"person": np.int64, "occ": np.int64, "day": np.int64})
    return out.drop_duplicates(["person", "occ"]).sort_values(["person", "day", "occ"], kind="stable").reset_index(drop=True)


def unseen_men_truth(pop: Population, ev: Events, dropped: np.ndarray, ep_rank: np.ndarray, ref: int) -> pd.DataFrame:
    """Men the unseen-men flag should find, with each child, as of ``ref``.

    A man (male, 18 or over at ``ref``) known to police for DA or violence in the
    window, in the household of a child (under 18 at ``ref``) whose latest episode on
    or before ``ref`` is a CP plan or CIN dated in the window, and on none of that
    child's episodes once the absent men's rows are dropped.

    Args:
        pop: The population.
        ev: The true events.
        dropped: From :func:`absent_men`.
        ep_rank: Each episode's position in the extract (ties on a day go to the later one, as the flag's record order does).
        ref: The day the flags count to (the latest event date).

    Returns:
        ``man``, ``child``, ``plan`` (index into PLAN_TYPES) and ``plan_day``.
    """
    since = int(years_before(np.array([ref]), UNSEEN_YEARS)[0])
    adult_by = int(years_before(np.array([ref]), 18)[0])
    keep = ~dropped
    s_ep, s_person, s_role = ev.s_ep[keep], ev.s_person[keep], ev.s_role[keep]
    as_child = (s_role == 0) & (ev.ep_day[s_ep] <= ref)
    latest = pd.DataFrame({"child": s_person[as_child], "ep": s_ep[as_child],
                           "day": ev.ep_day[s_ep[as_child]], "rank": ep_rank[s_ep[as_child]]})
    latest = latest.sort_values(["child", "day", "rank"]).drop_duplicates("child", keep="last")
    latest = latest[np.isin(ev.ep_plan[latest["ep"].to_numpy()], OPEN_PLANS) & (latest["day"] >= since)]
    child = latest["child"].to_numpy()
    latest = latest[(pop.dob[child] > adult_by) & (pop.dob[child] <= ref)]
    known = known_to_police(ev, pop.n, since, ref)
    men = pop.sex == 0
    men &= pop.dob <= adult_by
    pairs = []
    for child, ep in zip(latest["child"].to_numpy(), latest["ep"].to_numpy()):
        h = pop.household[child]
        members = np.arange(pop.hh_start[h], pop.hh_start[h] + pop.hh_size[h])
        for man in members[men[members] & known[members] & (members != child)]:
            pairs.append((man, child, int(ev.ep_plan[ep]), int(ev.ep_day[ep])))
    # Typed even when empty (a small population may have no such pair).
    frame = pd.DataFrame(pairs, columns=["man", "child", "plan", "plan_day"]).astype(np.int64)
    # Seen: the man is on any episode the child is on.
    together = pd.DataFrame({"ep": s_ep, "person": s_person})
    child_eps = together.rename(columns={"person": "child"}).merge(frame[["man", "child"]].drop_duplicates(), on="child")
    seen = child_eps.merge(together.rename(columns={"person": "man"}), on=["ep", "man"])[["man", "child"]].drop_duplicates()
    frame = frame.merge(seen.assign(seen=True), on=["man", "child"], how="left")
    frame = frame[frame["seen"].isna()].drop(columns="seen").sort_values(["man", "child"]).reset_index(drop=True)
    return frame.astype(np.int64)
