"""A CSV's raw rows numbered by data row: in a view when every row parsed, in a table when some did not."""

from __future__ import annotations

import duckdb
import pytest

from linkage.ingest.read import read_extract
from tests.linkage.ingest.conftest import POLICE_HEADER, POLICE_ROWS

#: The shipped rows without the short row (OCC-3) the reader rejects: every row parses.
CLEAN = [row for row in POLICE_ROWS if not row.startswith("OCC-3,")]


def _read(con, run, body: str):
    path = run.extracts_dir / "police.csv"
    path.write_text(body, encoding="utf-8")
    source = next(s for s in run.sources if s.name == "police")
    raw = read_extract(con, source, path)
    rows = con.execute(f"SELECT source_row, PersonRecordRef FROM {raw.table} ORDER BY source_row").fetchall()
    rejects = con.execute(f"SELECT source_row, reason FROM {raw.rejects} ORDER BY source_row").fetchall()
    kind = con.execute(
        "SELECT 'view' FROM duckdb_views() WHERE view_name = $t UNION ALL SELECT 'table' FROM duckdb_tables() WHERE table_name = $t",
        {"t": raw.table},
    ).fetchall()
    return raw, rows, rejects, kind


def test_a_clean_csv_is_numbered_in_file_order_without_a_copy(run):
    con = duckdb.connect()
    raw, rows, rejects, kind = _read(con, run, "\n".join([POLICE_HEADER, CLEAN[0], "", *CLEAN[1:]]) + "\n")
    assert rows == [(1, "PN1"), (2, "PN2"), (3, "PN3"), (4, "PN3"), (5, "PN5")]
    assert rejects == [] and raw.rows_read == 5
    assert kind == [("view",)]


@pytest.mark.parametrize(
    ("description", "lines", "rows", "rejects"),
    [
        ("an unparseable row", [*CLEAN[:3], POLICE_ROWS[4], *CLEAN[3:]], [1, 2, 3, 5, 6], [(4, "unparseable CSV row")]),
        ("a repeated header only", [*CLEAN[:2], POLICE_HEADER, *CLEAN[2:]], [1, 2, 4, 5, 6], [(3, "repeated header row")]),
    ],
)
def test_rows_around_a_set_aside_row_keep_their_own_numbers(run, description, lines, rows, rejects):
    con = duckdb.connect()
    _, got, set_aside, kind = _read(con, run, "\n".join([POLICE_HEADER, *lines]) + "\n")
    assert [r for r, _ in got] == rows
    assert [(r, reason[: len(expected)]) for (r, reason), (_, expected) in zip(set_aside, rejects)] == rejects
    assert len(set_aside) == len(rejects)
    assert kind == [("table",)]


def test_an_extract_read_again_on_one_connection_replaces_its_rows(run):
    """A table (rows set aside) then a view (clean) then a table again under one name."""
    con = duckdb.connect()
    with_reject = "\n".join([POLICE_HEADER, *POLICE_ROWS]) + "\n"
    clean = "\n".join([POLICE_HEADER, *CLEAN]) + "\n"
    for body, kind, count in ((with_reject, "table", 5), (clean, "view", 5), (with_reject, "table", 5), (clean, "view", 5)):
        _, rows, _, found = _read(con, run, body)
        assert found == [(kind,)] and len(rows) == count
