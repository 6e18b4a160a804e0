"""Table-driven cases for date parsing, DOB rules and source-specific mapping steps."""

from __future__ import annotations

from datetime import date

import pytest

from linkage.config import NameOrder, SourceConfig
from linkage.config.run import DEFAULT_PLACEHOLDER_DOBS
from linkage.standardise import dates, mapping
from tests.linkage.standardise.conftest import apply_step

V = "VARCHAR"


def source(**overrides) -> SourceConfig:
    data = {
        "name": "police",
        "agency": "police",
        "file": "police.csv",
        "record_id": "Ref",
        "person": {"full_name": {"column": "Name", "order": "surname_comma_forenames"}, "dob": {"column": "DOB", "format": ["%d/%m/%Y", "%Y-%m-%d"]}},
        "event": {
            "date": {"column": "When", "format": "%d/%m/%Y"},
            "role": {"column": "Role", "values": {"VICTIM": "victim", "SUSPECT": "suspect", "N/K": None}},
            "domestic_abuse": {"column": "Offence", "pattern": "(?i)domestic"},
            "dash_risk": {"column": "Dash", "values": {"H": "high", "M": "medium", "S": "standard"}},
        },
    }
    data.update(overrides)
    return SourceConfig.model_validate(data)


PARSE_CASES = [
    # (description, dob_raw, event_date_raw, dob, event_date, notes)
    ("day-first date", "01/02/1980", "05/03/2021", date(1980, 2, 1), date(2021, 3, 5), []),
    ("second format tried", "1980-02-01", "05/03/2021", date(1980, 2, 1), date(2021, 3, 5), []),
    ("impossible calendar date", "31/02/1985", "05/03/2021", None, date(2021, 3, 5), ["dob: unparseable date"]),
    ("free text", "unknown", "yesterday", None, None, ["dob: unparseable date", "event_date: unparseable date"]),
    ("missing stays missing without a note", None, None, None, None, []),
]


