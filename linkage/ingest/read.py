"""Read one extract into a raw table of text columns, numbered by data row."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb

from linkage.config import SourceConfig
from linkage.errors import ExtractError, StepError
from linkage.ingest.lines import (
    CODECS, LineCount, RowSpan, count_lines, decode_head, no_field_limit, quoted_at, row_spans,
)
from linkage.pipeline import quote_ident, run_sql

#: The most lines a CSV row may span, by default (``extract_checks.max_row_lines``).
DEFAULT_MAX_ROW_LINES = 10
#: The most a header line may take; a first line longer than this is not a header.
MAX_HEADER_BYTES = 1 << 20
#: The longest column name a header may have (the csv module's own field limit).
MAX_COLUMN_NAME = 131_072


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


def csv_header(source: SourceConfig, path: Path) -> list[str]:
    """The column names of a CSV extract's header row, checked for blank names.

    The header line may end in LF, CRLF or CR alone. Repeated names are refused by
    :func:`check_columns`, once the mapped columns are known to be there: a file
    without its header has a data row in its place, whose values must not appear in
    an error.

    Raises:
        ExtractError: The header cannot be decoded, is empty, too long, not CSV, or has a blank name.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(MAX_HEADER_BYTES + 1)
    except OSError as exc:
        raise ExtractError(str(path), f"cannot be read: {exc.strerror}", source=source.name, key="file") from None
    try:
        # Decode only the header line: a bad byte further down is the reader's to report, by row.
        first = _first_line(decode_head(head, source.encoding)) if source.encoding == "utf-16" else _first_line(head)
        if isinstance(first, bytes):
            first = first.decode(CODECS[source.encoding])
    except UnicodeError:
        raise ExtractError(
            str(path), f"header is not valid {source.encoding} text", source=source.name, key="encoding", row=0
        ) from None
    if first is None:
        raise ExtractError(
            str(path), f"no line ends in the first {MAX_HEADER_BYTES:,} bytes, so there is no header row "
            "(is this a CSV file, with the right 'encoding'?)", source=source.name, row=0,
        )
    if not first.strip():
        raise ExtractError(str(path), "first line is empty; expected a header row", source=source.name)
    try:
        with no_field_limit():
            header = [name.strip() for name in next(csv.reader([first], delimiter=source.delimiter, quotechar=source.quote))]
    except csv.Error as exc:
        # The csv module's messages name the problem, never the text.
        raise ExtractError(str(path), f"the header row cannot be read as CSV: {exc}", source=source.name, row=0) from None
    for position, name in enumerate(header, start=1):
        if not name:
            raise ExtractError(str(path), f"header column {position} has no name", source=source.name)
        if len(name) > MAX_COLUMN_NAME:
            raise ExtractError(
                str(path),
                f"header column {position} is {len(name):,} characters long, over the {MAX_COLUMN_NAME:,} a column name "
                "may have: the first line is not a header row (is this the right file, with the right 'delimiter'?)",
                source=source.name, row=0,
            )
    return header


def _first_line(head: str | bytes) -> str | bytes | None:
    """The first line of a file's head without its end; None if no line ends within the header limit."""
    newline, carriage = ("\n", "\r") if isinstance(head, str) else (b"\n", b"\r")
    ends = [at for at in (head.find(newline), head.find(carriage)) if at >= 0]
    if ends:
        return head[: min(ends)]
    return None if len(head) > MAX_HEADER_BYTES else head


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
    # Parsed rows keep file order (rowid); their data-row numbers are the ones the
    # rejected rows leave free.
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
    _quarantine_repeated_headers(con, source, table, rejected)
    # Rows read are the rows counted apart from the reader; check_row_count refused the file unless the reader's agree.
    return RawExtract(table=table, rejects=rejected, rows_read=counted.rows, invisible=counted.lines.invisible)


def check_row_count(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, loaded: str, rejected: str, max_row_lines: int
) -> RowCount:
    """Count the CSV's data rows apart from the DuckDB reader, check its rows against them, and place its rejects.

    Args:
        con: The DuckDB connection.
        source: The source config.
        path: The CSV extract.
        loaded: Table of the rows the reader parsed.
        rejected: Table of the rows it rejected (``source_row`` as the reader's line - 1); their
            ``source_row`` becomes their true data row.
        max_row_lines: The most lines a row may span.

    Returns:
        The count (see :func:`count_rows`).

    Raises:
        ExtractError: As :func:`count_rows`.
    """
    (parsed,) = run_sql(con, f"count_parsed_{source.name}", f"SELECT count(*) FROM {loaded}").fetchone()
    reject_lines = {line for (line,) in run_sql(con, f"reject_lines_{source.name}", f"SELECT source_row + 1 FROM {rejected}").fetchall()}
    counted = count_rows(source, path, parsed + len(reject_lines), reject_lines, max_row_lines)
    if counted.moved:
        run_sql(
            con, f"place_rejects_{source.name}",
            f"UPDATE {rejected} SET source_row = m.row FROM (SELECT unnest($lines) AS line, unnest($rows) AS row) AS m "
            f"WHERE {rejected}.source_row = m.line - 1",
            {"lines": list(counted.moved), "rows": list(counted.moved.values())},
        )
    return counted


