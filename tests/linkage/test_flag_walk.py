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
from linkage.safeguard.walk import grow, place_step, write_place_events, write_walk_skips
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


#: (person, event id, role, postcode, address, days before the flags' date) per record, for the dangerous place's step.
PLACE, LONE = ("AB1 2CD", "12 ACACIA ROAD"), ("CD1 1CD", "7 MILL LANE")
INCIDENT_RECORDS = [
    # Four incidents placed at one dwelling (two spellings) in its window; EDGE is on the first.
    ("EDGE", "OCC-PLACED", "victim", *PLACE, 30),
    ("PARTY", "OCC-PLACED", "suspect", None, None, 30),
    ("A2", "OCC-2", "victim", *PLACE, 100),
    ("S2", "OCC-2", "suspect", None, None, 100),
    ("A3", "OCC-3", "suspect", "AB1 2CD", "12 ACACIA RD", 200),
    ("V3", "OCC-3", "victim", None, None, 200),
    ("INSIDE", "OCC-INSIDE", "victim", *PLACE, 300),
    ("BEYOND", "OCC-INSIDE", "suspect", None, None, 300),
    # EDGE's other incidents: none placed anywhere one could be dangerous.
    ("EDGE", "OCC-NO-ADDRESS", "suspect", None, None, 30),
    ("UNPLACED", "OCC-NO-ADDRESS", "victim", None, None, 30),
    ("EDGE", "OCC-WITNESSED", "witness", *PLACE, 30),
    ("SEEN", "OCC-WITNESSED", "victim", None, None, 30),
    ("EDGE", "OCC-OLD", "victim", *PLACE, 6 * 366),
    ("OLD", "OCC-OLD", "suspect", None, None, 6 * 366),
    ("EDGE", "OCC-LONE", "victim", *LONE, 30),
    ("LONER", "OCC-LONE", "suspect", None, None, 30),
    ("EDGE", None, "patient", *PLACE, 30),
    ("HOUSEMATE", None, "patient", *PLACE, 30),
]

#: (description, dangerous_place_min_incidents, people the step adds).
PLACE_STEPS = [
    ("three incidents make a place: through EDGE's incident there only", 3, {"PARTY"}),
    ("four: the place has four", 4, {"PARTY"}),
    ("five: no dangerous place, no step", 5, set()),
]


@pytest.mark.parametrize(("desc", "min_incidents", "added"), PLACE_STEPS, ids=[c[0] for c in PLACE_STEPS])
def test_the_place_step_goes_only_through_incidents_placed_at_a_possible_dangerous_place(desc, min_incidents, added) -> None:
    """From the people the last step added, through the events where their record, as suspect or victim, gives an address.

    Only in the window, and only at a dwelling with enough such events. Not from people inside the
    walk (INSIDE), nor through a witness's record, an incident without an address, an old one, one
    at a dwelling with a single incident, or a record of no event.
    """
    as_of = date(2026, 11, 1)
    con = duckdb.connect()
    con.execute("CREATE TABLE records (unique_id VARCHAR, source VARCHAR, event_id VARCHAR, role VARCHAR, "
                "postcode VARCHAR, address VARCHAR, event_date DATE)")
    con.execute("CREATE TABLE clusters (unique_id VARCHAR, person_id VARCHAR)")
    for n, (person, event_id, role, postcode, address, days) in enumerate(INCIDENT_RECORDS):
        con.execute("INSERT INTO records VALUES ($1, 'police', $2, $3, $4, $5, $6)",
                    [f"R{n}", event_id, role, postcode, address, as_of - timedelta(days=days)])
        con.execute("INSERT INTO clusters VALUES ($1, $2)", [f"R{n}", person])
    con.execute(f"CREATE TABLE person_keys AS {stored_person_keys_sql()}")
    con.execute("CREATE TEMP TABLE walked AS SELECT unnest(['EDGE', 'INSIDE']) AS person_id")
    con.execute("CREATE TEMP TABLE frontier AS SELECT 'EDGE' AS person_id")
    write_place_events(con, FlagRules(as_of=as_of, dangerous_place_min_incidents=min_incidents), as_of)
    place_step(con, "walked")
    assert {p for (p,) in con.execute("SELECT person_id FROM walked").fetchall()} == {"EDGE", "INSIDE", *added}, desc
    assert {p for (p,) in con.execute("SELECT person_id FROM frontier").fetchall()} == {"EDGE", *added}, desc