@pytest.mark.parametrize(("description", "dob_raw", "event_raw", "dob", "event_date", "notes"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_dates(con, description, dob_raw, event_raw, dob, event_date, notes):
    out = apply_step(con, mapping.parse_dates(source()), {"dob_raw": (V, dob_raw), "event_date_raw": (V, event_raw)})
    assert (out["dob"], out["event_date"], out["dq"]) == (dob, event_date, notes), description


BAD_DOB_CASES = [
    ("ordinary date kept", date(1980, 2, 1), date(2021, 3, 5), date(1980, 2, 1), []),
    ("1 January of a real year kept (only the year is known)", date(1985, 1, 1), date(2021, 3, 5), date(1985, 1, 1), []),
    ("01/01/1900 is a placeholder", date(1900, 1, 1), date(2021, 3, 5), None, ["dob: placeholder date"]),
    ("before 1900 is impossible", date(1850, 6, 1), date(2021, 3, 5), None, ["dob: impossible date"]),
    ("after the event is impossible", date(2022, 1, 1), date(2021, 3, 5), None, ["dob: impossible date"]),
    ("in the future is impossible", date(2999, 1, 1), None, None, ["dob: impossible date"]),
    ("born on the day of the event is possible", date(2021, 3, 5), date(2021, 3, 5), date(2021, 3, 5), []),
    ("null stays null", None, date(2021, 3, 5), None, []),
]


@pytest.mark.parametrize(("description", "dob", "event_date", "want", "notes"), BAD_DOB_CASES, ids=[c[0] for c in BAD_DOB_CASES])
def test_null_bad_dobs(con, description, dob, event_date, want, notes):
    step = dates.null_bad_dobs(DEFAULT_PLACEHOLDER_DOBS, date(1900, 1, 1))
    out = apply_step(con, step, {"dob": ("DATE", dob), "event_date": ("DATE", event_date)})
    assert (out["dob"], out["dq"]) == (want, notes), description


FULL_NAME_CASES = [
    # (description, order, full_name, forenames, surname, notes)
    ("surname, forenames", NameOrder.SURNAME_COMMA_FORENAMES, "SMITH, Robert James", "Robert James", "SMITH", []),
    ("apostrophe in surname", NameOrder.SURNAME_COMMA_FORENAMES, "O'BRIEN, Siobhan", "Siobhan", "O'BRIEN", []),
    ("spaces around the comma", NameOrder.SURNAME_COMMA_FORENAMES, "SMITH ,  Bob", "Bob", "SMITH", []),
    ("no comma: read as forenames then surname", NameOrder.SURNAME_COMMA_FORENAMES, "Robert Smith", "Robert", "Smith", ["full_name: no comma; read as forenames then surname"]),
    ("surname only with comma", NameOrder.SURNAME_COMMA_FORENAMES, "SMITH,", None, "SMITH", []),
    ("forenames then surname", NameOrder.FORENAMES_SURNAME, "Robert James Smith", "Robert James", "Smith", []),
    ("one word is a surname", NameOrder.FORENAMES_SURNAME, "Smith", None, "Smith", ["full_name: one word; read as surname"]),
    ("surname then forenames", NameOrder.SURNAME_FORENAMES, "SMITH Robert James", "Robert James", "SMITH", []),
]


@pytest.mark.parametrize(("description", "order", "full_name", "forenames", "surname", "notes"), FULL_NAME_CASES, ids=[c[0] for c in FULL_NAME_CASES])
def test_split_full_name(con, description, order, full_name, forenames, surname, notes):
    row = {"full_name_raw": (V, full_name), "forenames_raw": (V, None), "surname_raw": (V, None)}
    out = apply_step(con, mapping.split_full_name(order), row)
    assert (out["forenames_raw"], out["surname_raw"], out["dq"]) == (forenames, surname, notes), description


VALUE_CASES = [
    # (description, role_raw, dash_raw, offence_raw, role, dash, domestic_abuse, notes)
    ("mapped codes", "VICTIM", "H", "Domestic Abuse - Assault", "victim", "high", True, []),
    ("codes matched ignoring case", "suspect", "m", "Theft", "suspect", "medium", False, []),
    ("code mapped to null is not a problem", "N/K", None, None, None, None, False, []),
    ("unknown code nulled with a note", "BYSTANDER", "EXTREME", "Theft", None, None, False, ["role: unrecognised value", "dash_risk: unrecognised value"]),
]


@pytest.mark.parametrize(("description", "role_raw", "dash_raw", "offence", "role", "dash", "da", "notes"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_map_values(con, description, role_raw, dash_raw, offence, role, dash, da, notes):
    raw = {f"{key}_raw": (V, None) for key in ("sex", *mapping.EVENT_KEYS) if key != "date"}
    raw |= {"role_raw": (V, role_raw), "dash_risk_raw": (V, dash_raw), "domestic_abuse_raw": (V, offence)}
    out = apply_step(con, mapping.map_values(source()), raw)
    assert (out["role"], out["dash_risk"], out["domestic_abuse"], out["dq"]) == (role, dash, da, notes), description
    assert out["plan_type"] is None, "an unmapped field is null"


@pytest.mark.parametrize("invisible", [True, False], ids=["looking for control characters", "a file scanned clean"])
def test_map_columns_reads_constants_and_blanks(con, invisible):
    config = source(event={"role": {"value": "patient"}})
    row = {"source_row": ("BIGINT", 1), "Ref": (V, " A1 "), "Name": (V, "   "), "DOB": (V, "01/02/1980")}
    out = apply_step(con, mapping.map_columns(config, invisible), row)
    assert out["dq"] == []
    assert out["record_id"] == "A1", "record id trimmed"
    assert out["full_name_raw"] is None, "a blank value is null"
    assert out["role_raw"] == "patient", "a constant fills every row"
    assert out["pnc_id_raw"] is None, "an unmapped field is null"


def test_map_values_with_no_coded_field(con):
    """A source mapping no sex, role, DASH or marker column (FEBRL-like) maps nothing and keeps its notes."""
    config = source(event={"date": {"column": "When", "format": "%d/%m/%Y"}})
    raw = {f"{key}_raw": (V, None) for key in ("sex", *mapping.EVENT_KEYS) if key != "date"}
    out = apply_step(con, mapping.map_values(config), raw)
    assert out["sex"] is None and out["role"] is None and out["domestic_abuse"] is None
    assert out["dq"] == []
