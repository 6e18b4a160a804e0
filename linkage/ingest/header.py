"""A CSV extract's header row: its column names, read without reading any data row."""

from __future__ import annotations

import csv
from pathlib import Path

from linkage.config import SourceConfig
from linkage.errors import ExtractError
from linkage.ingest.lines import CODECS, decode_head, no_field_limit

#: The most a header line may take; a first line longer than this is not a header.
MAX_HEADER_BYTES = 1 << 20
#: The longest column name a header may have (the csv module's own field limit).
MAX_COLUMN_NAME = 131_072


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
