"""An incremental run hands Splink only the other profiles a blocking rule pairs with a new one (``blocked_profiles``)."""

from __future__ import annotations

import itertools
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from linkage.resolve.incremental_input import BLOCKING_KEYS, IS_NEW, blocked_profiles, rule_joins, symmetric
from tests.linkage.resolve.conftest import MODEL_INPUT_SCHEMA, model_record

NEW = ("n1", "n2")


def rules(*sql: str) -> dict:
    return {"blocking_rules_to_generate_predictions": [{"blocking_rule": s, "sql_dialect": "duckdb"} for s in sql]}


def population() -> pa.Table:
    """Existing records around two new ones: namesakes, a name swap, a shared DOB, strangers, nulls."""
    rows = [
        model_record("e1", "ANN", "LEE"),                                   # same names and DOB as n1
        model_record("e2", "LEE", "ANN", dob=date(1977, 1, 1)),              # n1's names swapped, another DOB
        model_record("e3", "BOB", "WU", dob=date(1990, 3, 4)),               # n2's DOB only
        model_record("e4", "CARL", "ZED", dob=date(1950, 1, 1), postcode=None),  # nothing shared
        model_record("e5", None, None, dob=None, postcode=None),             # all blocking keys null
        model_record("n1", "ANN", "LEE", dob=date(1977, 5, 7)),
        model_record("n2", None, None, dob=date(1990, 3, 4), postcode=None),
        model_record("e6", "ANN", "LEE", dob=None, postcode="ZZ1 1ZZ"),      # n1's names, no DOB
        model_record("e7", "LEE", "ZED", dob=None, postcode=None),           # forename n1's surname
        model_record("e8", "ZED", "ANN", dob=None, postcode=None),           # surname n1's forename
    ]
    return pa.Table.from_pylist(sorted(rows, key=lambda r: r["unique_id"]), schema=MODEL_INPUT_SCHEMA)


def others_blocked(records: pa.Table, is_new: pa.Array, settings: dict) -> list[str]:
    """The others :func:`blocked_profiles` hands Splink, over a ``blocking_keys`` table of the records."""
    with duckdb.connect() as con:
        con.register("population", records.append_column(IS_NEW, is_new))
        con.execute(f"CREATE TABLE {BLOCKING_KEYS} AS SELECT * FROM population")
        blocked_profiles(con, settings, "predicted_profiles")
        found = sorted(row[0] for row in con.execute("SELECT unique_id FROM predicted_profiles").fetchall())
    new = set(pc.filter(records["unique_id"], is_new).to_pylist())
    assert new <= set(found), "the new profiles are handed over too"
    return [uid for uid in found if uid not in new]


def brute_force(records: pa.Table, is_new: pa.Array, settings: dict) -> list[str]:
    """Every other record some rule pairs with some new record, either way round, checked pair by pair in DuckDB."""

    con = duckdb.connect()
    found = set()
    rows = records.to_pylist()
    new = [r for r, n in zip(rows, is_new.to_pylist()) if n]
    others = [r for r, n in zip(rows, is_new.to_pylist()) if not n]
    for rule, (a, b) in itertools.product(settings["blocking_rules_to_generate_predictions"], itertools.product(others, new)):
        for left, right in ((a, b), (b, a)):
            con.register("l", pa.Table.from_pylist([left], schema=records.schema))
            con.register("r", pa.Table.from_pylist([right], schema=records.schema))
            if con.execute(f"SELECT count(*) FROM l, r WHERE {rule['blocking_rule']}").fetchall()[0][0]:
                found.add(a["unique_id"])
    return sorted(found)


CASES = [
    ("one column rule: only the namesake with n1's DOB", rules('(l."dob" = r."dob") AND (l."surname" = r."surname")'), ["e1"]),
    ("a DOB rule finds n2's DOB twin; null DOBs pair with nothing", rules('l."dob" = r."dob"'), ["e1", "e3"]),
    ("several rules: the union of what each pairs", rules('l."dob" = r."dob"', 'l."surname" = r."surname"'), ["e1", "e3", "e6"]),
    ("the name-swap rule (two columns crossed)", rules("l.forename = r.surname AND l.surname = r.forename"), ["e2"]),
    ("a rule that is not symmetric is joined both ways round", rules('l."forename" = r."surname"'), ["e2", "e7", "e8"]),
    ("no rule pairs anyone: no other record", rules('l."pnc_id" = r."pnc_id"'), []),
]


@pytest.mark.parametrize(("description", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_blocked_profiles_keeps_exactly_the_records_a_rule_pairs_with_a_new_one(description, settings, expected):
    records = population()
    is_new = pc.is_in(records["unique_id"], value_set=pa.array(NEW))
    assert others_blocked(records, is_new, settings) == expected
    assert expected == brute_force(records, is_new, settings), "the table's expectation agrees with pair-by-pair checks"


def test_a_rule_that_is_not_plain_sql_keeps_every_other_record():
    records = population()
    is_new = pc.is_in(records["unique_id"], value_set=pa.array(NEW))
    settings = {"blocking_rules_to_generate_predictions": [
        {"blocking_rule": 'l."dob" = r."dob"', "sql_dialect": "duckdb", "arrays_to_explode": ["forename_groups"]},
    ]}
    assert others_blocked(records, is_new, settings) == ["e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"]


SYMMETRY = [
    ("one column", 'l."nhs_number" = r."nhs_number"', True),
    ("Splink's bracketed conjunction", '(l."dob" = r."dob") AND (l."surname_soundex" = r."surname_soundex")', True),
    ("the name swap: crossed columns, both ways", "l.forename = r.surname AND l.surname = r.forename AND l.birth_year = r.birth_year", True),
    ("crossed one way only", 'l."forename" = r."surname"', False),
    ("a crossed pair missing its mirror", "l.forename = r.surname AND l.birth_year = r.birth_year", False),
    ("an inequality (link-only sources)", "(l.dob = r.dob) AND (l.source <> r.source)", False),
    ("a disjunction", "l.dob = r.dob OR l.surname = r.surname", False),
    ("nested brackets it does not parse", "((l.dob = r.dob) AND (l.sex = r.sex))", False),
    ("one side compared with itself", "l.dob = l.dob", False),
]


@pytest.mark.parametrize(("description", "rule", "expected"), SYMMETRY, ids=[c[0] for c in SYMMETRY])
def test_a_rule_is_joined_once_only_when_swapping_l_and_r_leaves_it_the_same(description, rule, expected):
    assert symmetric(rule) is expected, description
    joins = rule_joins([rule], "row", "others", "new")
    assert joins.count(" JOIN ") == (1 if expected else 2), description