@dataclass(frozen=True)
class RowCount:
    """A CSV extract's data rows, counted apart from the reader that loaded it.

    Attributes:
        lines: The file's line count.
        rows: Its data rows: the extract's rows read.
        moved: The data row of each of the reader's rejects whose row is not its reader line - 1,
            by reader line (blank lines and line breaks inside values shift them).
    """

    lines: LineCount
    rows: int
    moved: dict[int, int]


def count_rows(source: SourceConfig, path: Path, reader_rows: int, reject_lines: set[int], max_row_lines: int) -> RowCount:
    """Count a CSV extract's data rows without its reader, and refuse it where a stray quote has joined rows.

    When every row is one line, the file's non-blank lines are its rows, the two counts
    agree and nothing more is read. When they differ, Python's CSV reader says which rows
    span lines, and each line after a row's first is read on its own too.

    Args:
        source: The source config.
        path: The CSV extract.
        reader_rows: Rows the reader read, parsed or rejected.
        reject_lines: The reader's line number (blank lines counted, line breaks inside values
            not) of each row it could not parse; empty when the reader does not say.
        max_row_lines: The most lines a row may span.

    Raises:
        ExtractError: Naming the row and the column whose quoted value runs over the lines,
            never a value, when an unreadable row opens a quoted value that runs to the end of
            the file, a row spans more than ``max_row_lines`` lines, a line inside a row is a
            whole row of its own, a row the reader rejects spans lines, or the two readings
            count different rows.
    """
    counted = count_lines(path, source.encoding)
    lines = counted.lines - 1
    # One row a line: the counts agree, and the reader's line numbers are rows unless blank lines shift them.
    if lines == reader_rows and not (reject_lines and counted.blank_lines):
        return RowCount(lines=counted, rows=lines, moved={})
    placed: dict[int, RowSpan] = {}
    last = longest = joined = None
    for span in row_spans(path, source.encoding, source.delimiter, source.quote):
        last = span
        if span.reader_line in reject_lines:
            placed[span.reader_line] = span
        if span.lines > max_row_lines and longest is None:
            longest = span
        if span.whole_row_line is not None and joined is None:
            joined = span
    if last is not None and last.reader_line in placed and last.lines > 1:
        _refuse(
            source, path, last,
            f"this row opens a quoted value that is never closed: it runs from line {last.first_line} to the end of the "
            f"file ({last.lines:,} lines), so the rows on those lines cannot be read. Look for a stray quote in the row",
        )
    if longest is not None:
        _refuse(
            source, path, longest,
            f"this row spans {longest.lines:,} lines ({_lines(longest)}), "
            f"over the limit of {max_row_lines} ('extract_checks.max_row_lines'): a stray quote may have joined the rows on "
            "those lines into one. Look for the quote in the row; if its values really hold that many line breaks, raise the limit",
        )
    if joined is not None:
        _refuse(
            source, path, joined,
            f"this row spans {joined.lines:,} lines ({_lines(joined)}), and line {joined.whole_row_line:,} inside it has "
            "as many fields as the header on its own: a stray quote has joined the rows on those lines into one, and "
            "they would be lost uncounted. Look for a quote in the row that does not belong",
        )
    unreadable = min((span for span in placed.values() if span.lines > 1), key=lambda span: span.row, default=None)
    if unreadable is not None:
        _refuse(
            source, path, unreadable,
            f"the CSV reader cannot read this row, which spans {unreadable.lines:,} lines ({_lines(unreadable)}): a stray "
            "quote may have joined the rows on those lines into one, and they would be lost uncounted. Look for a quote "
            "in the row that does not belong; a value that really holds a line break needs the row's other fields right",
        )
    rows = last.row if last else 0
    if rows != reader_rows:
        raise ExtractError(
            str(path),
            f"the CSV reader read {reader_rows:,} rows, but reading the file line by line finds {rows:,} "
            f"({lines:,} lines); check the quoting (a stray or unbalanced quote?)",
            source=source.name,
        )
    moved = {line: span.row for line, span in placed.items() if span.row != line - 1}
    return RowCount(lines=counted, rows=rows, moved=moved)


def _refuse(source: SourceConfig, path: Path, span: RowSpan, problem: str) -> NoReturn:
    """Refuse the extract at a row over several lines, naming the column where its quoted value opens."""
    at = quoted_at(span.cells) if span.cells else None
    header = csv_header(source, path)
    column = header[at] if at is not None and at < len(header) else None
    raise ExtractError(str(path), problem, source=source.name, row=span.row, column=column)


def _lines(span: RowSpan) -> str:
    return f"{span.first_line:,} to {span.first_line + span.lines - 1:,}"


def _quarantine_repeated_headers(con: duckdb.DuckDBPyConnection, source: SourceConfig, table: str, rejected: str) -> None:
    """Move rows that repeat the header (every mapped column holding its own name) to the rejects."""
    names = sorted(set(source.mapped_columns().values()))
    params = {f"name{i}": name for i, name in enumerate(names)}
    repeated = " AND ".join(f"lower(trim({quote_ident(name)})) = lower($name{i})" for i, name in enumerate(names))
    run_sql(
        con, f"repeated_header_{source.name}",
        f"INSERT INTO {rejected} SELECT source_row, CAST(NULL AS VARCHAR), 'repeated header row', "
        f"CAST(to_json(r) AS VARCHAR) FROM {table} AS r WHERE {repeated}",
        params,
    )
    run_sql(con, f"drop_repeated_header_{source.name}", f"DELETE FROM {table} WHERE {repeated}", params)
