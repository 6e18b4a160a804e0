"""Graph node keys: the SQL spelling (linkage.node_keys) and the pandas one (graph.keys) agree row for row."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from linkage.node_keys import ADDRESS_KEY_SQL, EVENT_KEY_SQL, EVENT_NODE_SQL, address_key, address_node_keys, event_node_keys

#: (description, source, event_id, unique_id, postcode, address)
RECORDS = [
    ("a shared event and an address with a postcode", "police", "OCC-1", "police:1", "NE1 4XX", "12 ACACIA AVENUE"),
    ("no event id: the record is its own event", "health", None, "health:7", "NE1 4XX", "12 ACACIA AVENUE"),
    ("no postcode: the key keeps an empty postcode", "police", "OCC-2", "police:2", None, "FLAT 2, 3 HIGH ST"),
    ("an apostrophe in the address (O'Brien House)", "social_care", "EP-9", "social_care:3", "SR1 1AA", "O'BRIEN HOUSE"),
    ("a blank address has no address node", "police", "OCC-3", "police:4", "SR1 1AA", "   "),
    ("no address at all", "police", "OCC-3", "police:5", None, None),
    ("the same event id in another source is another event", "health", "OCC-1", "health:8", None, "12 ACACIA AVENUE"),
    ("spaces around an address are kept by both", "police", "OCC-4", "police:6", "NE1 4XX", " 12 ACACIA AVENUE "),
]


@pytest.fixture(scope="module")
def keyed() -> pd.DataFrame:
    """The records keyed by SQL in DuckDB, then read into pandas (as the graph's frames are) and keyed there."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE r (n INTEGER, source VARCHAR, event_id VARCHAR, unique_id VARCHAR, postcode VARCHAR, address VARCHAR)")
        con.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", [(n, *row[1:]) for n, row in enumerate(RECORDS)])
        frame = con.sql(
            f"SELECT *, {EVENT_NODE_SQL} AS event_node_sql, {EVENT_KEY_SQL} AS event_key_sql, "
            f"{ADDRESS_KEY_SQL} AS address_sql FROM r ORDER BY n"
        ).df()
    finally:
        con.close()
    frame["event_node_pandas"] = event_node_keys(frame)
    frame["address_pandas"] = address_node_keys(frame)
    return frame


def _value(x):
    """A key, or None for SQL's NULL and pandas' missing value alike."""
    return None if pd.isna(x) else x


@pytest.mark.parametrize("row", range(len(RECORDS)), ids=[r[0] for r in RECORDS])
def test_sql_and_pandas_name_the_same_nodes(keyed, row):
    got = keyed.iloc[row]
    description = RECORDS[row][0]
    _, _, event_id, _, postcode, address = RECORDS[row]
    assert got.event_node_sql == got.event_node_pandas, description
    assert _value(got.address_sql) == _value(got.address_pandas), description
    # The shared-event key is the node key where the record has an event id, and null where it has none.
    assert _value(got.event_key_sql) == (got.event_node_sql if event_id is not None else None), description
    if _value(got.address_pandas) is not None:
        assert address_key(postcode, address) == got.address_pandas, description


def test_keys_tell_events_and_addresses_apart(keyed):
    assert keyed.event_node_sql.nunique() == len(RECORDS) - 1, "only the two OCC-3 police records share an event"
    assert keyed.event_node_sql.iloc[0] != keyed.event_node_sql.iloc[6], "an event id is shared within its source only"
    assert keyed.address_sql.isna().tolist() == [False, False, False, False, True, True, False, False]
    assert keyed.address_pandas.isna().tolist() == keyed.address_sql.isna().tolist()
