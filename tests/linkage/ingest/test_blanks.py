"""Blank cells counted per mapped column: NULL, empty, or only what ``trim`` strips."""

from __future__ import annotations

import duckdb

from linkage.ingest.blanks import count_blanks

#: Values of one column, blank or not as ``trim`` reads them: it strips the space and the other
#: Unicode space separators (no-break, ideographic, thin...), but not a tab, a line end or a NUL.
CELLS = [
    (None, True), ("", True), (" ", True), ("   ", True), ("\u00a0", True), (" \u3000 ", True), ("\u2009\u202f", True),
    ("\t", False), ("\n", False), ("\x00", False), (" a", False), ("a ", False), ("!", False), ("~", False),
    ("\x7f", False), ("\u00a0x", False), ("\u00e9", False), ("\u3000\u540d", False), ("Smith", False), ("0", False),
]


def test_blank_cells_are_those_trim_empties(run):
    source = next(s for s in run.sources if s.name == "police")
    name_column = source.mapped_columns()["person.full_name"]
    columns = sorted(set(source.mapped_columns().values()))
    con = duckdb.connect()
    # The cells in the name column; every other mapped column filled.
    selected = ", ".join(f"{'cell' if c == name_column else repr('x')} AS \"{c}\"" for c in columns)
    con.execute(f"CREATE TABLE raw AS SELECT {selected} FROM (SELECT unnest($cells) AS cell)", {"cells": [cell for cell, _ in CELLS]})
    count_blanks(con, source, "raw")
    counts = dict(con.execute("SELECT column_key, blanks FROM blanks_police WHERE rows = $rows", {"rows": len(CELLS)}).fetchall())
    assert counts["person.full_name"] == sum(blank for _, blank in CELLS)
    # The same as trimming every cell.
    (trimmed,) = con.execute(
        f"SELECT count(*) FILTER (WHERE coalesce(trim(\"{name_column}\"), '') = '') FROM raw"
    ).fetchone()
    assert counts["person.full_name"] == trimmed
    assert all(blanks == 0 for key, blanks in counts.items() if key != "person.full_name")
    assert len(counts) == len(source.mapped_columns())
