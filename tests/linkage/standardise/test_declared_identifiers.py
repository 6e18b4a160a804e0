"""Table-driven cases for declared identifiers: cleaned into one ``identifiers`` map per record."""

from __future__ import annotations

import pytest

from linkage.config import SourceConfig
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
