"""A CSV extract's data rows counted apart from the reader that loaded it, so no row goes missing unseen.

A stray quote can make a CSV reader join rows silently; counting the file's own lines and rows
catches it and names the rows. ``read.py`` checks the reader against this count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb

from linkage.config import SourceConfig
from linkage.errors import ExtractError
from linkage.ingest.header import csv_header
from linkage.ingest.lines import LineCount, RowSpan, count_lines, quoted_at, row_spans
from linkage.pipeline import run_sql


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
