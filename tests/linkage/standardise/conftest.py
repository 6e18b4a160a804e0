"""Run one standardisation step over hand-written rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from linkage.pipeline import Step, run_queue
from linkage.standardise import create_lookup_tables
from linkage.store import connect


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(":memory:")
    create_lookup_tables(connection)
    yield connection
    connection.close()


def apply_step(con: duckdb.DuckDBPyConnection, step: Step, row: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """Run ``step`` over one row given as ``{column: (sql_type, value)}``; return the output row."""
    items = [f"CAST($v{i} AS {sql_type}) AS \"{name}\"" for i, (name, (sql_type, _)) in enumerate(row.items())]
    params = {f"v{i}": value for i, (_, value) in enumerate(row.values())}
    con.execute(f"CREATE OR REPLACE TEMP TABLE step_input AS SELECT {', '.join(items)}, []::VARCHAR[] AS dq", params)
    run_queue(con, [step], "step_input", "step_output")
    cursor = con.execute("SELECT * FROM step_output")
    names = [d[0] for d in cursor.description]
    (values,) = cursor.fetchall()
    out = dict(zip(names, values, strict=True))
    out["dq"] = [n for n in out["dq"] if n is not None]
    return out


#: A source laid out as FEBRL and RLdata10000 are: forenames, address and date of birth over
#: several columns (by, bm, bd as RLdata names them; BY is an SQL keyword).
FEBRL_SOURCE = {
    "name": "febrl",
    "agency": "police",
    "file": "febrl.csv",
    "record_id": "rec_id",
    "person": {
        "forenames": {"columns": ["given_name", "middle_name"]},
        "surname": "surname",
        "dob": {"parts": {"year": "by", "month": "bm", "day": "bd"}},
        "address": {"columns": ["street_number", "address_1", "address_2", "suburb"]},
    },
}
