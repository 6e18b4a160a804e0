"""Refuges and hostels: places where unrelated people are recorded at one address.

Some DA victims (with their young children) move to a refuge for a while after an
incident; a few single adults, mostly with substance misuse, offending or mental-health
needs, stay in a hostel. Their records dated during a stay show the place's address, so
a linker that took a shared address for a household would make strangers one family.

Everything here draws from its own random stream (seeded from the generator's seed),
and only replaces the address of records dated during a stay, so the rest of the
extracts is what it was before refuges and hostels existed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.events import Events
from synth.names import Vocab
from synth.population import Addresses, Population

__all__ = ["SharedPlaces", "add_shared_places", "grow_addresses", "shared_rng", "stay_attendances"]

#: Refuge: share of DA victims who go to one, and families per refuge over the extract window.
REFUGE_SHARE = 0.15
FAMILIES_PER_REFUGE = 10
#: Hostel: residents per hostel over the window, and hostels per this many people (at least one).
RESIDENTS_PER_HOSTEL = 40
PEOPLE_PER_HOSTEL = 4000
#: Stream id mixed with the seed: refuges and hostels never move the main stream's draws.
_STREAM = 17


@dataclass(frozen=True)
class SharedPlaces:
    """The refuges and hostels of the area, for the truth file."""

    address: np.ndarray
    """Index into the population's address table."""
    kind: np.ndarray
    """``refuge`` or ``hostel``."""
    residents: np.ndarray
    """People with a stay there."""


def shared_rng(seed: int) -> np.random.Generator:
    """The random stream of refuges and hostels, independent of the generator's main one."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM])))


def add_shared_places(rng: np.random.Generator, pop: Population, vocab: Vocab, ev: Events, as_of: int, win: int) -> SharedPlaces:
    """Create refuges and hostels, and give some people a stay in one (in place on ``pop``).

    Args:
        rng: From :func:`shared_rng`.
        pop: The population: its address table grows and its stay arrays are set.
        vocab: Street and town vocabularies.
        ev: The true events (DA incidents place refuge stays).
        as_of: Extract date (days since epoch).
        win: First day of the extract window.

    Returns:
        The places and how many people stayed in each.
    """
    n = pop.n
    stay_address = np.full(n, -1, dtype=np.int64)
    stay_from = np.zeros(n, dtype=np.int32)
    stay_to = np.zeros(n, dtype=np.int32)

    # Refuges: a victim goes after her last incident, for two months to a year, with her children.
    da = (ev.occ_dash[ev.p_occ] >= 0) & (ev.p_role == 0)
    victims, last = _last_incident(ev.p_person[da], ev.occ_day[ev.p_occ[da]])
    adult_female = (pop.sex[victims] == 1) & ((last - pop.dob[victims]) / 365.25 >= 18)
    victims, last = victims[adult_female], last[adult_female]
    go = rng.random(len(victims)) < REFUGE_SHARE
    victims, last = victims[go], last[go]
    n_refuges = max(1, -(-len(victims) // FAMILIES_PER_REFUGE))
    n_hostels = max(1, n // PEOPLE_PER_HOSTEL)
    first_new = len(pop.addresses.line)
    grow_addresses(rng, pop, vocab, n_refuges + n_hostels)
    refuge = first_new + rng.integers(0, n_refuges, len(victims))
    start = np.minimum(last + rng.integers(1, 30, len(victims)), as_of - 1).astype(np.int32)
    end = np.minimum(start + rng.integers(60, 366, len(victims)), as_of - 1).astype(np.int32)
    stay_address[victims], stay_from[victims], stay_to[victims] = refuge, start, end
    hh = pop.household
    for j in range(int(pop.hh_size.max())):
        member = pop.hh_start[hh[victims]] + j
        ok = (j < pop.hh_size[hh[victims]]) & (j >= pop.hh_first_dep[hh[victims]])
        member = np.where(ok, member, 0)
        ok &= (pop.dob[member] <= start) & ((start - pop.dob[member]) / 365.25 < 16) & (stay_address[member] < 0)
        ok &= rng.random(len(victims)) < 0.9
        stay_address[member[ok]], stay_from[member[ok]], stay_to[member[ok]] = refuge[ok], start[ok], end[ok]

    # Hostels: single adults, most with substance misuse, offending or mental-health needs.
    age = (as_of - pop.dob) / 365.25
    single = (pop.hh_size[hh] == 1) & (age >= 18) & (age < 70) & (stay_address < 0)
    weight = single * (1.0 + 8 * pop.substance_misuse + 6 * pop.offender + 4 * pop.mental_health)
    k = min(int((weight > 0).sum()), n_hostels * RESIDENTS_PER_HOSTEL)
    residents = rng.choice(n, size=k, replace=False, p=weight / weight.sum()) if k else np.array([], dtype=np.int64)
    hostel = first_new + n_refuges + rng.integers(0, n_hostels, k)
    # Adults only: a stay starts on or after the 18th birthday.
    start = np.maximum(rng.integers(win, as_of - 60, k), pop.dob[residents] + int(18 * 365.25)).astype(np.int32)
    end = np.minimum(start + rng.integers(90, 720, k), as_of - 1).astype(np.int32)
    ok = start < end
    residents, hostel, start, end = residents[ok], hostel[ok], start[ok], end[ok]
    stay_address[residents], stay_from[residents], stay_to[residents] = hostel, start, end

    pop.stay_address, pop.stay_from, pop.stay_to = stay_address, stay_from, stay_to
    places = np.arange(first_new, first_new + n_refuges + n_hostels)
    kind = np.array(["refuge"] * n_refuges + ["hostel"] * n_hostels, dtype=object)
    counts = np.bincount(stay_address[stay_address >= 0] - first_new, minlength=len(places))
    return SharedPlaces(address=places, kind=kind, residents=counts)


#: Share of people staying in a refuge or hostel seen by health there (registering with a GP, an attendance).
SEEN_DURING_STAY = 0.75


def stay_attendances(rng: np.random.Generator, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Health contacts during stays: most people who stay somewhere are seen there at least once.

    Returns:
        Person and day of each attendance, in day order.
    """
    staying = np.flatnonzero(pop.stay_address >= 0) if pop.stay_address is not None else np.array([], dtype=np.int64)
    seen = staying[rng.random(len(staying)) < SEEN_DURING_STAY]
    person = np.repeat(seen, 1 + rng.poisson(0.7, len(seen)))
    lo, hi = pop.stay_from[person], pop.stay_to[person]
    day = (lo + np.floor(rng.random(len(person)) * (hi - lo + 1))).astype(np.int32)
    order = np.lexsort((person, day))
    return person[order], day[order]


