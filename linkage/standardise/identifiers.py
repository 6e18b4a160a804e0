"""Identifier steps: NHS number (mod 11), PNC ID (mod 23 check letter) and declared identifiers, in SQL."""

from __future__ import annotations

from collections.abc import Mapping

from linkage.config import SourceConfig
from linkage.config.model import Identifier
from linkage.pipeline import Step
from linkage.standardise.mapping import identifier_raw
from linkage.standardise.notes import noted_select

#: PNC check letters: A-Z without I, O and S, indexed by (YY NNNNNNN) mod 23.
PNC_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
PNC_PATTERN = "^([0-9]{2}|[0-9]{4})/?([0-9]{1,7})([A-Z])$"


def _nhs_shaped(column: str) -> str:
    """SQL: the column holds 10 digits."""
    return f"coalesce(regexp_full_match({column}, '[0-9]{{10}}'), false)"


def _nhs_valid(column: str) -> str:
    """SQL: the column holds 10 digits whose mod 11 check digit is right."""
    weighted = " + ".join(f"TRY_CAST(substr({column}, {i}, 1) AS INTEGER) * {11 - i}" for i in range(1, 10))
    # 11 - (sum mod 11): 11 means 0, 10 means no valid number has these nine digits.
    check = f"(11 - (({weighted}) % 11)) % 11"
    return f"({_nhs_shaped(column)} AND {check} = TRY_CAST(right({column}, 1) AS INTEGER))"


def validate_nhs_number() -> Step:
    """Keep NHS numbers whose mod 11 check digit is right; null the rest with a note."""
    digits = "regexp_replace(nhs_number_raw, '[\\s-]', '', 'g')"
    shaped = _nhs_shaped("nd")
    valid = _nhs_valid("nd")
    repeated = "coalesce(regexp_full_match(nd, '(0{10}|1{10}|2{10}|3{10}|4{10}|5{10}|6{10}|7{10}|8{10}|9{10})'), false)"
    return Step(
        name="validate_nhs_number",
        purpose="Validate the NHS number's mod 11 check digit; invalid or placeholder numbers to null.",
        sql=noted_select(
            "nd",
            f"{digits} AS nd",
            [
                (f"(nd IS NOT NULL AND NOT {shaped})", "nhs_number", "not 10 digits"),
                (f"({shaped} AND {repeated})", "nhs_number", "placeholder number"),
                (f"({shaped} AND NOT {repeated} AND NOT {valid})", "nhs_number", "check digit does not match"),
            ],
            f"CASE WHEN {shaped} AND NOT {repeated} AND {valid} THEN nd END AS nhs_number",
        ),
    )


def _pnc_parts(column: str) -> tuple[str, str, str, str, str]:
    """SQL over a compact PNC ID: its year (YY), serial (7 digits), letter, shape check and validity.

    Reads the parameters ``$pnc_pattern`` and ``$pnc_alphabet``.
    """
    year = f"right(regexp_extract({column}, $pnc_pattern, 1), 2)"
    serial = f"lpad(regexp_extract({column}, $pnc_pattern, 2), 7, '0')"
    letter = f"regexp_extract({column}, $pnc_pattern, 3)"
    shaped = f"coalesce(regexp_full_match({column}, $pnc_pattern), false)"
    expected = f"substr($pnc_alphabet, CAST(TRY_CAST({year} || {serial} AS BIGINT) % 23 AS INTEGER) + 1, 1)"
    return year, serial, letter, shaped, f"({shaped} AND {letter} = {expected})"


def _luhn_valid(column: str) -> str:
    """SQL: the column holds two or more digits whose Luhn check digit (the last) is right."""
    digit = f"TRY_CAST(substr({column}, length({column}) - i + 1, 1) AS INTEGER)"
    doubled = f"CASE WHEN i % 2 = 0 THEN {digit} * 2 - CASE WHEN {digit} >= 5 THEN 9 ELSE 0 END ELSE {digit} END"
    return (
        f"(coalesce(regexp_full_match({column}, '[0-9]{{2,}}'), false) "
        f"AND list_sum(list_transform(generate_series(1, length({column})), lambda i: {doubled})) % 10 = 0)"
    )


