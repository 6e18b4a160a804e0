"""Table-driven cases for declared identifiers: cleaned into one ``identifiers`` map per record."""

from __future__ import annotations

import pytest

from linkage.config import SourceConfig
from linkage.config.model import Identifier
from linkage.standardise import identifiers
from linkage.standardise.mapping import identifier_raw
from tests.linkage.config.test_load import GOOD_SOURCE
from tests.linkage.standardise.conftest import apply_step

V = "VARCHAR"


def source(*names: str) -> SourceConfig:
    """A source config mapping the named identifiers (each from a column of the same name)."""
    person = {**GOOD_SOURCE["person"], "identifiers": {name: name.upper() for name in names}}
    return SourceConfig.model_validate({**GOOD_SOURCE, "person": person})


CASES = [
    # (description, raw value, stored value, notes)
    ("digits kept as they are", "1234567", "1234567", []),
    ("lower case upper-cased", "ab12345", "AB12345", []),
    ("spaces and hyphens removed", "12-345 67", "1234567", []),
    ("tabs removed", "123\t4567", "1234567", []),
    ("only hyphens: null, with a note", "- -", None, ["ref: only spaces and hyphens"]),
    ("all zeros: placeholder", "0000000", None, ["ref: placeholder value"]),
    ("one letter repeated, spaced: placeholder", "x x x", None, ["ref: placeholder value"]),
    ("a single character: placeholder", "9", None, ["ref: placeholder value"]),
    ("a quote is an ordinary character", "O'B-1", "O'B1", []),
    ("two characters are not a placeholder", "01", "01", []),
    ("null stays null without a note", None, None, []),
]


@pytest.mark.parametrize(("description", "raw", "value", "notes"), CASES, ids=[c[0] for c in CASES])
def test_declared_identifier_cleaned(con, description, raw, value, notes):
    out = apply_step(con, identifiers.standardise_identifiers(source("ref")), {identifier_raw("ref"): (V, raw)})
    assert (out["identifiers"], out["dq"]) == ({"ref": value}, notes), description
    assert identifier_raw("ref") in out and "ic0" not in out, "helper columns are dropped, raw ones kept"


def test_several_identifiers_in_one_map(con):
    step = identifiers.standardise_identifiers(source("ref", "case_no"))
    out = apply_step(con, step, {identifier_raw("ref"): (V, "a-1"), identifier_raw("case_no"): (V, "0000")})
    assert out["identifiers"] == {"ref": "A1", "case_no": None}
    assert out["dq"] == ["case_no: placeholder value"]
    assert step.params == {"identifier_names": ["ref", "case_no"]}, "names are bound, never spliced into the SQL"


def test_source_without_identifiers_gets_a_null_map_of_the_same_type(con):
    out = apply_step(con, identifiers.standardise_identifiers(source()), {"x": (V, "1")})
    assert out["identifiers"] is None
    (column_type,) = con.execute("SELECT typeof(identifiers) FROM step_output").fetchone()
    assert column_type == identifiers.IDENTIFIERS_TYPE


CHECK_CASES = [
    # (description, check, raw value, stored value, notes)
    ("nhs: a valid NHS number kept", "nhs", "943 476 5919", "9434765919", []),
    ("nhs: a wrong check digit nulled, with a note", "nhs", "9434765918", None, ["ref: fails the nhs check"]),
    ("nhs: nine digits nulled", "nhs", "943476591", None, ["ref: fails the nhs check"]),
    ("pnc: written YY/NNNNNNNL", "pnc", "2020/8492597N", "20/8492597N", []),
    ("pnc: a short serial padded", "pnc", "20 8492597N", "20/8492597N", []),
    ("pnc: a wrong check letter nulled", "pnc", "20/8492597M", None, ["ref: fails the pnc check"]),
    ("luhn: a valid number kept", "luhn", "4539 1488 0343 6467", "4539148803436467", []),
    ("luhn: a digit changed nulled", "luhn", "4539148803436468", None, ["ref: fails the luhn check"]),
    ("luhn: letters nulled", "luhn", "AB1234", None, ["ref: fails the luhn check"]),
    ("none: anything kept", "none", "AB1234", "AB1234", []),
    ("a placeholder is a placeholder, not a failed check", "luhn", "0000", None, ["ref: placeholder value"]),
]


@pytest.mark.parametrize(("description", "check", "raw", "value", "notes"), CHECK_CASES, ids=[c[0] for c in CHECK_CASES])
def test_declared_identifier_check(con, description, check, raw, value, notes):
    declared = {"ref": Identifier(check=check)}
    out = apply_step(con, identifiers.standardise_identifiers(source("ref"), declared), {identifier_raw("ref"): (V, raw)})
    assert (out["identifiers"], out["dq"]) == ({"ref": value}, notes), description


def _luhn(number: str) -> bool:
    """Luhn's check, written out: from the right, every second digit doubled (its digits summed); total ends in 0."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit // 10 + digit % 10
    return total % 10 == 0


def test_luhn_in_sql_agrees_with_the_check_written_out():
    import duckdb

    numbers = [f"{n:08d}" for n in range(12345670, 12345700)] + ["79927398713", "79927398710", "18", "0"]
    with duckdb.connect() as con:
        got = [con.execute(f"SELECT {identifiers._luhn_valid('$v')}", {"v": n}).fetchone()[0] for n in numbers]
    assert got == [len(n) >= 2 and _luhn(n) for n in numbers]
    assert sum(got) == 5, "one in ten of the thirty consecutive numbers, 79927398713 and 18 pass"
