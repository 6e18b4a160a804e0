"""Table-driven checks of the NHS number and PNC ID reference implementations."""

from __future__ import annotations

import numpy as np
import pytest

from linkage.identifiers import nhs_check_digit, nhs_number_is_valid, pnc_check_letter, pnc_is_valid
from synth.idgen import format_pnc, nhs_check_digits, unique_nhs_numbers

NHS_CASES = [
    ("9434765919", True, "published example number"),
    ("943 476 5919", True, "spaced as written on letters"),
    ("943-476-5919", True, "hyphenated"),
    ("9434765918", False, "wrong check digit"),
    ("4010232137", True, "valid, check digit 7"),
    ("1000000010", False, "stem whose check computes to 10 is never valid"),
    ("943476591", False, "nine digits"),
    ("94347659190", False, "eleven digits"),
    ("94347A5919", False, "non-digit"),
    ("", False, "empty"),
    ("0000000000", True, "all zeros pass the checksum (placeholder rejection is not done here)"),
]


@pytest.mark.parametrize(("value", "valid", "description"), NHS_CASES, ids=[c[2] for c in NHS_CASES])
def test_nhs_number_is_valid(value: str, valid: bool, description: str) -> None:
    assert nhs_number_is_valid(value) is valid, description


CHECK_CASES = [
    ("943476591", 9, "published example"),
    ("401023213", 7, "ordinary stem"),
    ("100000001", None, "remainder 1 gives check 10: invalid"),
    ("000000000", 0, "remainder 0 gives 11, written as 0"),
    ("12345678", None, "too short"),
]


@pytest.mark.parametrize(("first9", "check", "description"), CHECK_CASES, ids=[c[2] for c in CHECK_CASES])
def test_nhs_check_digit(first9: str, check: int | None, description: str) -> None:
    assert nhs_check_digit(first9) == check, description


PNC_CASES = [
    ("21/0001234" + pnc_check_letter(21, 1234), True, "two-digit year, zero-padded serial"),
    ("2021/0001234" + pnc_check_letter(21, 1234), True, "four-digit year uses last two digits"),
    ("21/1234" + pnc_check_letter(21, 1234), True, "leading zeros of the serial missing"),
    ("21/0001234" + pnc_check_letter(21, 1234).lower(), True, "lower-case check letter"),
    ("99/9999999" + pnc_check_letter(99, 9999999), True, "largest serial"),
    ("21/0001234" + ("B" if pnc_check_letter(21, 1234) != "B" else "C"), False, "wrong check letter"),
    ("21-0001234A", False, "hyphen instead of slash"),
    ("21/00012345678A", False, "serial too long"),
    ("21/0001234", False, "no check letter"),
]


@pytest.mark.parametrize(("value", "valid", "description"), PNC_CASES, ids=[c[2] for c in PNC_CASES])
def test_pnc_is_valid(value: str, valid: bool, description: str) -> None:
    assert pnc_is_valid(value) is valid, description


LETTER_CASES = [
    (0, 0, "A", "zero maps to the first letter"),
    (0, 8, "J", "index 8 skips I"),
    (0, 22, "Z", "last letter"),
    (0, 23, "A", "wraps modulo 23"),
    (10, 1, "D", "year digits lead: 100000001 mod 23 = 3"),
]


@pytest.mark.parametrize(("year", "serial", "letter", "description"), LETTER_CASES, ids=[c[3] for c in LETTER_CASES])
def test_pnc_check_letter(year: int, serial: int, letter: str, description: str) -> None:
    assert pnc_check_letter(year, serial) == letter, description


def test_vectorised_nhs_agrees_with_reference() -> None:
    rng = np.random.default_rng(3)
    stems = rng.integers(100_000_000, 999_999_999, 2000)
    vec = nhs_check_digits(stems)
    for stem, check in zip(stems, vec):
        ref = nhs_check_digit(str(stem))
        assert (ref if ref is not None else 10) == check
    nums = unique_nhs_numbers(rng, 5000)
    assert len(set(nums.tolist())) == 5000
    assert all(nhs_number_is_valid(str(x)) for x in nums)


def test_vectorised_pnc_agrees_with_reference() -> None:
    rng = np.random.default_rng(4)
    year, serial = rng.integers(0, 100, 500), rng.integers(0, 10_000_000, 500)
    good = format_pnc(year, serial)
    bad = format_pnc(year, serial, np.ones(500, dtype=bool))
    assert all(pnc_is_valid(s) for s in good)
    assert not any(pnc_is_valid(s) for s in bad)