def validate_pnc_id() -> Step:
    """Normalise PNC IDs to YY/NNNNNNNL and keep those whose check letter is right."""
    compact = "upper(regexp_replace(pnc_id_raw, '\\s', '', 'g'))"
    year, serial, letter, shaped, valid = _pnc_parts("pc")
    return Step(
        name="validate_pnc_id",
        purpose="Normalise PNC IDs to YY/NNNNNNNL and check the mod 23 letter; invalid to null.",
        sql=noted_select(
            "pc",
            f"{compact} AS pc",
            [
                (f"(pc IS NOT NULL AND NOT {shaped})", "pnc_id", "invalid format"),
                (f"({shaped} AND NOT {valid})", "pnc_id", "check letter does not match"),
            ],
            f"CASE WHEN {valid} THEN {year} || '/' || {serial} || {letter} END AS pnc_id",
        ),
        params={"pnc_pattern": PNC_PATTERN, "pnc_alphabet": PNC_ALPHABET},
    )


#: The records column holding every declared identifier of a record, by name.
IDENTIFIERS_COLUMN = "identifiers"
IDENTIFIERS_TYPE = "MAP(VARCHAR, VARCHAR)"


def _checked(value: str, check: str) -> tuple[str, str]:
    """SQL over a cleaned identifier: whether it passes ``check`` (``Identifier.check``), and the value kept if so."""
    if check == "nhs":
        return _nhs_valid(value), value
    if check == "pnc":
        year, serial, letter, _shaped, valid = _pnc_parts(value)
        return valid, f"{year} || '/' || {serial} || {letter}"
    if check == "luhn":
        return _luhn_valid(value), value
    return "true", value


def standardise_identifiers(source: SourceConfig, declared: Mapping[str, Identifier] | None = None) -> Step:
    """Clean the identifiers declared in the model config into one ``identifiers`` map per record.

    Each value is upper-cased with spaces and hyphens removed (``ab-12 34`` -> ``AB1234``);
    what is left empty is null, and so is an obvious placeholder (one character repeated:
    ``0000000``, ``X``), with a note, and a value failing its declared check (``nhs``,
    ``pnc``, ``luhn``), with a note naming it; a ``pnc`` value is written YY/NNNNNNNL. One
    map column, whatever the config declares, keeps the records table's schema fixed; the
    model reads each identifier from it (``id_<name>``). A source that maps none gets a null map.

    Args:
        source: The source config (which identifiers it maps).
        declared: The model config's identifiers (their checks); none: no checks.
    """
    names = list(source.person.identifiers)
    if not names:
        return Step(
            name="standardise_identifiers",
            purpose="No declared identifier in this source: an empty identifiers column.",
            sql=f"SELECT *, CAST(NULL AS {IDENTIFIERS_TYPE}) AS {IDENTIFIERS_COLUMN} FROM {{input}}",
        )
    check_of = {name: declared[name].check if declared and name in declared else "none" for name in names}
    cleaned, notes, values = [], [], []
    for index, name in enumerate(names):
        raw, value = identifier_raw(name), f"ic{index}"
        cleaned.append(f"nullif(upper(regexp_replace({raw}, '[\\s-]', '', 'g')), '') AS {value}")
        placeholder = f"({value} IS NOT NULL AND length(replace({value}, left({value}, 1), '')) = 0)"
        check = check_of[name]
        valid, kept = _checked(value, check)
        notes += [
            (f"({raw} IS NOT NULL AND {value} IS NULL)", name, "only spaces and hyphens"),
            (placeholder, name, "placeholder value"),
        ]
        if check != "none":
            notes.append((f"({value} IS NOT NULL AND NOT {placeholder} AND NOT coalesce({valid}, false))", name, f"fails the {check} check"))
        values.append(f"CASE WHEN NOT {placeholder} AND coalesce({valid}, false) THEN {kept} END")
    helpers = ", ".join(f"ic{index}" for index in range(len(names)))
    return Step(
        name="standardise_identifiers",
        purpose="Declared identifiers: upper case, spaces and hyphens removed; blanks and placeholders to null.",
        sql=noted_select(
            helpers, ", ".join(cleaned), notes, f"map($identifier_names, [{', '.join(values)}]) AS {IDENTIFIERS_COLUMN}"
        ),
        params={"identifier_names": names} | (
            {"pnc_pattern": PNC_PATTERN, "pnc_alphabet": PNC_ALPHABET} if "pnc" in check_of.values() else {}
        ),
    )
