"""Read one extract into a raw table of text columns, numbered by data row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from linkage.config import SourceConfig
from linkage.errors import ExtractError, StepError
from linkage.ingest.header import csv_header
from linkage.ingest.row_count import check_row_count
from linkage.pipeline import quote_ident, run_sql

#: The most lines a CSV row may span, by default (``extract_checks.max_row_lines``).
DEFAULT_MAX_ROW_LINES = 10


@dataclass(frozen=True)
class RawExtract:
    """An extract loaded as text.

    Attributes:
        table: Temporary table: ``source_row`` (1-based data row) plus the file's columns.
        rejects: Temporary table of rows the CSV reader could not parse
            (``source_row``, ``column_name``, ``reason``, ``raw``), or None.
        rows_read: Data rows in the file, parsed or not.
        invisible: Whether the file may hold control or invisible characters (always for
            Parquet, which is not scanned; for a CSV, whether the line count found any).
    """

    table: str
    rejects: str | None
    rows_read: int
    invisible: bool = True


def read_extract(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, max_row_lines: int = DEFAULT_MAX_ROW_LINES
) -> RawExtract:
    """Load an extract as text after checking its columns against the source config.

    Args:
        con: The DuckDB connection.
        source: The source config.
        path: The extract file.
        max_row_lines: The most lines a CSV row may span (see :func:`check_row_count`).

    Returns:
        The raw extract.

    Raises:
        ExtractError: Missing or unreadable file, wrong encoding, empty file,
            a mapped column that the file does not have, or a CSV whose rows the
            reader miscounts (a stray quote swallowing the rows after it).
    """
    check_file(source, path)
    if source.file_format == "parquet":
        columns = _parquet_columns(con, source, path)
    else:
        columns = csv_header(source, path)
    check_columns(source, path, columns)
    if source.file_format == "parquet":
        return _load_parquet(con, source, path, columns)
    return _load_csv(con, source, path, columns, max_row_lines)


def check_file(source: SourceConfig, path: Path) -> None:
    """Refuse a missing or empty extract file.

    Raises:
        ExtractError: Naming the file and the source's ``file`` key.
    """
    if not path.is_file():
        raise ExtractError(str(path), "file not found", source=source.name, key="file")
    if path.stat().st_size == 0:
        raise ExtractError(str(path), "file is empty", source=source.name, key="file")


def _parquet_columns(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path) -> list[str]:
    try:
        rows = run_sql(con, f"describe_{source.name}", "DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}).fetchall()
    except StepError:
        raise ExtractError(str(path), "is not a readable Parquet file", source=source.name, key="format") from None
    return [row[0] for row in rows]


def check_columns(source: SourceConfig, path: Path, columns: list[str]) -> None:
    """Refuse an extract that lacks a column the source config maps, or repeats a column name.

    The error names the YAML key and the column the config expects, never what the
    file has instead: a file without its header has a row of personal data there. A
    repeated name is named only if the config maps it, else given by its positions.

    Raises:
        ExtractError: Naming the YAML key and the missing column, or the repeated column.
    """
    present = set(columns)
    mapped = source.mapped_columns()
    missing = {key: column for key, column in mapped.items() if column not in present}
    if missing:
        key, column = next(iter(missing.items()))
        if len(missing) == len(mapped):
            problem = (
                f"none of the {len(mapped)} mapped columns is in the first line, which has {len(columns)} columns; "
                "is the header row missing, or is this another source's file?"
            )
        else:
            others = f" (nor {', '.join(sorted(set(missing.values()) - {column}))})" if len(missing) > 1 else ""
            problem = f"mapped column is not in the extract{others}; the header has {len(columns)} columns"
        raise ExtractError(str(path), problem, source=source.name, key=key, column=column)
    for name in columns:
        if columns.count(name) > 1:
            # A name the config maps is a column's; any other may be a value from a data row run on into the header.
            positions = ", ".join(str(at) for at, other in enumerate(columns, start=1) if other == name)
            if name in set(mapped.values()):
                raise ExtractError(str(path), "column appears more than once in the header", source=source.name, column=name)
            raise ExtractError(
                str(path), f"one name appears more than once in the header (columns {positions}); is a data row run on into it?",
                source=source.name, row=0,
            )


def _load_parquet(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, columns: list[str]) -> RawExtract:
    table = f"raw_{source.name}"
    _drop_relation(con, table)
    selected = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in columns)
    # Each row carries its own number, and with DuckDB's insertion order kept (its default) the table
    # holds them in file order too: sorting by the number as well cost a third more at 365k rows.
    run_sql(
        con,
        f"read_{source.name}",
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT file_row_number + 1 AS source_row, {selected} "
        "FROM read_parquet($path, file_row_number = true)",
        {"path": str(path)},
    )
    rows = run_sql(con, f"count_{source.name}", f"SELECT count(*) FROM {table}").fetchone()[0]
    return RawExtract(table=table, rejects=None, rows_read=rows)


def _load_csv(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, columns: list[str], max_row_lines: int
) -> RawExtract:
    loaded, rejected, raw_rejects = f"csv_{source.name}", f"rejects_{source.name}", f"reject_errors_{source.name}"
    params = {
        "path": str(path),
        "columns": {name: "VARCHAR" for name in columns},
        "delim": source.delimiter,
        "quote": source.quote,
        "encoding": source.encoding,
    }
    for name in (raw_rejects, f"reject_scans_{source.name}"):
        run_sql(con, f"reset_{name}", f"DROP TABLE IF EXISTS {name}")
    try:
        run_sql(
            con,
            f"read_{source.name}",
            f"CREATE OR REPLACE TEMP TABLE {loaded} AS SELECT * FROM read_csv($path, header = true, "
            "auto_detect = false, columns = $columns, delim = $delim, quote = $quote, escape = $quote, "
            "encoding = $encoding, store_rejects = true, "
            f"rejects_table = '{raw_rejects}', rejects_scan = 'reject_scans_{source.name}')",
            params,
        )
    except StepError as exc:
        raise ExtractError(str(path), f"cannot be read as CSV: {exc}", source=source.name) from None
    bad_encoding = run_sql(
        con,
        f"encoding_{source.name}",
        f"SELECT line - 1, column_name FROM {raw_rejects} WHERE error_type = 'INVALID ENCODING' ORDER BY line LIMIT 1",
    ).fetchone()
    if bad_encoding:
        raise ExtractError(
            str(path),
            f"text is not valid {source.encoding}; set the right 'encoding' (utf-8, utf-16 or latin-1)",
            source=source.name,
            key="encoding",
            column=bad_encoding[1],
            row=bad_encoding[0],
        )
    # One row per rejected line, its first error as the reason; the raw line is kept.
    run_sql(
        con,
        f"rejects_{source.name}",
        # The reader's line number is unsigned; cast, or a union with the records' source_row widens to HUGEINT.
        f"CREATE OR REPLACE TEMP TABLE {rejected} AS SELECT CAST(line - 1 AS BIGINT) AS source_row, "
        "first(column_name ORDER BY column_idx) AS column_name, "
        "'unparseable CSV row: ' || lower(first(error_type ORDER BY column_idx)) || ' ('"
        " || first(error_message ORDER BY column_idx) || ')' AS reason, "
        f"first(csv_line) AS raw FROM {raw_rejects} GROUP BY line",
    )
    counted = check_row_count(con, source, path, loaded, rejected, max_row_lines)
    table = f"raw_{source.name}"
    _drop_relation(con, table)
    (rejects,) = run_sql(con, f"count_rejects_{source.name}", f"SELECT count(*) FROM {rejected}").fetchone()
    if not rejects and not _repeated_headers(con, source, loaded):
        # Every row parsed (the nightly case): each row's data row is its place in the file, so
        # the rows are numbered in a view over the reader's table instead of copied into a
        # numbered one (a fifth of a CPU second per extract of a few hundred thousand rows).
        run_sql(
            con, f"number_{source.name}", f"CREATE TEMP VIEW {table} AS SELECT rowid + 1 AS source_row, * FROM {loaded}"
        )
    else:
        # Parsed rows keep file order (rowid); their data-row numbers are the ones the
        # rejected rows leave free.
        run_sql(
            con,
            f"number_{source.name}",
            f"CREATE TEMP TABLE {table} AS "
            f"WITH total AS (SELECT (SELECT count(*) FROM {loaded}) + (SELECT count(*) FROM {rejected}) AS n), "
            "free AS (SELECT range + 1 AS source_row, row_number() OVER (ORDER BY range) - 1 AS _mash_k "
            f"FROM range((SELECT n FROM total)) WHERE range + 1 NOT IN (SELECT source_row FROM {rejected})) "
            f"SELECT free.source_row, c.* EXCLUDE (_mash_k) FROM (SELECT rowid AS _mash_k, * FROM {loaded}) AS c "
            "JOIN free USING (_mash_k) ORDER BY free.source_row",
        )
        run_sql(con, f"drop_{loaded}", f"DROP TABLE {loaded}")
        _quarantine_repeated_headers(con, source, table, rejected)
    # Rows read are the rows counted apart from the reader; check_row_count refused the file unless the reader's agree.
    return RawExtract(table=table, rejects=rejected, rows_read=counted.rows, invisible=counted.lines.invisible)


def _drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the temp table or view ``name`` if there is one (an extract read again on one connection)."""
    kinds = run_sql(
        con, f"find_{name}",
        "SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = $name "
        "UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE temporary AND view_name = $name",
        {"name": name},
    ).fetchall()
    for (kind,) in kinds:
        run_sql(con, f"drop_{name}", f"DROP {kind} temp.{quote_ident(name)}")


