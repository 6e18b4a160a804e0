"""Exports for agencies and analysts, as CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import duckdb

from linkage.errors import MashError
from linkage.pipeline import run_sql

#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = "^[=+\\-@\t\r]"


def safe_text(expression: str) -> str:
    """SQL that prefixes a text value with an apostrophe if a spreadsheet would run it."""
    return f"CASE WHEN regexp_matches({expression}, $formula_start) THEN '''' || {expression} ELSE {expression} END"


def export_links(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the key file agencies load back: one row per source record and its person.

    Columns: source, record_id, person_id, link_strength, best_match_probability.

    Args:
        con: The store connection.
        path: The CSV file to write.

    Returns:
        Rows written.

    Raises:
        MashError: The store has no resolved people yet.
    """
    _require(con, "clusters")
    path.parent.mkdir(parents=True, exist_ok=True)
    select = (
        f"SELECT {safe_text('r.source')} AS source, {safe_text('r.record_id')} AS record_id, c.person_id, "
        "c.link_strength, round(c.best_match_probability, 4) AS best_match_probability "
        "FROM records AS r JOIN clusters AS c USING (unique_id) ORDER BY r.source, r.record_id"
    )
    run_sql(con, "export_links", f"COPY ({select}) TO '{_path_literal(path)}' (HEADER, DELIMITER ',')", {"formula_start": FORMULA_START})
    return run_sql(con, "count_links", "SELECT count(*) FROM clusters").fetchall()[0][0]


def _require(con: duckdb.DuckDBPyConnection, table: str) -> None:
    found = run_sql(con, f"require_{table}", "SELECT count(*) FROM duckdb_tables() WHERE table_name = $t", {"t": table}).fetchall()[0][0]
    if not found:
        raise MashError(f"the store has no '{table}' table yet; run 'mash run' first")


def _path_literal(path: Path) -> str:
    # COPY's target cannot be a bound parameter; the path is the operator's own argument.
    return str(path).replace("'", "''")
