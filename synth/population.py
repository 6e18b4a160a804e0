"""Households, addresses and people, including the hard-negative pairs.

Everything is built as flat numpy arrays indexed by person (0..n-1). Members of one
household are contiguous, which lets events find a household's children with simple
offset arithmetic instead of joins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.idgen import random_phones, unique_nhs_numbers
from synth.names import ERAS, Vocab, era_index

__all__ = ["NO_DAY", "Addresses", "Population", "birth_year", "build_population", "day_of", "draw_forenames"]

#: Sentinel for "no such day" (no name change, no move) in int32 day arrays.
NO_DAY = np.int32(2**31 - 1)

_EPOCH = np.datetime64("1970-01-01", "D")
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)

# Household types: single adult, couple, couple + children, lone parent, couple + adult children.
_HH_P = np.array([0.28, 0.30, 0.25, 0.10, 0.07])
_HH_ADULTS = np.array([1, 2, 2, 1, 2])


def day_of(iso: str | np.datetime64) -> int:
    """Days since 1970-01-01 for an ISO date."""
    return int((np.datetime64(iso, "D") - _EPOCH).astype(np.int64))


@dataclass
class Addresses:
    """Address table: one row per dwelling."""

    line: np.ndarray
    """``12 Acacia Road``."""
    line_abbrev: np.ndarray
    """``12 Acacia Rd`` (how some agencies key it)."""
    town: np.ndarray
    postcode: np.ndarray
    """Standard ``NT1 4QR`` form."""


@dataclass
class Population:
    """Everyone in the synthetic area. Arrays are indexed by person."""

    household: np.ndarray
    hh_start: np.ndarray
    """Per household: index of its first member."""
    hh_size: np.ndarray
    hh_first_dep: np.ndarray
    """Per household: offset of the first dependent child within the household."""
    hh_address: np.ndarray
    hh_old_address: np.ndarray
    """Per household: previous address index, -1 if the household did not move."""
    hh_move_day: np.ndarray
    is_adult_role: np.ndarray
    """Adult householder (parent/partner), as opposed to a child of the household."""
    sex: np.ndarray
    """0 male, 1 female."""
    dob: np.ndarray
    forename: np.ndarray
    """Index into ``Vocab.forenames``."""
    middle: np.ndarray
    """Index into ``Vocab.forenames``, -1 when none."""
    surname: np.ndarray
    prev_surname: np.ndarray
    """Surname before a name change, empty string when none."""
    name_change_day: np.ndarray
    nhs: np.ndarray
    phone: np.ndarray
    """National-format phone string or None."""
    mental_health: np.ndarray
    substance_misuse: np.ndarray
    offender: np.ndarray
    alias_forename: np.ndarray
    """Alias forename index or -1."""
    alias_surname: np.ndarray
    """Alias surname or empty string."""
    twin_of: np.ndarray
    junior_senior_of: np.ndarray
    namesake_of: np.ndarray
    addresses: Addresses
    stay_address: np.ndarray | None = None
    """Per person: a refuge or hostel they stayed in (address index), -1 for none; None before any are made."""
    stay_from: np.ndarray | None = None
    """Per person: first day of the stay."""
    stay_to: np.ndarray | None = None
    """Per person: last day of the stay."""

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.sex)

    def address_on(self, person: np.ndarray, day: np.ndarray, own: np.ndarray | bool = True) -> np.ndarray:
        """Address index each person lived at on ``day`` (old address before a move).

        Where ``own`` (the record is the person's own, not one that gives someone else's
        address), a refuge or hostel they were staying in on the day.
        """
        hh = self.household[person]
        moved_later = (self.hh_old_address[hh] >= 0) & (day < self.hh_move_day[hh])
        home = np.where(moved_later, self.hh_old_address[hh], self.hh_address[hh])
        if self.stay_address is None:
            return home
        staying = own & (self.stay_address[person] >= 0) & (day >= self.stay_from[person]) & (day <= self.stay_to[person])
        return np.where(staying, self.stay_address[person], home)


def _age_years(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Age of the first adult, by household type."""
    lo = np.array([18, 20, 22, 18, 40])[kind]
    span = np.array([72, 70, 33, 37, 25])[kind]
    a = np.array([1.3, 1.5, 2.0, 1.8, 2.0])[kind]
    b = np.array([1.6, 1.5, 2.0, 2.2, 2.0])[kind]
    return lo + span * rng.beta(a, b)


