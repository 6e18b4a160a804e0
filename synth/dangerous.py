"""Dangerous places: a household with DA moves into the home another household with DA left.

Pairs of DA households that never moved are made to: the earlier one moves out (to a new
address) after its last incident, and at least :data:`MIN_GAP_DAYS` later the other moves
in, before its first incident, so one address
sees DA from one household and then, years later, from another. The truth file lists
every address whose true DA records (the address each DA police record gives, without
recording errors) show :data:`MIN_INCIDENTS`+ incidents across :data:`MIN_HOUSEHOLDS`+
households within :data:`WINDOW_YEARS` of the extract date: the planted ones and any the
population made by itself.

Everything here draws from its own random stream (seeded from the generator's seed) and
only changes the planted households' addresses from their moves, so the rest of the
extracts is what it was before dangerous places existed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.events import SUSPECT, VICTIM, Events
from synth.names import Vocab
from synth.population import Population
from synth.shared import grow_addresses

__all__ = ["DANGEROUS_COLUMNS", "dangerous_places", "dangerous_rng", "plant_dangerous_places"]

#: One planted place per this many people (at least one).
PEOPLE_PER_PLACE = 1000
#: The earlier household moved out this many days or more before the later one moved in.
MIN_GAP_DAYS = 450
#: Truth: DA incidents, distinct households and years before the extract date (configs/flags.yaml defaults).
MIN_INCIDENTS = 3
MIN_HOUSEHOLDS = 2
WINDOW_YEARS = 5
#: Stream id mixed with the seed: planting never moves the main stream's draws.
_STREAM = 29
#: Columns of truth/dangerous_places.csv (address fields are filled in by the writer).
DANGEROUS_COLUMNS = ("address", "incidents", "households", "first_day", "last_day", "planted")


def dangerous_rng(seed: int) -> np.random.Generator:
    """The random stream of dangerous places, independent of the generator's other streams."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM])))


def _da_rows(ev: Events) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # (occurrence, person, role, whose address the record gives) of police DA suspect and victim rows.
    da = (ev.occ_dash[ev.p_occ] >= 0) & np.isin(ev.p_role, (SUSPECT, VICTIM))
    return ev.p_occ[da], ev.p_person[da], ev.p_role[da], ev.p_addr_person[da]


def plant_dangerous_places(rng: np.random.Generator, pop: Population, vocab: Vocab, ev: Events, as_of: int) -> np.ndarray:
    """Move an earlier DA household out of its home and, years later, a later DA household in (in place on ``pop``).

    Args:
        rng: From :func:`dangerous_rng`.
        pop: The population; both households of each pair become movers (``hh_address``,
            ``hh_old_address`` and ``hh_move_day`` change) and the address table grows by
            the earlier households' new homes.
        vocab: Street and town vocabularies, for those homes.
        ev: The true events.
        as_of: Extract date (days since epoch): both households' incidents fall in the truth's window.

    Returns:
        The planted address indices.
    """
    occ, person, role, _ = _da_rows(ev)
    victim, day = person[role == VICTIM], ev.occ_day[occ[role == VICTIM]]
    hh = pop.household[victim]
    keep = (pop.hh_old_address[hh] < 0) & (day >= as_of - round(WINDOW_YEARS * 365.25))
    # DA households that never moved, with their incidents in the window.
    seen = pd.DataFrame({"hh": hh[keep], "day": day[keep]}).groupby("hh")["day"].agg(["size", "min", "max"])
    wanted = min(max(1, pop.n // PEOPLE_PER_PLACE), len(seen) // 2)
    households = rng.permutation(seen.index.to_numpy())
    used: set[int] = set()
    pairs = []
    for a in households:
        if len(pairs) == wanted:
            break
        if a in used:
            continue
        # The earlier household leaves a month to half a year after its last incident; the later one
        # arrives MIN_GAP_DAYS or more after that, and a month or more before its own first incident.
        leave = int(seen.at[a, "max"]) + int(rng.integers(30, 181))
        fits = [
            b for b in seen.index[(seen["min"] - 30 >= leave + MIN_GAP_DAYS) & (seen["size"] + seen.at[a, "size"] >= MIN_INCIDENTS)]
            if b != a and b not in used
        ]
        if not fits:
            continue
        b = fits[int(rng.integers(len(fits)))]
        arrive = int(rng.integers(leave + MIN_GAP_DAYS, int(seen.at[b, "min"]) - 30 + 1))
        used.update((a, b))
        pairs.append((a, b, leave, arrive))
    first_new = len(pop.addresses.line)
    grow_addresses(rng, pop, vocab, len(pairs))
    planted = []
    for k, (a, b, leave, arrive) in enumerate(pairs):
        home = pop.hh_address[a]
        pop.hh_old_address[a], pop.hh_address[a], pop.hh_move_day[a] = home, first_new + k, leave
        pop.hh_old_address[b], pop.hh_address[b], pop.hh_move_day[b] = pop.hh_address[b], home, arrive
        planted.append(home)
    return np.array(planted, dtype=np.int64)


def dangerous_places(pop: Population, ev: Events, as_of: int, planted: np.ndarray) -> pd.DataFrame:
    """Every true dangerous place: addresses with enough DA incidents across enough households in the window.

    An incident is at an address when one of its suspect or victim records gives it; the
    households are the true households of the people on those incidents, joined when one
    incident has people of two (a perpetrator from elsewhere). Refuges and hostels are not places.

    Returns:
        Columns :data:`DANGEROUS_COLUMNS`, ``address`` an index into the address table.
    """
    occ, person, _, addr_person = _da_rows(ev)
    day = ev.occ_day[occ]
    since = as_of - round(WINDOW_YEARS * 365.25)
    keep = (day >= since) & (day <= as_of)
    occ, person, addr_person, day = occ[keep], person[keep], addr_person[keep], day[keep]
    address = pop.address_on(addr_person, day, own=addr_person == person)
    staying = np.zeros(len(address), dtype=bool)
    if pop.stay_address is not None:
        staying = np.isin(address, pop.stay_address[pop.stay_address >= 0])
    rows = pd.DataFrame({"address": address, "occ": occ, "day": day})[~staying].drop_duplicates()
    people = pd.DataFrame({"occ": occ, "hh": pop.household[person]}).drop_duplicates()
    out = []
    for place, incidents in rows.groupby("address"):
        if incidents["occ"].nunique() < MIN_INCIDENTS:
            continue
        groups = _households(people[people["occ"].isin(incidents["occ"])])
        if groups < MIN_HOUSEHOLDS:
            continue
        out.append((place, incidents["occ"].nunique(), groups, incidents["day"].min(), incidents["day"].max(),
                    bool(np.isin(place, planted))))
    frame = pd.DataFrame(out, columns=list(DANGEROUS_COLUMNS))
    return frame.astype({"address": np.int64, "incidents": np.int64, "households": np.int64, "first_day": np.int64,
                         "last_day": np.int64, "planted": bool})


def _households(people: pd.DataFrame) -> int:
    # Households joined by an incident with people of both: union-find over household ids.
    parent: dict[int, int] = {}

    def find(h: int) -> int:
        while parent.setdefault(h, h) != h:
            h = parent[h]
        return h

    for _, on in people.groupby("occ")["hh"]:
        first, *rest = (find(int(h)) for h in on)
        for other in rest:
            parent[other] = first
    return len({find(h) for h in parent})
