"""Counting a CSV extract's rows without the CSV reader, so a stray quote cannot hide rows.

A quote that opens a value and never closes it makes a CSV reader take the rest of
the file as one value: the rows after it are read as part of one bad row, and
counted nowhere. Two readings here do not share that reader: a count of the file's
non-blank lines, and, when the lines and the reader's rows differ (quoted values
with line breaks, or a swallowing quote), Python's own CSV reader, which says how
many lines each row spans and whether a line inside a row is a whole row of its own
(a stray quote closed a few rows on joins the rows between into one).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from linkage.text import INVISIBLE, INVISIBLE_BYTES

INVISIBLE_TEXT = re.compile(INVISIBLE)
_PLAIN_ASCII = bytes([9, 10, 13, *range(0x20, 0x7F)])

#: Python codec for each encoding a source config may name.
CODECS = {"utf-8": "utf-8-sig", "utf-16": "utf-16", "latin-1": "latin-1"}

_CHUNK = 1 << 23


class RowSpan(NamedTuple):
    """Where one data row lies in the file (a tuple: a file may have millions).

    Attributes:
        row: 1-based data row (blank lines are not rows, as for the CSV reader).
        first_line: 1-based line of the file the row starts on (the header is line 1).
        lines: Lines the row spans (1 unless a quoted value holds line breaks).
        reader_line: The row's line number as DuckDB's CSV reader counts them (blank lines
            count, line breaks inside quoted values do not), to place the reader's rejects.
        whole_row_line: For a row over several lines, the first line after its first that
            splits into as many fields as the header on its own: a row of its own, which a
            stray quote joined to this one. None when there is none.
        cells: For a row over several lines, its cells, to say in which column the quoted
            value over the lines opens (:func:`quoted_at`); None for a row on one line.
    """

    row: int
    first_line: int
    lines: int
    reader_line: int
    whole_row_line: int | None = None
    cells: list[str] | None = None


@dataclass(frozen=True)
class LineCount:
    """A text file's lines, counted without a CSV reader.

    Attributes:
        lines: Non-blank lines, the header's included; LF, CRLF and CR line ends alike.
        blank_lines: Whether any line is blank (the CSV reader skips them, but counts them in its line numbers).
        invisible: Whether the file holds any :data:`linkage.text.INVISIBLE` character (NUL,
            right-to-left override...); when none does, standardisation need not look for them.
    """

    lines: int
    blank_lines: bool
    invisible: bool


def count_lines(path: Path, encoding: str) -> LineCount:
    """Count a text file's lines, for checking a CSV reader's row count.

    Args:
        path: The file.
        encoding: A source config's encoding (``utf-8``, ``utf-16`` or ``latin-1``).
    """
    if encoding == "utf-16":
        with _text(path, encoding) as handle:
            return _count(iter(lambda: handle.read(_CHUNK), ""), "\r\n", "\r", "\n", INVISIBLE_TEXT)
    with path.open("rb") as handle:
        if encoding == "utf-8" and handle.read(3) != codecs.BOM_UTF8:
            handle.seek(0)  # the byte-order mark only says the file is UTF-8
        return _count(iter(lambda: handle.read(_CHUNK), b""), b"\r\n", b"\r", b"\n", INVISIBLE_BYTES[encoding])


def _count(chunks: Iterator, crlf, cr, lf, invisible_pattern: re.Pattern) -> LineCount:
    count, blank, ended, invisible, tail = 0, False, True, False, None
    for chunk in chunks:
        joined = chunk if tail is None else tail + chunk
        invisible = invisible or _has_invisible(joined, invisible_pattern)
        tail = joined[-3:]  # a character cut by the chunk edge is whole again with these
        # Every line end becomes LF, so CR-only, LF and CRLF files count alike.
        if cr in chunk:
            chunk = chunk.replace(crlf, lf).replace(cr, lf)
        if lf + lf in chunk or chunk.startswith(lf):
            pieces = chunk.split(lf)
            empty = pieces.count(pieces[0][:0])
            lines, first_empty = len(pieces) - empty, not pieces[0]
            # An empty piece between two line ends is a blank line (a CRLF cut by a chunk edge may look like one).
            blank = blank or empty - chunk.endswith(lf) - (len(pieces) > 1 and first_empty) > 0 or (ended and first_empty)
        else:
            # No blank line: every line end closes a non-empty line (the common case, without splitting).
            lines, first_empty = chunk.count(lf) + (not chunk.endswith(lf)), False
        count += lines
        if not ended and not first_empty:
            count -= 1  # a line cut by the chunk edge was counted in both chunks
        ended = chunk.endswith(lf)
    return LineCount(lines=count, blank_lines=blank, invisible=invisible)


def _has_invisible(chunk: bytes | str, pattern: re.Pattern) -> bool:
    if isinstance(chunk, bytes):
        # Printable ASCII and line ends cannot be one; dropping them first leaves little to search,
        # and keeps each multi-byte UTF-8 character whole (its bytes are all non-ASCII).
        chunk = chunk.translate(None, _PLAIN_ASCII)
    return pattern.search(chunk) is not None


def row_spans(path: Path, encoding: str, delimiter: str, quote: str) -> Iterator[RowSpan]:
    """Each data row of a CSV file and the lines it spans, read by Python's CSV reader.

    Args:
        path: The CSV file.
        encoding: A source config's encoding.
        delimiter: The CSV delimiter.
        quote: The CSV quote character (doubled to escape it, as DuckDB reads it).

    Yields:
        One :class:`RowSpan` per non-blank row after the header.
    """
    dialect = {"delimiter": delimiter, "quotechar": quote, "doublequote": True, "strict": False}
    with _text(path, encoding) as handle, no_field_limit():
        reader = csv.reader(handle, **dialect)
        width = len(next(reader, None) or [])
        row, entries, last_line = 0, 0, reader.line_num
        for cells in reader:
            entries += 1
            if cells:
                row += 1
                spans = reader.line_num - last_line
                if spans == 1:
                    yield RowSpan(row, last_line + 1, 1, entries + 1)
                else:
                    whole = _whole_row_line(cells, width, last_line + 1, dialect)
                    yield RowSpan(row, last_line + 1, spans, entries + 1, whole, cells)
            last_line = reader.line_num


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def quoted_at(cells: list[str]) -> int | None:
    """The position of the first of a row's cells that holds a line break: where a quoted value over lines opens."""
    for at, cell in enumerate(cells):
        if "\n" in cell or "\r" in cell:
            return at
    return None


