"""The dwelling key incremental runs and Spark's parts walk is the dwelling the graph's rules read."""

from __future__ import annotations

import duckdb
import pytest

from graph.flags.dwelling import dwelling
from linkage.safeguarding import DWELLING_KEY_SQL

CASES = [
    ("postcode and a long address: the first two words", "AB1 2CD", "1 HIGH ST NORTHTOWN", "dwelling:AB1 2CD|1 HIGH"),
    ("another spelling of that dwelling", "AB1 2CD", "1 HIGH STREET", "dwelling:AB1 2CD|1 HIGH"),
    ("a one-word address", "AB1 2CD", "FLAT", "dwelling:AB1 2CD|FLAT"),
    ("no postcode: the whole address", None, "1 HIGH ST", "dwelling:|1 HIGH ST"),
    ("an empty postcode reads as none", "", "12 ACACIA RD", "dwelling:|12 ACACIA RD"),
    ("no address: no key", "AB1 2CD", "   ", None),
]


@pytest.mark.parametrize(("desc", "postcode", "address", "key"), CASES, ids=[c[0] for c in CASES])
def test_dwelling_key(desc, postcode, address, key) -> None:
    with duckdb.connect() as con:
        got = con.execute(f"SELECT {DWELLING_KEY_SQL} FROM (SELECT $p AS postcode, $a AS address) AS r",
                          {"p": postcode, "a": address}).fetchall()[0][0]
    assert got == key, desc
    if key is not None:
        assert key == "dwelling:" + dwelling(f"address:{postcode or ''}|{address}"), desc
