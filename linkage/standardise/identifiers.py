"""Identifier steps: NHS number (mod 11) and PNC ID (mod 23 check letter), in SQL."""

from __future__ import annotations

from linkage.pipeline import Step
from linkage.standardise.notes import append_notes

#: PNC check letters: A-Z without I, O and S, indexed by (YY NNNNNNN) mod 23.
PNC_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
PNC_PATTERN = "^([0-9]{2}|[0-9]{4})/?([0-9]{1,7})([A-Z])$"


def validate_nhs_number() -> Step:
    """Keep NHS numbers whose mod 11 check digit is right; null the rest with a note."""
    digits = "regexp_replace(nhs_number_raw, '[\\s-]', '', 'g')"
    weighted = " + ".join(
        f"TRY_CAST(substr(nd, {i}, 1) AS INTEGER) * {11 - i}" for i in range(1, 10)
    )
    # 11 - (sum mod 11): 11 means 0, 10 means no valid number has these nine digits.
    check = f"(11 - (({weighted}) % 11)) % 11"
    shaped = "coalesce(regexp_full_match(nd, '[0-9]{10}'), false)"
    valid = f"({shaped} AND {check} = TRY_CAST(right(nd, 1) AS INTEGER))"
    repeated = "coalesce(regexp_full_match(nd, '(0{10}|1{10}|2{10}|3{10}|4{10}|5{10}|6{10}|7{10}|8{10}|9{10})'), false)"
    return Step(
        name="validate_nhs_number",
        purpose="Validate the NHS number's mod 11 check digit; invalid or placeholder numbers to null.",
        sql=(
            "SELECT * EXCLUDE (nd) REPLACE ("
            + append_notes(
                (f"(nd IS NOT NULL AND NOT {shaped})", "nhs_number", "not 10 digits"),
                (f"({shaped} AND {repeated})", "nhs_number", "placeholder number"),
                (f"({shaped} AND NOT {repeated} AND NOT {valid})", "nhs_number", "check digit does not match"),
            )
            + f"), CASE WHEN {shaped} AND NOT {repeated} AND {valid} THEN nd END AS nhs_number "
            f"FROM (SELECT *, {digits} AS nd FROM {{input}})"
        ),
    )


def validate_pnc_id() -> Step:
    """Normalise PNC IDs to YY/NNNNNNNL and keep those whose check letter is right."""
    compact = "upper(regexp_replace(pnc_id_raw, '\\s', '', 'g'))"
    year = "right(regexp_extract(pc, $pnc_pattern, 1), 2)"
    serial = "lpad(regexp_extract(pc, $pnc_pattern, 2), 7, '0')"
    letter = "regexp_extract(pc, $pnc_pattern, 3)"
    shaped = "coalesce(regexp_full_match(pc, $pnc_pattern), false)"
    expected = f"substr($pnc_alphabet, CAST(TRY_CAST({year} || {serial} AS BIGINT) % 23 AS INTEGER) + 1, 1)"
    valid = f"({shaped} AND {letter} = {expected})"
    return Step(
        name="validate_pnc_id",
        purpose="Normalise PNC IDs to YY/NNNNNNNL and check the mod 23 letter; invalid to null.",
        sql=(
            "SELECT * EXCLUDE (pc) REPLACE ("
            + append_notes(
                (f"(pc IS NOT NULL AND NOT {shaped})", "pnc_id", "invalid format"),
                (f"({shaped} AND NOT {valid})", "pnc_id", "check letter does not match"),
            )
            + f"), CASE WHEN {valid} THEN {year} || '/' || {serial} || {letter} END AS pnc_id "
            f"FROM (SELECT *, {compact} AS pc FROM {{input}})"
        ),
        params={"pnc_pattern": PNC_PATTERN, "pnc_alphabet": PNC_ALPHABET},
    )