def _whole_row_line(cells: list[str], width: int, first_line: int, dialect: dict) -> int | None:
    """The first line after a row's first that splits into the header's number of fields on its own.

    A stray quote that a second stray quote closes a few lines on joins the rows between
    into one value, and the joined row may even have the header's number of fields; the
    rows it swallowed are still there, a line each. A value's own line breaks (an address
    over two lines) leave lines of a field or two, not a header's worth.

    Args:
        cells: The row's cells; joined by the delimiter, each piece after a line break is one of its lines.
        width: Fields in the header (a one-column file's lines are all rows: None).
        first_line: The row's first line in the file.
        dialect: The CSV dialect, to read a candidate line on its own.
    """
    delimiter = dialect["delimiter"]
    text = delimiter.join(cells)
    breaks = [at for at in (text.find("\n"), text.find("\r")) if at >= 0]
    # The lines after the first need a delimiter per field between them to hold a row; an address
    # over two lines has none to spare, and is not split.
    if width < 2 or not breaks or text.count(delimiter, min(breaks)) < width - 1:
        return None
    for line, piece in enumerate(_after_first_line(text), start=1):
        # Only a piece with a delimiter per field can be a row: the rest are not read again.
        if piece.count(delimiter) >= width - 1 and len(next(csv.reader([piece], **dialect), [])) == width:
            return first_line + line
    return None


def _after_first_line(text: str) -> Iterator[str]:
    """The lines of a text after its first, one at a time (a quote never closed makes it the rest of the file)."""
    start = None
    for end in _LINE_BREAK.finditer(text):
        if start is not None:
            yield text[start:end.start()]
        start = end.end()
    if start is not None:
        yield text[start:]


@contextmanager
def _text(path: Path, encoding: str) -> Iterator[io.TextIOBase]:
    # Undecodable bytes are the DuckDB reader's to report, by row; these counts only need line ends.
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=CODECS[encoding], errors="replace", newline="") as text:
        yield text


@contextmanager
def no_field_limit() -> Iterator[None]:
    """Lift the csv module's field size limit (131,072 characters) for the block, and put it back.

    A swallowing quote makes one value of the rest of the file; it is read whole to count its lines.
    """
    before = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def decode_head(head: bytes, encoding: str) -> str:
    """The start of a file as text, a character cut at the end left out.

    Raises:
        UnicodeError: The bytes are not valid text in that encoding.
    """
    return codecs.getincrementaldecoder(CODECS[encoding])().decode(head, final=False)
