"""Reference checks for UK identifiers: NHS numbers and PNC IDs.

Pure Python, no dependencies, so the standardiser, the synthetic generator and the
tests all agree on one definition. The numpy versions used for bulk generation live in
``synth.idgen`` and are tested against these.
"""

from __future__ import annotations

import re

__all__ = [
    "PNC_CHECK_ALPHABET",
    "nhs_check_digit",
    "nhs_number_is_valid",
    "normalise_nhs_number",
    "pnc_check_letter",
    "pnc_is_valid",
]

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

#: A-Z without I, O and S: index = (YY followed by the 7-digit serial) mod 23.
PNC_CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"

_PNC_RE = re.compile(r"^(\d{2}|\d{4})/(\d{1,7})([A-Z])$")


def nhs_check_digit(first9: str) -> int | None:
    """Compute the NHS number check digit (modulus 11).

    Args:
        first9: The first nine digits of the NHS number.

    Returns:
        The check digit 0-9, or None when the remainder makes the number invalid
        (check value 10) or ``first9`` is not nine digits.
    """
    if len(first9) != 9 or not first9.isascii() or not first9.isdigit():
        return None
    total = sum(int(d) * w for d, w in zip(first9, _NHS_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(s: str) -> str:
    """Strip the spaces and hyphens agencies use when writing NHS numbers."""
    return re.sub(r"[\s-]", "", s)


def nhs_number_is_valid(s: str) -> bool:
    """Whether ``s`` is a well-formed NHS number with a matching check digit.

    Spaces and hyphens are ignored (``943 476 5919`` is valid). Only the format and
    check digit are tested: numbers such as ``0000000000`` pass the checksum and are
    accepted here; rejecting placeholders is the standardiser's job.

    Args:
        s: The NHS number as written.

    Returns:
        True when exactly ten digits remain and the tenth equals the check digit.
    """
    digits = normalise_nhs_number(s)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    check = nhs_check_digit(digits[:9])
    return check is not None and check == int(digits[9])


def pnc_check_letter(year2: int, serial: int) -> str:
    """Compute the PNC ID check letter.

    Args:
        year2: Two-digit year (0-99); a four-digit year is reduced to its last two digits.
        serial: The serial number, 0-9999999.

    Returns:
        The check letter from :data:`PNC_CHECK_ALPHABET`.

    Raises:
        ValueError: If ``serial`` is outside 0-9999999 or ``year2`` is negative.
    """
    if year2 < 0 or not 0 <= serial <= 9_999_999:
        raise ValueError("year must be non-negative and serial 0-9999999")
    return PNC_CHECK_ALPHABET[((year2 % 100) * 10_000_000 + serial) % 23]


def pnc_is_valid(s: str) -> bool:
    """Whether ``s`` is a PNC ID whose check letter matches.

    Accepts ``YY/NNNNNNNL`` and ``YYYY/NNNNNNNL`` (the last two year digits are used),
    serials with their leading zeros dropped, and any letter case; surrounding spaces
    are ignored.

    Args:
        s: The PNC ID as written.

    Returns:
        True when the format is recognised and the check letter matches.
    """
    m = _PNC_RE.match(s.strip().upper())
    if m is None:
        return False
    year, serial, letter = m.groups()
    return pnc_check_letter(int(year) % 100, int(serial)) == letter
