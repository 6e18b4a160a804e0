"""A field read from several columns, and a date from year, month and day columns."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest

from linkage.config import SourceConfig
from linkage.pipeline import run_queue
from linkage.standardise import mapping
from tests.linkage.standardise.conftest import FEBRL_SOURCE

def febrl_source(**person) -> SourceConfig:
    """The FEBRL-shaped source, with person fields changed or added."""
    return SourceConfig.model_validate({**FEBRL_SOURCE, "person": {**FEBRL_SOURCE["person"], **person}})


def read_row(con: duckdb.DuckDBPyConnection, source: SourceConfig, cells: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """Map one extract row (``{column: (sql_type, value)}``) and parse its dates; the output row."""
    cells = {"rec_id": ("VARCHAR", "r1"), **cells}
    for column in source.mapped_columns().values():
        cells.setdefault(column, ("VARCHAR", None))
    items = [f'CAST($v{i} AS {t}) AS "{name}"' for i, (name, (t, _)) in enumerate(cells.items())]
    params = {f"v{i}": value for i, (_, value) in enumerate(cells.values())}
    con.execute(f"CREATE OR REPLACE TEMP TABLE extract_row AS SELECT 1 AS source_row, {', '.join(items)}", params)
    run_queue(con, [mapping.map_columns(source), mapping.parse_dates(source)], "extract_row", "mapped_row")
    cursor = con.execute("SELECT * FROM mapped_row")
    (values,) = cursor.fetchall()
    out = dict(zip([d[0] for d in cursor.description], values, strict=True))
    out["dq"] = [n for n in out["dq"] if n is not None]
    return out


ADDRESS_CASES = [
    # (description, street_number, address_1, address_2, suburb, address_raw)
    ("every column joined in order with single spaces", "12", "High Street", "Flat 2", "Newtown", "12 High Street Flat 2 Newtown"),
    ("a blank column is skipped, leaving no double space", "12", "High Street", "", "Newtown", "12 High Street Newtown"),
    ("whitespace-only and null columns are skipped", "  ", "High Street", None, " Newtown ", "High Street Newtown"),
    ("every column blank gives null", "", " ", None, "", None),
    ("a value with an apostrophe is kept as data", "3", "O'Connell Street", "", "", "3 O'Connell Street"),
]


@pytest.mark.parametrize(("description", "number", "line_1", "line_2", "suburb", "want"), ADDRESS_CASES, ids=[c[0] for c in ADDRESS_CASES])
def test_address_from_several_columns(con, description, number, line_1, line_2, suburb, want):
    cells = {"street_number": number, "address_1": line_1, "address_2": line_2, "suburb": suburb}
    out = read_row(con, febrl_source(), {k: ("VARCHAR", v) for k, v in cells.items()})
    assert out["address_raw"] == want, description
    assert out["dq"] == [], description


FORENAME_CASES = [
    # (description, given_name, middle_name, forenames_raw)
    ("given and middle name joined", "Robert", "James", "Robert James"),
    ("no middle name", "Robert", "", "Robert"),
    ("only a middle name", None, "James", "James"),
    ("both blank gives null", " ", "", None),
]


@pytest.mark.parametrize(("description", "given", "middle", "want"), FORENAME_CASES, ids=[c[0] for c in FORENAME_CASES])
def test_forenames_from_several_columns(con, description, given, middle, want):
    out = read_row(con, febrl_source(), {"given_name": ("VARCHAR", given), "middle_name": ("VARCHAR", middle)})
    assert out["forenames_raw"] == want, description


def test_control_characters_in_any_listed_column_are_removed_and_noted(con):
    out = read_row(con, febrl_source(), {"address_2": ("VARCHAR", "Flat\u202e 2"), "suburb": ("VARCHAR", "Newtown")})
    assert out["address_raw"] == "Flat 2 Newtown"
    assert out["dq"] == ["address: control characters removed"]


DOB_CASES = [
    # (description, (sql type, year, month, day), dob, notes)
    ("a valid date from text parts", ("VARCHAR", "1985", "02", "28"), date(1985, 2, 28), []),
    ("parts without leading zeros", ("VARCHAR", "1985", "2", "8"), date(1985, 2, 8), []),
    ("a leap day in a leap year", ("VARCHAR", "2000", "2", "29"), date(2000, 2, 29), []),
    ("31 February is not a date", ("VARCHAR", "1985", "2", "31"), None, ["dob: year, month and day are not a date"]),
    ("29 February outside a leap year", ("VARCHAR", "1985", "2", "29"), None, ["dob: year, month and day are not a date"]),
    ("month 13 is not a date", ("VARCHAR", "1985", "13", "1"), None, ["dob: year, month and day are not a date"]),
    ("day 0 is not a date", ("VARCHAR", "1985", "1", "0"), None, ["dob: year, month and day are not a date"]),
    ("a blank year nulls the date with a note", ("VARCHAR", "", "2", "14"), None, ["dob: year, month and day are not a date"]),
    ("a blank day nulls the date with a note", ("VARCHAR", "1985", "2", None), None, ["dob: year, month and day are not a date"]),
    ("a month written as a word is not read", ("VARCHAR", "1985", "Feb", "14"), None, ["dob: year, month and day are not a date"]),
    ("a fractional day is not read", ("VARCHAR", "1985", "2", "14.5"), None, ["dob: year, month and day are not a date"]),
    ("a year too long for four digits is not cut short", ("VARCHAR", "19850", "2", "14"), None, ["dob: year, month and day are not a date"]),
    ("a negative year is not read", ("VARCHAR", "-1985", "2", "14"), None, ["dob: year, month and day are not a date"]),
    ("every part blank is a missing date, no note", ("VARCHAR", " ", "", None), None, []),
    ("integer parts (a parquet extract)", ("INTEGER", 1985, 2, 28), date(1985, 2, 28), []),
    ("integer parts that are not a date", ("INTEGER", 1985, 2, 31), None, ["dob: year, month and day are not a date"]),
    ("whole-number float parts (a parquet extract from pandas)", ("DOUBLE", 1985.0, 2.0, 28.0), date(1985, 2, 28), []),
    ("a null float part", ("DOUBLE", 1985.0, None, 28.0), None, ["dob: year, month and day are not a date"]),
]


@pytest.mark.parametrize(("description", "parts", "want", "notes"), DOB_CASES, ids=[c[0] for c in DOB_CASES])
def test_date_of_birth_from_parts(con, description, parts, want, notes):
    sql_type, year, month, day = parts
    cells = {"by": (sql_type, year), "bm": (sql_type, month), "bd": (sql_type, day)}
    out = read_row(con, febrl_source(), cells)
    assert (out["dob"], out["dq"]) == (want, notes), description


def test_parts_shown_together_as_the_raw_date(con):
    """dob_raw shows what the parts were, a blank part left empty, for the record's raw view."""
    out = read_row(con, febrl_source(), {"by": ("VARCHAR", "1985"), "bm": ("VARCHAR", None), "bd": ("VARCHAR", "7")})
    assert out["dob_raw"] == "1985--7"


def test_event_date_from_parts(con):
    source = SourceConfig.model_validate({
        "name": "febrl", "agency": "police", "file": "febrl.csv", "record_id": "rec_id",
        "person": {"full_name": {"column": "name", "order": "forenames_surname"}},
        "event": {"date": {"parts": {"year": "EY", "month": "EM", "day": "ED"}}},
    })
    good = read_row(con, source, {"EY": ("VARCHAR", "2021"), "EM": ("VARCHAR", "3"), "ED": ("VARCHAR", "5")})
    bad = read_row(con, source, {"EY": ("VARCHAR", "2021"), "EM": ("VARCHAR", "3"), "ED": ("VARCHAR", "32")})
    assert (good["event_date"], good["dq"]) == (date(2021, 3, 5), [])
    assert (bad["event_date"], bad["dq"]) == (None, ["event_date: year, month and day are not a date"])


def test_values_are_bound_never_written_into_the_sql():
    """The steps' SQL names columns only; the date format is a parameter."""
    source = febrl_source()
    for step in (mapping.map_columns(source), mapping.parse_dates(source)):
        assert "%Y" not in step.sql, step.name
    assert mapping.parse_dates(source).params["date_parts_format"] == "%Y-%m-%d"
