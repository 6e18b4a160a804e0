"""Read one extract into a raw table of text columns, numbered by data row."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from linkage.config import SourceConfig
from linkage.errors import ExtractError, StepError
from linkage.pipeline import quote_ident, run_sql

#: Python codec for each encoding a source config may name.
_CODECS = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "latin-1": "latin-1"}


@dataclass(frozen=True)
class RawExtract:
    """An extract loaded as text.

    Attributes:
        table: Temporary table: ``source_row`` (1-based data row) plus the file's columns.
        rejects: Temporary table of rows the CSV reader could not parse
            (``source_row``, ``column_name``, ``reason``, ``raw``), or None.
        rows_read: Data rows in the file, parsed or not.
    """

    table: str
    rejects: str | None
    rows_read: int


def read_extract(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path) -> RawExtract:
    """Load an extract as text after checking its columns against the source config.

    Args:
        con: The DuckDB connection.
        source: The source config.
        path: The extract file.

    Returns:
        The raw extract.

    Raises:
        ExtractError: Missing or unreadable file, wrong encoding, empty file,
            or a mapped column that the file does not have.
    """
    check_file(source, path)
    if source.file_format == "parquet":
        columns = _parquet_columns(con, source, path)
    else:
        columns = csv_header(source, path)
    check_columns(source, path, columns)
    if source.file_format == "parquet":
        return _load_parquet(con, source, path, columns)
    return _load_csv(con, source, path, columns)


def check_file(source: SourceConfig, path: Path) -> None:
    """Refuse a missing or empty extract file.

    Raises:
        ExtractError: Naming the file and the source's ``file`` key.
    """
    if not path.is_file():
        raise ExtractError(str(path), "file not found", source=source.name, key="file")
    if path.stat().st_size == 0:
        raise ExtractError(str(path), "file is empty", source=source.name, key="file")


def csv_header(source: SourceConfig, path: Path) -> list[str]:
    """The column names of a CSV extract's header row, checked for blanks and repeats.

    Raises:
        ExtractError: The header cannot be decoded, is empty, or has a blank or repeated name.
    """
    codec = _CODECS[source.encoding]
    try:
        if source.encoding == "utf-16":
            with path.open(encoding=codec, newline="") as handle:
                first = handle.readline()
        else:
            # Decode only the header line: a bad byte further down is the reader's to report, by row.
            with path.open("rb") as handle:
                first = handle.readline().decode(codec)
    except UnicodeError:
        raise ExtractError(
            str(path), f"header is not valid {source.encoding} text", source=source.name, key="encoding", row=0
        ) from None
    except OSError as exc:
        raise ExtractError(str(path), f"cannot be read: {exc.strerror}", source=source.name, key="file") from None
    if not first.strip():
        raise ExtractError(str(path), "first line is empty; expected a header row", source=source.name)
    header = [name.strip() for name in next(csv.reader([first], delimiter=source.delimiter, quotechar=source.quote))]
    for position, name in enumerate(header, start=1):
        if not name:
            raise ExtractError(str(path), f"header column {position} has no name", source=source.name)
        if header.count(name) > 1:
            raise ExtractError(str(path), "column appears more than once in the header", source=source.name, column=name)
    return header


def _parquet_columns(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path) -> list[str]:
    try:
        rows = run_sql(con, f"describe_{source.name}", "DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(path)}).fetchall()
    except StepError:
        raise ExtractError(str(path), "is not a readable Parquet file", source=source.name, key="format") from None
    return [row[0] for row in rows]


def check_columns(source: SourceConfig, path: Path, columns: list[str]) -> None:
    """Refuse an extract that lacks a column the source config maps.

    Raises:
        ExtractError: Naming the YAML key and the missing column.
    """
    present = set(columns)
    for key, column in source.mapped_columns().items():
        if column not in present:
            raise ExtractError(
                str(path),
                f"mapped column is not in the extract (it has: {', '.join(columns)})",
                source=source.name,
                key=key,
                column=column,
            )


def _load_parquet(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, columns: list[str]) -> RawExtract:
    table = f"raw_{source.name}"
    selected = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in columns)
    run_sql(
        con,
        f"read_{source.name}",
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT file_row_number + 1 AS source_row, {selected} "
        "FROM read_parquet($path, file_row_number = true) ORDER BY file_row_number",
        {"path": str(path)},
    )
    rows = run_sql(con, f"count_{source.name}", f"SELECT count(*) FROM {table}").fetchone()[0]
    return RawExtract(table=table, rejects=None, rows_read=rows)


def _load_csv(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, columns: list[str]) -> RawExtract:
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
    table = f"raw_{source.name}"
    # Parsed rows keep file order (rowid); their data-row numbers are the ones the
    # rejected lines leave free. Rows are lines when no quoted field spans lines.
    run_sql(
        con,
        f"number_{source.name}",
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        f"WITH total AS (SELECT (SELECT count(*) FROM {loaded}) + (SELECT count(*) FROM {rejected}) AS n), "
        "free AS (SELECT range + 1 AS source_row, row_number() OVER (ORDER BY range) - 1 AS _mash_k "
        f"FROM range((SELECT n FROM total)) WHERE range + 1 NOT IN (SELECT source_row FROM {rejected})) "
        f"SELECT free.source_row, c.* EXCLUDE (_mash_k) FROM (SELECT rowid AS _mash_k, * FROM {loaded}) AS c "
        "JOIN free USING (_mash_k) ORDER BY free.source_row",
    )
    run_sql(con, f"drop_{loaded}", f"DROP TABLE {loaded}")
    counts = run_sql(
        con, f"count_{source.name}", f"SELECT (SELECT count(*) FROM {table}), (SELECT count(*) FROM {rejected})"
    ).fetchone()
    return RawExtract(table=table, rejects=rejected, rows_read=counts[0] + counts[1])
