"""A record's dwelling key in SQL (person_keys, Spark parts) names the dwelling the graph's rules read (dangerous places,
Operation Encompass, unseen men)."""

from __future__ import annotations

import pytest

from graph.flags.dwelling import dwelling as dwelling_of
from linkage.safeguard import DWELLING_KEY_SQL, dwelling_sql, person_keys_sql
from linkage.node_keys import ADDRESS_KEY_SQL
from linkage.store import connect

CASES = [
    ("house number and street", "AB1 2CD", "12 ACACIA ROAD NORTHTOWN", "dwelling:AB1 2CD|12 ACACIA"),
    ("another spelling of the same house", "AB1 2CD", "12 ACACIA RD", "dwelling:AB1 2CD|12 ACACIA"),
    ("a flat: its number is the second word", "AB1 2CD", "FLAT 3 MILL HOUSE", "dwelling:AB1 2CD|FLAT 3"),
    ("a one-word address", "AB1 2CD", "ROSEMOUNT", "dwelling:AB1 2CD|ROSEMOUNT"),
    ("no postcode: the whole address", None, "12 ACACIA ROAD NORTHTOWN", "dwelling:|12 ACACIA ROAD NORTHTOWN"),
    ("an empty postcode reads as none", "", "12 ACACIA RD", "dwelling:|12 ACACIA RD"),
    ("a blank address has no dwelling", "AB1 2CD", "  ", None),
    ("no address at all", "AB1 2CD", None, None),
]


@pytest.mark.parametrize(("desc", "postcode", "address", "expected"), CASES, ids=[c[0] for c in CASES])
def test_dwelling_key_sql_python_and_dwelling_sql_agree(desc, postcode, address, expected) -> None:
    con = connect(":memory:")
    key, address_key, dwelling = con.execute(
        f"SELECT {DWELLING_KEY_SQL}, {ADDRESS_KEY_SQL}, CASE WHEN nullif(trim(r.address), '') IS NOT NULL THEN {dwelling_sql()} END "
        "FROM (SELECT $postcode::VARCHAR AS postcode, $address::VARCHAR AS address) AS r",
        {"postcode": postcode, "address": address},
    ).fetchone()
    assert key == expected, desc
    if expected is not None:
        assert key == f"dwelling:{dwelling}", desc
        assert f"dwelling:{dwelling_of(address_key)}" == key, desc


def test_person_keys_join_spellings_of_one_dwelling() -> None:
    con = connect(":memory:")
    con.execute(
        "CREATE TABLE records AS SELECT * FROM (VALUES ('r1', 'AB1 2CD', '12 ACACIA ROAD'), ('r2', 'AB1 2CD', '12 ACACIA RD'), "
        "('r3', 'AB1 2CD', '14 ACACIA ROAD')) AS t(unique_id, postcode, address)"
    )
    con.execute("ALTER TABLE records ADD COLUMN source VARCHAR; ALTER TABLE records ADD COLUMN event_id VARCHAR")
    con.execute("CREATE TABLE clusters AS SELECT * FROM (VALUES ('r1', 'A'), ('r2', 'B'), ('r3', 'C')) AS t(unique_id, person_id)")
    keys = con.execute(f"SELECT k, list(person_id ORDER BY person_id) FROM ({person_keys_sql()}) GROUP BY k").fetchall()
    by_key = dict(keys)
    assert by_key["dwelling:AB1 2CD|12 ACACIA"] == ["A", "B"]
    assert by_key["dwelling:AB1 2CD|14 ACACIA"] == ["C"]
    assert by_key["address:AB1 2CD|12 ACACIA ROAD"] == ["A"]
