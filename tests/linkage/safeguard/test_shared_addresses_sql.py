"""The SQL that reads addresses, residents and family links for shared-address detection, on hand-made records."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from graph import FlagRules
from linkage.node_keys import ADDRESS_KEY_SQL
from linkage.safeguard import AREA_SQL, find_shared_addresses, key_area_sql, read_shared_addresses
from linkage.store import connect

AS_OF = date(2026, 11, 1)
RECORD_COLUMNS = ["unique_id", "source", "agency", "event_id", "event_date", "role", "domestic_abuse", "surname", "postcode", "address"]


def store(rows: list[dict]):
    """A store with ``records`` and ``clusters`` from rows (person_id and the record columns)."""
    con = connect(":memory:")
    frame = pd.DataFrame([{c: row.get(c) for c in ["person_id", *RECORD_COLUMNS]} for row in rows])
    frame["unique_id"] = [f"r{i}" for i in range(len(frame))]
    frame["source"] = frame["source"].fillna("health")
    frame["agency"] = frame["agency"].fillna(frame["source"])
    frame["event_date"] = pd.to_datetime(frame["event_date"].fillna(AS_OF)).dt.date
    frame["domestic_abuse"] = frame["domestic_abuse"].fillna(False).astype(bool)
    con.register("input_rows", frame)
    con.execute(
        "CREATE TABLE records AS SELECT unique_id, source, CAST(agency AS agency_code) AS agency, event_id, event_date, "
        "CAST(role AS role_code) AS role, domestic_abuse, surname, postcode, address FROM input_rows"
    )
    con.execute("CREATE TABLE clusters AS SELECT unique_id, person_id FROM input_rows")
    return con


def at(person: str, surname: str, address: str = "1 MILL LANE", postcode: str | None = "AB1 2CD", **extra) -> dict:
    return {"person_id": person, "surname": surname, "address": address, "postcode": postcode, **extra}


SIX_STRANGERS = [at(f"P{i}", s) for i, s in enumerate(["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS", "FOX"])]
ONE_EPISODE = [
    at(f"P{i}", s, source="social_care", event_id="EP-1", role="child" if i else "parent")
    for i, s in enumerate(["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS", "FOX"])
]
SPELLINGS = [at(f"P{i}", s, address=a) for i, (s, a) in enumerate([
    ("ADAMS", "1 MILL LANE"), ("BAKER", "1 MILL LN"), ("CLARK", "1 MILL LANE NORTHTOWN"),
    ("DAVIS", "1 MILL LANE"), ("EVANS", "1 MILL LN"), ("FOX", "1 MILL LANE NORTHTOWN"),
])]
OLD = [{**row, "event_date": date(2020, 1, 1)} for row in SIX_STRANGERS[:3]] + SIX_STRANGERS[3:]
DA_PAIRS = [
    row
    for i, s in enumerate(["ADAMS", "BAKER", "CLARK"])
    for row in (
        at(f"S{i}", s, source="police", event_id=f"OCC-{i}", role="suspect", domestic_abuse=True),
        at(f"V{i}", s + "SON", source="police", event_id=f"OCC-{i}", role="victim", domestic_abuse=True),
    )
]
NO_POSTCODE = [at(f"P{i}", s, address="NO FIXED ABODE", postcode=None) for i, s in enumerate(["ADAMS", "BAKER"])]

CASES = [
    ("six strangers at one address", SIX_STRANGERS, {}, {"address:AB1 2CD|1 MILL LANE": "many_unrelated"}),
    ("six surnames on one social care episode are a family", ONE_EPISODE, {}, {}),
    ("three spellings of one dwelling: all shared", SPELLINGS, {}, {
        "address:AB1 2CD|1 MILL LANE": "many_unrelated", "address:AB1 2CD|1 MILL LN": "many_unrelated",
        "address:AB1 2CD|1 MILL LANE NORTHTOWN": "many_unrelated",
    }),
    ("three of six seen only before a one-year window", OLD, {"window_days": 365}, {}),
    ("the same six with no window", OLD, {}, {"address:AB1 2CD|1 MILL LANE": "many_unrelated"}),
    ("three DA couples of six surnames: three groups", DA_PAIRS, {}, {}),
    ("listed by address text, no postcode", NO_POSTCODE, {}, {"address:|NO FIXED ABODE": "no_fixed_abode"}),
    ("listed refuge by postcode and address", SIX_STRANGERS[:2],
     {"known": [{"kind": "refuge", "postcode": "ab12cd", "address": "1 Mill Lane"}]}, {"address:AB1 2CD|1 MILL LANE": "refuge"}),
    ("detection off", SIX_STRANGERS, {"detect": False}, {}),
]


@pytest.mark.parametrize(("description", "rows", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_shared_addresses_from_records(description, rows, settings, expected) -> None:
    con = store(rows)
    rules = FlagRules(shared_addresses=settings)
    found = find_shared_addresses(con, rules, AS_OF, suffix="")
    assert dict(zip(found["address_key"], found["kind"])) == expected, description
    assert read_shared_addresses(con) == expected, description
    masked = con.sql("SELECT address_key FROM shared_addresses WHERE masked").fetchall()
    assert [k for (k,) in masked] == [k for k, kind in expected.items() if kind == "refuge"], description


AREAS = [
    # (description, postcode, address, area)
    ("a postcode: the area is the postcode", "AB1 2CD", "1 MILL LANE", "AB1 2CD"),
    ("no postcode: the area is the address key itself", None, "1 MILL LANE", "address:|1 MILL LANE"),
    ("a '|' in the address does not move a postcode's area", "AB1 2CD", "FLAT 2|1 MILL LANE", "AB1 2CD"),
    ("nor make one where there is no postcode", None, "FLAT 2|1 MILL LANE", "address:|FLAT 2|1 MILL LANE"),
    ("an empty postcode reads as none", "", "1 MILL LANE", "address:|1 MILL LANE"),
]


@pytest.mark.parametrize(("description", "postcode", "address", "area"), AREAS, ids=[a[0] for a in AREAS])
def test_an_address_keys_area_reads_back_as_its_records(description, postcode, address, area):
    """Incremental runs judge again only the areas changed people were seen in, and keep the stored verdicts of the
    others by the area read back from each stored key: the two must agree."""
    con = store([at("P1", "ADAMS", address=address, postcode=postcode)])
    got = con.execute(
        f"SELECT {AREA_SQL}, {key_area_sql(f'({ADDRESS_KEY_SQL})')} FROM records AS r"
    ).fetchall()
    assert got == [(area, area)], description
