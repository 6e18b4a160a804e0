"""Render a person's identity onto agency records, with that agency's errors.

Each record starts from the truth as it was on the record's date (previous surname
before a name change, old address before a move) and then gets independent errors at
the agency's :class:`~synth.rates.AgencyErrorRates`. All draws are vectorised;
only string edits on the small corrupted subsets run per value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from synth.idgen import corrupt_nhs_digit
from synth.names import Vocab, apply_typos, nickname_table
from synth.population import Population, day_of
from synth.rates import AgencyErrorRates

__all__ = ["MISSING_DAY", "Rendered", "render_identity"]

#: Sentinel for a missing date of birth.
MISSING_DAY = np.int32(-(2**31))


@dataclass
class Rendered:
    """Identity fields as one agency recorded them (one entry per record)."""

    forename: np.ndarray
    """Forename as written, empty string when missing."""
    middle: np.ndarray
    surname: np.ndarray
    """Surname in display case (``McDonald``), empty string when missing."""
    dob: np.ndarray
    """Day number, or :data:`MISSING_DAY`."""
    sex: np.ndarray
    """0 male, 1 female, 2 unknown."""
    address: np.ndarray
    """Index into the address table, -1 when missing."""
    nhs: np.ndarray
    """int64 NHS number as recorded (possibly with a wrong digit), 0 when absent."""
    phone: np.ndarray
    """National-format phone or None."""


@lru_cache(maxsize=1)
def _nickname_arrays(n_forenames: int, key: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = nickname_table()
    counts = np.array([len(table.get(f, ())) for f in key], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = np.array([n for f in key for n in table.get(f, ())], dtype=object)
    return counts, offsets, flat


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.datetime64("1970-01-01", "D") + days.astype("timedelta64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    return y, (m - y.astype("datetime64[M]")).astype(np.int64) + 1, (d - m.astype("datetime64[D]")).astype(np.int64) + 1


def _dob_errors(rng: np.random.Generator, dob: np.ndarray, r: AgencyErrorRates) -> np.ndarray:
    """Missing, defaulted, placeholder, day/month-swapped and mistyped DOBs."""
    out = dob.copy()
    u = rng.random(len(dob))
    edges = np.cumsum([r.dob_missing, r.dob_default, r.dob_placeholder, r.dob_day_month_swap, r.dob_typo])
    kind = np.searchsorted(edges, u, side="right")  # 5 means no error
    y, m, d = _ymd(dob)
    epoch = np.datetime64("1970-01-01", "D")
    out[kind == 0] = MISSING_DAY
    jan1 = (y.astype("datetime64[D]") - epoch).astype(np.int64)
    out[kind == 1] = jan1[kind == 1]
    out[kind == 2] = day_of("1900-01-01")
    swap = (kind == 3) & (d <= 12) & (d != m)
    swapped = ((y.astype("datetime64[M]") + (d - 1)).astype("datetime64[D]") + (m - 1) - epoch).astype(np.int64)
    out[swap] = swapped[swap]
    typo = kind == 4
    delta = rng.choice([-10, -1, 1, 10], size=len(dob))
    delta = np.where((d + delta < 1) | (d + delta > 28), -delta, delta)
    out[typo] = (dob + delta)[typo]
    return out.astype(np.int32)


def render_identity(
    rng: np.random.Generator,
    pop: Population,
    vocab: Vocab,
    rates: AgencyErrorRates,
    person: np.ndarray,
    day: np.ndarray,
    addr_person: np.ndarray | None = None,
    victim: np.ndarray | None = None,
) -> Rendered:
    """Render identity fields for records of ``person`` dated ``day``.

    Args:
        rng: The generator's random stream.
        pop: The population (truth).
        vocab: Vocabularies (forename strings).
        rates: The agency's error rates.
        person: Person index per record.
        day: Record date per record (days since epoch).
        addr_person: Whose address the record shows; defaults to ``person``.
        victim: Per record, whether it is a domestic-abuse victim's (police only); those
            records also lose the DOB at ``rates.victim_dob_missing`` and the address at
            ``rates.victim_address_missing``. None: no such records (and no extra draws).

    Returns:
        The rendered fields, aligned with ``person``.
    """
    k = len(person)
    rand = lambda: rng.random(k)  # noqa: E731 - one fresh uniform per record

    # Names as they were on the day.
    fidx = pop.forename[person].copy()
    surname = pop.surname[person].copy()
    prev = pop.prev_surname[person]
    use_prev = (prev != "") & ((day < pop.name_change_day[person]) | (rand() < rates.stale_surname))
    surname[use_prev] = prev[use_prev]
    alias = ((pop.alias_forename[person] >= 0) | (pop.alias_surname[person] != "")) & (rand() < rates.alias_use)
    af, asur = pop.alias_forename[person], pop.alias_surname[person]
    fidx = np.where(alias & (af >= 0), af, fidx)
    surname = np.where(alias & (asur != ""), asur, surname)
    forename = vocab.forenames[fidx]
    midx = pop.middle[person]
    middle = np.where((midx >= 0) & (rand() >= rates.middle_dropped), vocab.forenames[np.maximum(midx, 0)], "")

    counts, offsets, flat = _nickname_arrays(len(vocab.forenames), tuple(vocab.forenames))
    nick = (rand() < rates.nickname) & (counts[fidx] > 0)
    pick = offsets[fidx[nick]] + (rng.random(int(nick.sum())) * counts[fidx[nick]]).astype(np.int64)
    forename[nick] = flat[pick]

    hyph = pd.Series(surname).str.contains("-", regex=False).to_numpy()
    cut = hyph & (rand() < rates.double_barrel_cut)
    if cut.any():
        second = rng.random(int(cut.sum())) < 0.7
        parts = pd.Series(surname[cut]).str.split("-", n=1, expand=True)
        surname[cut] = np.where(second, parts[1].to_numpy(), parts[0].to_numpy())
    for arr, rate in ((forename, rates.forename_typo), (surname, rates.surname_typo)):
        m = rand() < rate
        if m.any():
            arr[m] = apply_typos(rng, arr[m])
    swap = rand() < rates.name_swap
    forename[swap], surname[swap] = surname[swap], forename[swap]
    middle[swap] = ""
    ph = rand() < rates.placeholder_name
    forename[ph], middle[ph], surname[ph] = "", "", "UNKNOWN"

    dob = _dob_errors(rng, pop.dob[person], rates)
    if victim is not None:
        dob = np.where(victim & (rand() < rates.victim_dob_missing), MISSING_DAY, dob).astype(np.int32)
    sex = np.where(rand() < rates.sex_unknown, 2, pop.sex[person]).astype(np.int8)

    ap = person if addr_person is None else addr_person
    # A record giving someone else's address (a suspect at the victim's) never gives her refuge.
    address = pop.address_on(ap, day, own=ap == person)
    hh = pop.household[ap]
    stale = (pop.hh_old_address[hh] >= 0) & (day >= pop.hh_move_day[hh]) & (rand() < rates.stale_address)
    address = np.where(stale, pop.hh_old_address[hh], address)
    address = np.where(rand() < rates.address_missing, -1, address)
    if victim is not None:
        address = np.where(victim & (rand() < rates.victim_address_missing), -1, address)

    nhs = np.where(rand() < rates.nhs_missing, 0, pop.nhs[person])
    wrong = (nhs > 0) & (rand() < rates.nhs_wrong_digit)
    nhs[wrong] = corrupt_nhs_digit(rng, nhs[wrong])
    phone = np.where(rand() < rates.phone_present, pop.phone[person], None)
    return Rendered(forename, middle, surname, dob, sex, address, nhs, phone)
