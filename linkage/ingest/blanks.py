"""Blank values per mapped column, and warning when a column's blank share jumps.

A blank or whitespace-only name, role or date is read as null without a note (an
empty optional cell is normal). A source that suddenly sends blank names is then
invisible record by record; counted per column per extract and compared with the
last good extract, it is not.
"""

from __future__ import annotations

import logging

import duckdb

from linkage.config import SourceConfig
from linkage.pipeline import quote_ident, run_sql
from linkage.store import has_table

logger = logging.getLogger(__name__)

#: Columns of the ``column_blanks`` table: one row per source and mapped column.
BLANKS_COLUMNS = "source VARCHAR, column_key VARCHAR, column_name VARCHAR, rows BIGINT, blanks BIGINT"


def count_blanks(con: duckdb.DuckDBPyConnection, source: SourceConfig, raw: str) -> None:
    """Count blank cells of each mapped column of a whole extract into ``blanks_<source>``.

    ``rows`` counts the rows the reader parsed (unparseable rows have no columns to judge).

    Args:
        con: The results connection.
        source: The source config.
        raw: The raw extract table (every row read).
    """
    mapped = sorted(source.mapped_columns().items())
    table = f"blanks_{source.name}"
    run_sql(con, f"create_{table}", f"CREATE OR REPLACE TEMP TABLE {table} ({BLANKS_COLUMNS})")
    counts = ", ".join(f"count(*) - count({_kept_value(column)})" for _, column in mapped)
    row = run_sql(con, f"count_{table}", f"SELECT count(*), {counts} FROM {quote_ident(raw)}").fetchone()
    run_sql(
        con, f"fill_{table}",
        f"INSERT INTO {table} SELECT $source, unnest($keys), unnest($columns), $rows, unnest($blanks)",
        {
            "source": source.name, "keys": [k for k, _ in mapped], "columns": [c for _, c in mapped],
            "rows": row[0], "blanks": list(row[1:]),
        },
    )


def _kept_value(column: str) -> str:
    """SQL for a column's value, NULL when it is blank (NULL, empty or only spaces, as ``trim`` strips them).

    ``trim`` strips the space and the other Unicode space separators (no-break space, ideographic
    space...), never a printable ASCII character, so a value that starts with one ('!' to DEL, by
    byte order) is not blank and is not trimmed: trimming every value took five times as long.
    """
    value = f"CAST({quote_ident(column)} AS VARCHAR)"
    return f"CASE WHEN {value} < '!' OR {value} >= chr(128) THEN nullif(trim({value}), '') ELSE {value} END"


def empty_blanks(con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
    """An empty ``blanks_<source>``, for a reader that does not count blanks (Spark)."""
    run_sql(con, f"create_blanks_{source.name}", f"CREATE OR REPLACE TEMP TABLE blanks_{source.name} ({BLANKS_COLUMNS})")


def blank_rises(
    con: duckdb.DuckDBPyConnection, now: str, before: str | None, max_rise: float, min_rows: int
) -> dict[str, list[str]]:
    """Columns whose share of blank cells rose by more than ``max_rise`` since the last good extract.

    Args:
        con: The results connection.
        now: This run's ``column_blanks`` table.
        before: The previous results' ``column_blanks`` (``schema.table``), or None.
        max_rise: The largest rise in blank share that passes (0.2: 20 percentage points).
        min_rows: Extracts smaller than this are not judged (``extract_checks.min_rows_for_share``).

    Returns:
        By source, one line per column: its YAML key, column, and the two shares.
    """
    if before is None:
        return {}
    schema, table = before.split(".")
    if not has_table(con, table, schema):
        return {}  # results from before blanks were counted
    rows = run_sql(
        con, "blank_rises",
        f"SELECT n.source, n.column_key, n.column_name, o.blanks / o.rows AS was, n.blanks / n.rows AS now "
        f"FROM {now} AS n JOIN {quote_ident(schema)}.{quote_ident(table)} AS o USING (source, column_key) "
        "WHERE n.rows >= $min_rows AND o.rows > 0 AND n.blanks / n.rows - o.blanks / o.rows > $max_rise "
        "ORDER BY n.source, n.column_key",
        {"min_rows": min_rows, "max_rise": max_rise},
    ).fetchall()
    rises: dict[str, list[str]] = {}
    for source, key, column, was, is_now in rows:
        line = f"{key} ({column}) blank in {is_now:.0%} of rows, up from {was:.0%} in the last good extract"
        logger.warning("source %s: %s", source, line)
        rises.setdefault(source, []).append(line)
    return rises