def _last_incident(person: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person once, with their latest day."""
    order = np.lexsort((day, person))
    person, day = person[order], day[order]
    last = np.r_[person[1:] != person[:-1], True] if len(person) else np.array([], dtype=bool)
    return person[last], day[last]


def grow_addresses(rng: np.random.Generator, pop: Population, vocab: Vocab, k: int) -> None:
    """Append ``k`` new dwellings, none sharing a postcode and first two words with any other."""
    a = pop.addresses
    taken = {(pc, " ".join(line.upper().split()[:2])) for pc, line in zip(a.postcode, a.line)}
    lines, abbrevs, towns, postcodes = [], [], [], []
    while len(lines) < k:
        town = int(rng.choice(len(vocab.towns), p=vocab.town_p))
        street = int(rng.integers(len(vocab.streets)))
        kind = int(rng.integers(len(vocab.street_types)))
        number = int(rng.integers(1, 400))
        outward = vocab.town_outwards[town][int(rng.integers(len(vocab.town_outwards[town])))]
        inward = f"{int(rng.integers(10))}{''.join(rng.choice(list('ABDEFGHJLNPQRSTUWXYZ'), 2))}"
        postcode = f"{outward} {inward}"
        line = f"{number} {vocab.streets[street]} {vocab.street_types[kind]}"
        if (postcode, " ".join(line.upper().split()[:2])) in taken:
            continue
        taken.add((postcode, " ".join(line.upper().split()[:2])))
        lines.append(line)
        abbrevs.append(f"{number} {vocab.streets[street]} {vocab.street_abbrev[kind]}")
        towns.append(vocab.towns[town])
        postcodes.append(postcode)
    pop.addresses = Addresses(
        line=np.concatenate([a.line, np.array(lines, dtype=object)]),
        line_abbrev=np.concatenate([a.line_abbrev, np.array(abbrevs, dtype=object)]),
        town=np.concatenate([a.town, np.array(towns, dtype=object)]),
        postcode=np.concatenate([a.postcode, np.array(postcodes, dtype=object)]),
    )