def birth_year(dob: np.ndarray) -> np.ndarray:
    """Calendar year of each day-number."""
    return (np.datetime64("1970-01-01", "D") + dob.astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970


def draw_forenames(rng: np.random.Generator, vocab: Vocab, sex: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Forename indices drawn by sex and birth era with the era's frequencies."""
    out = np.empty(len(sex), dtype=np.int64)
    era = era_index(birth_year)
    for (s, e), (idx, p) in sorted(vocab.forename_groups.items()):
        mask = (sex == (0 if s == "M" else 1)) & (era == ERAS.index(e))
        k = int(mask.sum())
        if k:
            out[mask] = rng.choice(idx, size=k, p=p)
    return out


def _hash32(*parts: np.ndarray) -> np.ndarray:
    """Cheap deterministic integer mix (for postcode units)."""
    h = np.zeros(len(parts[0]), dtype=np.uint64)
    for p in parts:
        h = (h ^ p.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(29)
    return h


def _build_addresses(
    rng: np.random.Generator, vocab: Vocab, town_of: np.ndarray
) -> tuple[Addresses, np.ndarray]:
    """Draw a distinct dwelling in each requested town.

    Returns:
        The address table (one row per request) and its row order (identity: request i
        is address i).
    """
    n_types = len(vocab.street_types)
    combos_street = np.repeat(np.arange(len(vocab.streets)), n_types)
    combos_type = np.tile(np.arange(n_types), len(vocab.streets))
    combo_p = vocab.street_type_p[combos_type]
    combo_p = combo_p / combo_p.sum()
    n = len(town_of)
    street_name = np.empty(n, dtype=object)
    street_abbr = np.empty(n, dtype=object)
    number = np.empty(n, dtype=np.int64)
    postcode = np.empty(n, dtype=object)
    for t in range(len(vocab.towns)):
        rows = np.flatnonzero(town_of == t)
        k = len(rows)
        if not k:
            continue
        n_streets = int(min(len(combos_street), max(20, -(-k // 30))))
        nums = int(max(60, -(-2 * k // n_streets)))
        combos = rng.choice(len(combos_street), size=n_streets, replace=False, p=combo_p)
        slots = rng.choice(n_streets * nums, size=k, replace=False)
        local, num = slots // nums, slots % nums + 1
        c = combos[local]
        base = vocab.streets[combos_street[c]]
        street_name[rows] = base + " " + vocab.street_types[combos_type[c]]
        street_abbr[rows] = base + " " + vocab.street_abbrev[combos_type[c]]
        number[rows] = num
        # A postcode unit covers a block of ~20 house numbers on one street.
        h = _hash32(np.full(k, t), local, (num - 1) // 20)
        outs = np.array(vocab.town_outwards[t], dtype=object)
        out = outs[_hash32(np.full(k, t), local) % np.uint64(len(outs))]
        inward = (
            (h % np.uint64(10)).astype(np.int64).astype("U1").astype(object)
            + _INWARD_LETTERS[((h >> np.uint64(8)) % np.uint64(20)).astype(np.int64)]
            + _INWARD_LETTERS[((h >> np.uint64(16)) % np.uint64(20)).astype(np.int64)]
        )
        postcode[rows] = out + " " + inward
    num_s = number.astype("U4").astype(object)
    return (
        Addresses(
            line=num_s + " " + street_name,
            line_abbrev=num_s + " " + street_abbr,
            town=vocab.towns[town_of],
            postcode=postcode,
        ),
        np.arange(n),
    )


def build_population(rng: np.random.Generator, n: int, as_of_day: int, vocab: Vocab) -> Population:
    """Generate ``n`` people in households at addresses, plus hard-negative pairs.

    Args:
        rng: The generator's random stream.
        n: Number of people.
        as_of_day: Extract date (days since epoch); ages are relative to it.
        vocab: Name and place vocabularies.

    Returns:
        The population with names, DOBs, identifiers, addresses and trait flags.
    """
    window_start = day_of("2018-01-01")
    n_hh_guess = int(n / 2.2) + 16
    kind = rng.choice(5, size=n_hh_guess, p=_HH_P)
    n_adults = _HH_ADULTS[kind]
    n_adult_kids = np.where(kind == 4, 1 + (rng.random(n_hh_guess) < 0.3), 0)
    dep = np.select(
        [kind == 2, kind == 3, kind == 4],
        [
            rng.choice([1, 2, 3, 4], size=n_hh_guess, p=[0.4, 0.4, 0.15, 0.05]),
            rng.choice([1, 2, 3], size=n_hh_guess, p=[0.5, 0.35, 0.15]),
            rng.choice([0, 1], size=n_hh_guess, p=[0.7, 0.3]),
        ],
        0,
    )
    size = n_adults + n_adult_kids + dep
    cum = np.cumsum(size)
    n_hh = int(np.searchsorted(cum, n) + 1)
    kind, n_adults, n_adult_kids, size = kind[:n_hh], n_adults[:n_hh], n_adult_kids[:n_hh], size[:n_hh]
    hh_start = np.concatenate([[0], cum[: n_hh - 1]]).astype(np.int64)
    # The last household may be cut short to hit exactly n people.
    size = np.minimum(size, n - hh_start)
    n_adults = np.minimum(n_adults, size)
    n_adult_kids = np.minimum(n_adult_kids, size - n_adults)
    household = np.repeat(np.arange(n_hh), size)
    pos = np.arange(n) - hh_start[household]
    first_dep = n_adults + n_adult_kids
    is_adult_role = pos < n_adults[household]
    is_adult_kid = ~is_adult_role & (pos < first_dep[household])

    # Ages and sexes.
    a1_age = _age_years(rng, kind)
    a2_age = np.maximum(18.0, a1_age + rng.normal(0, 3.5, n_hh))
    a1_female = rng.random(n_hh) < np.where(kind == 3, 0.88, 0.5)
    a2_female = np.where(rng.random(n_hh) < 0.95, ~a1_female, a1_female)
    mother_age = np.where(a1_female | (n_adults == 1), a1_age, a2_age)
    u = rng.random(n)
    hp = household
    dep_max = np.clip(mother_age[hp] - 17, 0.1, 17.99)
    kid_max = np.clip(np.minimum(30.0, mother_age[hp] - 19), 18.0, 30.0)
    age = np.select(
        [pos == 0, is_adult_role, is_adult_kid],
        [a1_age[hp], a2_age[hp], 18 + u * (kid_max - 18)],
        u * dep_max,
    )
    female = np.select([pos == 0, is_adult_role], [a1_female[hp], a2_female[hp]], rng.random(n) < 0.49)
    sex = female.astype(np.int8)
    dob = (as_of_day - np.floor(age * 365.25) - rng.integers(0, 365, n) * (age > 1)).astype(np.int32)
    dob = np.minimum(dob, as_of_day - 1).astype(np.int32)
    by = birth_year(dob)

    # Names: surnames by household, forenames by sex and birth era.
    birth_surname = rng.choice(vocab.surnames, size=n, p=vocab.surname_p)
    couple = n_adults == 2
    married = couple & (rng.random(n_hh) < 0.65) & (a1_female != a2_female)
    takes_name = married & (rng.random(n_hh) < 0.9)
    male_pos = np.where(a1_female, 1, 0)  # offset of the man in a mixed couple
    male_surname_hh = birth_surname[hh_start + male_pos * couple]
    surname = birth_surname.copy()
    prev_surname = np.full(n, "", dtype=object)
    name_change_day = np.full(n, NO_DAY, dtype=np.int32)
    wife = is_adult_role & takes_name[hp] & female
    surname[wife] = male_surname_hh[hp][wife]
    prev_surname[wife] = birth_surname[wife]
    earliest = np.maximum(dob[wife] + int(18 * 365.25), as_of_day - 25 * 365)
    name_change_day[wife] = (earliest + rng.random(int(wife.sum())) * (as_of_day - earliest)).astype(np.int32)
    # Children: father's surname when married, else a mix, with a few double-barrels.
    child = ~is_adult_role
    mother_pos = np.where(couple & ~a1_female, 1, 0)
    mother_birth = birth_surname[hh_start + mother_pos][hp]
    father_birth = male_surname_hh[hp]
    lone_surname = surname[hh_start][hp]
    r = rng.random(n)
    kid_surname = np.select(
        [~couple[hp], married[hp], r < 0.6, r < 0.9],
        [np.where(r < 0.85, lone_surname, birth_surname), father_birth, father_birth, mother_birth],
        mother_birth + "-" + father_birth,
    )
    same = child & (mother_birth == father_birth)
    kid_surname[same] = father_birth[same]
    surname[child] = kid_surname[child]
    # The second adult's surname in an unmarried couple stays their own.
    forename = draw_forenames(rng, vocab, sex, by)
    middle = draw_forenames(rng, vocab, sex, by)
    middle = np.where(middle == forename, -1, middle)
    middle[rng.random(n) < 0.4] = -1

    # Addresses: current for every household, old for movers.
    hh_town = rng.choice(len(vocab.towns), size=n_hh, p=vocab.town_p)
    moved = rng.random(n_hh) < 0.18
    old_town = np.where(rng.random(n_hh) < 0.7, hh_town, rng.choice(len(vocab.towns), size=n_hh, p=vocab.town_p))
    n_moved = int(moved.sum())
    addresses, _ = _build_addresses(rng, vocab, np.concatenate([hh_town, old_town[moved]]))
    hh_address = np.arange(n_hh)
    hh_old_address = np.full(n_hh, -1, dtype=np.int64)
    hh_old_address[moved] = n_hh + np.arange(n_moved)
    hh_move_day = np.full(n_hh, NO_DAY, dtype=np.int32)
    hh_move_day[moved] = rng.integers(window_start + 60, as_of_day - 30, size=n_moved)

    nhs = unique_nhs_numbers(rng, n)
    age_now = (as_of_day - dob) / 365.25
    phone_all = random_phones(rng, n)
    has_phone = (age_now >= 12) & (rng.random(n) < 0.8)
    phone = np.where(has_phone, phone_all, None)

    adult = age_now >= 18
    male_w = np.where(sex == 0, 2.0, 1.0)
    mental_health = adult & (rng.random(n) < 0.04)
    substance_misuse = adult & (rng.random(n) < 0.012 * male_w)
    offender = (age_now >= 14) & (age_now < 60) & (rng.random(n) < 0.02 * male_w)

    pop = Population(
        household=household.astype(np.int64),
        hh_start=hh_start,
        hh_size=size.astype(np.int64),
        hh_first_dep=first_dep.astype(np.int64),
        hh_address=hh_address,
        hh_old_address=hh_old_address,
        hh_move_day=hh_move_day,
        is_adult_role=is_adult_role,
        sex=sex,
        dob=dob,
        forename=forename,
        middle=middle,
        surname=surname,
        prev_surname=prev_surname,
        name_change_day=name_change_day,
        nhs=nhs,
        phone=phone,
        mental_health=mental_health,
        substance_misuse=substance_misuse,
        offender=offender,
        alias_forename=np.full(n, -1, dtype=np.int64),
        alias_surname=np.full(n, "", dtype=object),
        twin_of=np.full(n, -1, dtype=np.int64),
        junior_senior_of=np.full(n, -1, dtype=np.int64),
        namesake_of=np.full(n, -1, dtype=np.int64),
        addresses=addresses,
    )
    return pop