def _repeated_header(source: SourceConfig) -> tuple[str, dict[str, str]]:
    """A condition on a raw row: it repeats the header (every mapped column holds its own name); and its values."""
    names = sorted(set(source.mapped_columns().values()))
    params = {f"name{i}": name for i, name in enumerate(names)}
    return " AND ".join(f"lower(trim({quote_ident(name)})) = lower($name{i})" for i, name in enumerate(names)), params


def _repeated_headers(con: duckdb.DuckDBPyConnection, source: SourceConfig, table: str) -> bool:
    """Whether any row of ``table`` repeats the header."""
    repeated, params = _repeated_header(source)
    found = run_sql(con, f"find_repeated_header_{source.name}", f"SELECT 1 FROM {table} WHERE {repeated} LIMIT 1", params)
    return bool(found.fetchall())


def _quarantine_repeated_headers(con: duckdb.DuckDBPyConnection, source: SourceConfig, table: str, rejected: str) -> None:
    """Move rows that repeat the header (every mapped column holding its own name) to the rejects."""
    repeated, params = _repeated_header(source)
    run_sql(
        con, f"repeated_header_{source.name}",
        f"INSERT INTO {rejected} SELECT source_row, CAST(NULL AS VARCHAR), 'repeated header row', "
        f"CAST(to_json(r) AS VARCHAR) FROM {table} AS r WHERE {repeated}",
        params,
    )
    run_sql(con, f"drop_repeated_header_{source.name}", f"DELETE FROM {table} WHERE {repeated}", params)
