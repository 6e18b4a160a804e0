"""Postcode, phone and address steps."""

from __future__ import annotations

from linkage.pipeline import Step
from linkage.standardise.notes import noted_select

#: UK postcode, outward and inward code separated by one space.
POSTCODE_PATTERN = "^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$"


#: The raw postcode upper-cased, with every character but letters and digits removed.
COMPACT_POSTCODE = "upper(regexp_replace(postcode_raw, '[^A-Za-z0-9]', '', 'g'))"
#: Any country's postal code, once upper-cased with punctuation and spaces removed.
ANY_POSTCODE_PATTERN = "^[A-Z0-9]{3,10}$"


def standardise_postcode(scheme: str | None = None) -> Step:
    """Normalise postcode case and spacing, validate it, null NHS ZZ99 pseudo-postcodes.

    Args:
        scheme: The source's ``person.postcode.scheme``: ``uk`` (None) or ``any``.
    """
    if scheme == "any":
        return standardise_any_postcode()
    compact = COMPACT_POSTCODE
    spaced = (
        f"CASE WHEN length({compact}) BETWEEN 5 AND 7 "
        f"THEN left({compact}, length({compact}) - 3) || ' ' || right({compact}, 3) END"
    )
    valid = "coalesce(regexp_full_match(pc, $postcode_pattern), false)"
    pseudo = "coalesce(starts_with(pc, 'ZZ99'), false)"
    return Step(
        name="standardise_postcode",
        purpose="Upper-case and space postcodes, null invalid ones and NHS ZZ99 pseudo-postcodes.",
        sql=noted_select(
            "pc",
            f"{spaced} AS pc",
            [
                (f"({pseudo})", "postcode", "NHS pseudo-postcode (no fixed abode or not known)"),
                (f"(postcode_raw IS NOT NULL AND NOT {pseudo} AND NOT {valid})", "postcode", "invalid format"),
            ],
            f"CASE WHEN {valid} AND NOT {pseudo} THEN pc END AS postcode, "
            f"CASE WHEN {valid} AND NOT {pseudo} THEN split_part(pc, ' ', 1) END AS postcode_outward",
        ),
        params={"postcode_pattern": POSTCODE_PATTERN},
    )


def standardise_any_postcode() -> Step:
    """Keep any country's postal code: upper-cased, punctuation and spaces removed, 3 to 10 characters."""
    compact = COMPACT_POSTCODE
    valid = "coalesce(regexp_full_match(pc, $postcode_pattern), false)"
    return Step(
        name="standardise_any_postcode",
        purpose="Postal codes of any country (postcode scheme 'any'): compact upper case; the whole code is its area.",
        sql=noted_select(
            "pc",
            f"{compact} AS pc",
            [(f"(postcode_raw IS NOT NULL AND NOT {valid})", "postcode", "invalid format")],
            f"CASE WHEN {valid} THEN pc END AS postcode, CASE WHEN {valid} THEN pc END AS postcode_outward",
        ),
        params={"postcode_pattern": ANY_POSTCODE_PATTERN},
    )


def standardise_phone() -> Step:
    """Reduce phone numbers to UK national digits (0 + 9 or 10 digits); others to null."""
    digits = "regexp_replace(phone_raw, '[^0-9+]', '', 'g')"
    national = (
        f"regexp_replace(regexp_replace({digits}, '^(\\+44|0044|44)0?', '0'), '[^0-9]', '', 'g')"
    )
    valid = "coalesce(regexp_full_match(ph, '0[0-9]{9,10}'), false)"
    return Step(
        name="standardise_phone",
        purpose="Phone numbers as UK national digits (+44 7700 -> 07700); invalid to null.",
        sql=noted_select(
            "ph",
            f"{national} AS ph",
            [(f"(phone_raw IS NOT NULL AND NOT {valid})", "phone", "invalid number")],
            f"CASE WHEN {valid} THEN ph END AS phone",
        ),
    )


def standardise_address() -> Step:
    """Upper-case the address, punctuation to spaces, one space between words."""
    cleaned = "nullif(trim(regexp_replace(upper(strip_accents(address_raw)), '[^A-Z0-9]+', ' ', 'g')), '')"
    return Step(
        name="standardise_address",
        purpose="Upper-case address text with punctuation removed and spaces collapsed.",
        sql=f"SELECT *, {cleaned} AS address FROM {{input}}",
    )
