"""The walk from an incremental run's changed people to the flags they can change, through shared keys.

It steps through events, addresses and dwellings, but not through a shared address (a hostel)
nor a dwelling every spelling of which is shared: no rule links people there. A dwelling with
one unshared spelling still links its residents (the Encompass rule places a child living at
it). That the flags come out as a full run's is checked in ``test_incremental.py``.
"""

from __future__ import annotations

import duckdb
import pytest

from linkage.safeguard.changes import _grow, _walk_skips
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
    _walk_skips(con)
    con.execute("CREATE TEMP TABLE flag_owners AS SELECT 'SEED' AS person_id")
    _grow(con, "flag_owners", steps)
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
