"""The walk from an incremental run's changed people to the flags they can change, through shared keys.

It steps through events, addresses and dwellings, but not through a shared address (a hostel)
nor a dwelling every spelling of which is shared: no rule links people there. A dwelling with
one unshared spelling still links its residents (the Encompass rule places a child living at
it). The dangerous place's one step more goes through incidents alone. That the flags come out
as a full run's is checked in ``test_incremental.py`` and ``safeguard/test_incremental_*.py``.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from graph import FlagRules
from linkage.safeguard.walk import grow, place_step, write_walk_skips
from linkage.safeguard.graph_input import stored_person_keys_sql

#: (person, postcode, address, event id) per record.
RECORDS = [
    ("SEED", "AB1 2CD", "1 HOSTEL ROAD", None),
    ("RESIDENT", "AB1 2CD", "1 HOSTEL ROAD", None),
    ("RESIDENT", "EF3 4GH", "9 ELM GROVE", None),
    ("NEIGHBOUR", "EF3 4GH", "9 ELM GROVE", None),
    ("SEED", "CD5 6EF", "7 MILL LANE FLAT A", None),
    ("SPELLED", "CD5 6EF", "7 MILL LN", None),
    ("SEED", "XY1 1XY", "2 OAK ST", "OCC-1"),
    ("PARTY", "QQ1 1QQ", "5 FAR AWAY", "OCC-1"),
    ("PARTY", "QQ1 1QQ", "6 FAR AWAY", None),
    ("FAMILY", "QQ1 1QQ", "6 FAR AWAY", None),
    ("NOBODY", "ZZ9 9ZZ", "3 LONE RD", None),
]


def _results(shared: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE records (unique_id VARCHAR, source VARCHAR, event_id VARCHAR, postcode VARCHAR, address VARCHAR)")
    con.execute("CREATE TABLE clusters (unique_id VARCHAR, person_id VARCHAR)")
    for n, (person, postcode, address, event_id) in enumerate(RECORDS):
        con.execute("INSERT INTO records VALUES ($1, 'police', $2, $3, $4)", [f"R{n}", event_id, postcode, address])
        con.execute("INSERT INTO clusters VALUES ($1, $2)", [f"R{n}", person])
    con.execute(f"CREATE TABLE person_keys AS {stored_person_keys_sql()}")
    con.execute("CREATE TABLE shared_addresses AS SELECT unnest($1::VARCHAR[]) AS address_key, 'hostel' AS kind", [shared])
    return con


def _reached(shared: list[str], steps: int) -> set[str]:
    con = _results(shared)
    write_walk_skips(con)
    con.execute("CREATE TEMP TABLE flag_owners AS SELECT 'SEED' AS person_id")
    grow(con, "flag_owners", steps)
    return {p for (p,) in con.execute("SELECT person_id FROM flag_owners").fetchall()}


HOSTEL = "address:AB1 2CD|1 HOSTEL ROAD"
FLAT = "address:CD5 6EF|7 MILL LANE FLAT A"

# (description, shared address keys, steps, people reached besides SEED)
CASES = [
    ("nothing shared: every key links", [], 1, {"RESIDENT", "SPELLED", "PARTY"}),
    ("two steps out", [], 2, {"RESIDENT", "SPELLED", "PARTY", "NEIGHBOUR", "FAMILY"}),
    ("a hostel links nobody, nor does its dwelling, every spelling of it shared", [HOSTEL], 2,
     {"SPELLED", "PARTY", "FAMILY"}),
    ("one spelling of a dwelling shared: its other spelling still links through the dwelling", [FLAT], 1,
     {"RESIDENT", "SPELLED", "PARTY"}),
    ("a shared address far away changes nothing here", ["address:ZZ9 9ZZ|3 LONE RD"], 2,
     {"RESIDENT", "SPELLED", "PARTY", "NEIGHBOUR", "FAMILY"}),
]


@pytest.mark.parametrize(("desc", "shared", "steps", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_walk_skips_shared_addresses_and_wholly_shared_dwellings(desc, shared, steps, expected) -> None:
    assert _reached(shared, steps) == {"SEED", *expected}, desc


#: (person, event id, role, address, days before the flags' date) per record, for the dangerous place's step.
INCIDENT_RECORDS = [
    ("EDGE", "OCC-PLACED", "victim", "12 ACACIA ROAD", 30),
    ("PARTY", "OCC-PLACED", "suspect", None, 30),
    ("EDGE", "OCC-NO-ADDRESS", "suspect", None, 30),
    ("UNPLACED", "OCC-NO-ADDRESS", "victim", None, 30),
    ("EDGE", "OCC-WITNESSED", "witness", "12 ACACIA ROAD", 30),
    ("SEEN", "OCC-WITNESSED", "victim", None, 30),
    ("EDGE", "OCC-OLD", "victim", "12 ACACIA ROAD", 6 * 366),
    ("OLD", "OCC-OLD", "suspect", None, 6 * 366),
    ("EDGE", None, "patient", "12 ACACIA ROAD", 30),
    ("HOUSEMATE", None, "patient", "12 ACACIA ROAD", 30),
    ("INSIDE", "OCC-INSIDE", "victim", "3 CEDAR CLOSE", 30),
    ("BEYOND", "OCC-INSIDE", "suspect", None, 30),
]


def test_the_place_step_goes_only_through_incidents_its_edge_placed_in_the_window() -> None:
    """From the people the last step added, through the events where their record, as suspect or victim, gives an address.

    The dangerous place counts an incident at a dwelling when such a record gives its address and
    it is dated in the window: the only third step any flag needs. Not from people inside the walk.
    """
    as_of = date(2026, 11, 1)
    con = duckdb.connect()
    con.execute("CREATE TABLE records (unique_id VARCHAR, source VARCHAR, event_id VARCHAR, role VARCHAR, "
                "postcode VARCHAR, address VARCHAR, event_date DATE)")
    con.execute("CREATE TABLE clusters (unique_id VARCHAR, person_id VARCHAR)")
    for n, (person, event_id, role, address, days) in enumerate(INCIDENT_RECORDS):
        con.execute("INSERT INTO records VALUES ($1, 'police', $2, $3, 'AB1 2CD', $4, $5)",
                    [f"R{n}", event_id, role, address, as_of - timedelta(days=days)])
        con.execute("INSERT INTO clusters VALUES ($1, $2)", [f"R{n}", person])
    con.execute(f"CREATE TABLE person_keys AS {stored_person_keys_sql()}")
    con.execute("CREATE TEMP TABLE walked AS SELECT unnest(['EDGE', 'INSIDE']) AS person_id")
    con.execute("CREATE TEMP TABLE frontier AS SELECT 'EDGE' AS person_id")
    place_step(con, "walked", FlagRules(as_of=as_of), as_of)
    assert {p for (p,) in con.execute("SELECT person_id FROM walked").fetchall()} == {"EDGE", "INSIDE", "PARTY"}
    assert {p for (p,) in con.execute("SELECT person_id FROM frontier").fetchall()} == {"EDGE", "PARTY"}
