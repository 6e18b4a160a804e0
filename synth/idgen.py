"""Vectorised generation and formatting of NHS numbers, PNC IDs and phone numbers.

Bulk counterparts of :mod:`linkage.identifiers`; tests check they agree.
"""

from __future__ import annotations

import numpy as np

from linkage.identifiers import PNC_CHECK_ALPHABET

__all__ = [
    "corrupt_nhs_digit",
    "format_nhs",
    "format_pnc",
    "nhs_check_digits",
    "random_phones",
    "unique_nhs_numbers",
]

_NHS_WEIGHTS = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
_POW10 = 10 ** np.arange(9, -1, -1, dtype=np.int64)  # digit 0 is the most significant


def nhs_check_digits(first9: np.ndarray) -> np.ndarray:
    """Check digits for 9-digit integers; 10 marks an invalid stem."""
    digits = (first9[:, None] // _POW10[1:]) % 10
    check = 11 - (digits * _NHS_WEIGHTS).sum(axis=1) % 11
    return np.where(check == 11, 0, check)


def unique_nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` distinct valid NHS numbers as int64 (400 000 000 0 - 699 999 999 9).

    Stems whose check digit would be 10 are discarded, so every number returned is
    valid.
    """
    want = int(n * 1.15) + 64
    stems = rng.choice(300_000_000, size=want, replace=False).astype(np.int64) + 400_000_000
    check = nhs_check_digits(stems)
    ok = check != 10
    stems, check = stems[ok][:n], check[ok][:n]
    if len(stems) < n:  # practically impossible; keeps the contract explicit
        raise RuntimeError("could not draw enough NHS numbers")
    return stems * 10 + check


def corrupt_nhs_digit(rng: np.random.Generator, nhs: np.ndarray) -> np.ndarray:
    """Change one random digit of each number (keeps the first digit non-zero)."""
    pos = rng.integers(1, 10, size=len(nhs))
    place = _POW10[pos]
    old = (nhs // place) % 10
    new = (old + rng.integers(1, 10, size=len(nhs))) % 10
    return nhs + (new - old) * place


def format_nhs(nhs: np.ndarray, spaced: np.ndarray | None = None) -> np.ndarray:
    """Format int64 NHS numbers as 10-digit strings, optionally ``3 3 4`` spaced."""
    s = nhs.astype("U10").astype(object)
    if spaced is not None and spaced.any():
        sub = s[spaced]
        s[spaced] = [f"{x[:3]} {x[3:6]} {x[6:]}" for x in sub]
    return s


def format_pnc(year2: np.ndarray, serial: np.ndarray, wrong: np.ndarray | None = None) -> np.ndarray:
    """Format PNC IDs ``YY/NNNNNNNL``; ``wrong`` rows get a different check letter."""
    idx = (year2.astype(np.int64) * 10_000_000 + serial) % 23
    if wrong is not None:
        idx = np.where(wrong, (idx + 1 + (serial % 22)) % 23, idx)
    letters = np.array(list(PNC_CHECK_ALPHABET), dtype=object)[idx]
    y = np.char.zfill(year2.astype("U2"), 2).astype(object)
    ser = np.char.zfill(serial.astype("U7"), 7).astype(object)
    return y + "/" + ser + letters


def random_phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random UK phone numbers as 11-digit national strings (85% mobile)."""
    mobile = rng.random(n) < 0.85
    mob = 7_400_000_000 + rng.integers(0, 599_999_999, size=n, dtype=np.int64)
    land = 1_000_000_000 + rng.integers(100_000_000, 999_999_999, size=n, dtype=np.int64)
    return np.char.zfill(np.where(mobile, mob, land).astype("U11"), 11).astype(object)
