"""Every CSV row counted and numbered apart from the CSV reader: line ends, blank and multi-line rows, stray quotes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest

from linkage.errors import ExtractError
from linkage.ingest import ingest
from linkage.ingest.lines import count_lines, quoted_at, row_spans
from linkage.text import INVISIBLE
from linkage.store import layout
from tests.linkage.ingest.conftest import POLICE_HEADER, POLICE_ROWS

#: The shipped rows as written (LF): 6 rows, 3 records, 3 quarantined (rows 3, 4 and the short row 5).
BASELINE = (6, 3, 3)
#: Row 1 with its address quoted over two lines.
TWO_LINE_ADDRESS = POLICE_ROWS[0].replace('"12 High St, Newtown"', '"12 High St,\nNewtown"')


def police_csv(run, body: str | bytes) -> None:
    (run.extracts_dir / "police.csv").write_bytes(body.encode() if isinstance(body, str) else body)


def police_counts(run) -> tuple[int, int, int]:
    police = next(s for s in ingest(run).sources if s.source == "police")
    return police.rows_read, police.records, police.quarantined


def quarantined(run) -> dict[int, str]:
    with duckdb.connect(str(layout(run.store).ingest_check), read_only=True) as con:
        return dict(con.execute("SELECT source_row, reason FROM quarantine WHERE source = 'police'").fetchall())


def record_rows(run) -> dict[str, int]:
    with duckdb.connect(str(layout(run.store).ingest_check), read_only=True) as con:
        return dict(con.execute("SELECT record_id, source_row FROM records WHERE source = 'police'").fetchall())


READABLE = [
    # (description, body, rows read / records / quarantined, quarantined row -> reason start);
    # the last shipped row (PN5) must keep its own row number however the lines fall.
    ("LF line ends", "\n".join([POLICE_HEADER, *POLICE_ROWS]) + "\n", BASELINE, {5: "unparseable CSV row"}),
    ("CR-only line ends (classic Mac)", "\r".join([POLICE_HEADER, *POLICE_ROWS]) + "\r", BASELINE, {5: "unparseable CSV row"}),
    ("CRLF line ends", "\r\n".join([POLICE_HEADER, *POLICE_ROWS]) + "\r\n", BASELINE, {5: "unparseable CSV row"}),
    (
        "blank lines between rows are not rows, and do not shift row numbers",
        "\n".join([POLICE_HEADER, POLICE_ROWS[0], "", "", *POLICE_ROWS[1:5], "", POLICE_ROWS[5]]) + "\n\n",
        BASELINE, {5: "unparseable CSV row"},
    ),
    (
        "a quoted value over two lines before an unreadable row",
        "\n".join([POLICE_HEADER, TWO_LINE_ADDRESS, *POLICE_ROWS[1:]]) + "\n",
        BASELINE, {5: "unparseable CSV row"},
    ),
    (
        "a second header row in the middle is quarantined as a repeated header",
        "\n".join([POLICE_HEADER, *POLICE_ROWS[:2], POLICE_HEADER, *POLICE_ROWS[2:]]) + "\n",
        (7, 3, 4), {3: "repeated header row", 6: "unparseable CSV row"},
    ),
    (
        "a repeated header in quotes and another case",
        "\n".join([POLICE_HEADER, *POLICE_ROWS, ",".join(f'"{n.upper()}"' for n in POLICE_HEADER.split(","))]) + "\n",
        (7, 3, 4), {5: "unparseable CSV row", 7: "repeated header row"},
    ),
]


@pytest.mark.parametrize(("description", "body", "counts", "reasons"), READABLE, ids=[c[0] for c in READABLE])
def test_rows_are_counted_and_numbered_whatever_the_layout(run, description, body, counts, reasons):
    police_csv(run, body)
    assert police_counts(run) == counts, description
    got = quarantined(run)
    for row, reason in reasons.items():
        assert got[row].startswith(reason), description
    assert record_rows(run)["PN5"] == max(set(range(1, counts[0] + 1)) - set(reasons)), description


#: Row 2 with a stray quote opening its postcode (no other quote follows on its line).
STRAY = POLICE_ROWS[1].replace(",ZZ99 3VZ,", ',"ZZ99 3VZ,')
#: Rows without quotes, which a stray quote above swallows.
UNQUOTED = [f"OCC-9,09/03/2021,Theft,N,,PN9{n},SUSPECT,JONES,03/04/1975,M,,,M1 1AE," for n in range(10)]
#: A row whose postcode ends with the quote that closes the stray one.
CLOSING = "OCC-9,09/03/2021,Theft,N,,PN99,SUSPECT,JONES,03/04/1975,M,,,M1 1AE\","
#: A row whose name ends with the quote that closes the stray one, leaving the joined row too many fields.
CLOSING_IN_NAME = "OCC-9,09/03/2021,Theft,N,,PN98,SUSPECT,JONES\",03/04/1975,M,,,M1 1AE,"
#: Row 1 with its address over two lines and its last field missing: unreadable, yet one row.
TWO_LINE_ADDRESS_SHORT = TWO_LINE_ADDRESS.rsplit(",", 1)[0]

UNREADABLE = [
    # (description, body, row named, words); the column named is where the quoted value over the lines opens
    (
        "a stray quote on row 2 whose value never closes",
        "\n".join([POLICE_HEADER, POLICE_ROWS[0], STRAY, *UNQUOTED[:3]]) + "\n",
        2, "never closed: it runs from line 3 to the end of the file (4 lines)",
    ),
    (
        "stray quotes joining rows 2 to 13 into one row",
        "\n".join([POLICE_HEADER, POLICE_ROWS[0], STRAY, *UNQUOTED, CLOSING, *POLICE_ROWS[2:]]) + "\n",
        2, "spans 12 lines (3 to 14), over the limit of 10 ('extract_checks.max_row_lines')",
    ),
    (
        "a stray quote closed four lines on: rows 2 to 6 read as one row the reader accepts",
        "\n".join([POLICE_HEADER, POLICE_ROWS[0], STRAY, *UNQUOTED[:3], CLOSING, *POLICE_ROWS[2:]]) + "\n",
        2, "spans 5 lines (3 to 7), and line 4 inside it has as many fields as the header on its own",
    ),
    (
        "a stray quote closed on the next line: rows 2 and 3 read as one row the reader rejects",
        "\n".join([POLICE_HEADER, POLICE_ROWS[0], STRAY, CLOSING_IN_NAME, *POLICE_ROWS[2:]]) + "\n",
        2, "spans 2 lines (3 to 4), and line 4 inside it has as many fields as the header on its own",
    ),
    (
        "an unreadable row over two lines is refused, though its line break is the address's own",
        "\n".join([POLICE_HEADER, TWO_LINE_ADDRESS_SHORT, *POLICE_ROWS[1:]]) + "\n",
        1, "the CSV reader cannot read this row, which spans 2 lines (2 to 3)",
    ),
]


@pytest.mark.parametrize(("description", "body", "row", "words"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_a_stray_quote_that_swallows_rows_is_refused_naming_the_row(run, description, body, row, words):
    police_csv(run, body)
    with pytest.raises(ExtractError) as caught:
        ingest(run)
    assert caught.value.row == row and caught.value.file.endswith("police.csv"), description
    assert caught.value.column == ("Address" if row == 1 else "Postcode"), description
    assert words in str(caught.value), description
    for value in ("JONES", "ZZ99", "M1 1AE", "High St"):
        assert value not in str(caught.value), f"{description}: no value from the file in the error"


def test_a_value_with_line_breaks_up_to_the_limit_is_one_row(run):
    ten_lines = POLICE_ROWS[0].replace('"12 High St, Newtown"', '"Flat 1\n' + "\n".join(["line"] * 8) + '\nNewtown"')
    police_csv(run, "\n".join([POLICE_HEADER, ten_lines, *POLICE_ROWS[1:]]) + "\n")
    assert police_counts(run) == BASELINE
    assert record_rows(run) == {"PN1": 1, "PN2": 2, "PN5": 6}


HEADER_ERRORS = [
    # (description, body, words)
    (
        "a header column over the csv module's field limit",
        POLICE_HEADER + "," + "A" * 131_073 + "\n",
        "header column 15 is 131,073 characters long, over the 131,072 a column name may have",
    ),
    (
        "a quoted header column over the limit, its quote never closed",
        POLICE_HEADER + ',"' + "A" * 200_000 + "\n",
        "header column 15 is 200,000 characters long",
    ),
    ("no line end in the first megabyte", "x" * (1 << 20) + "y\n", "no line ends in the first 1,048,576 bytes"),
]


@pytest.mark.parametrize(("description", "body", "words"), HEADER_ERRORS, ids=[c[0] for c in HEADER_ERRORS])
def test_unreadable_headers_give_a_clear_error(run, description, body, words):
    police_csv(run, body)
    with pytest.raises(ExtractError) as caught:
        ingest(run)
    assert caught.value.row == 0 and words in str(caught.value), description


LINE_COUNTS = [
    # (description, bytes, non-blank lines)
    ("LF", b"a\nb\nc\n", 3),
    ("no final line end", b"a\nb\nc", 3),
    ("CRLF with a blank line", b"a\r\n\r\nb\r\n", 2),
    ("CR only", b"a\rb\rc\r", 3),
    ("a whitespace-only line is a line", b"a\n  \nb\n", 3),
]


@pytest.mark.parametrize(("description", "content", "lines"), LINE_COUNTS, ids=[c[0] for c in LINE_COUNTS])
def test_count_lines(tmp_path, description, content, lines):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert count_lines(path, "utf-8").lines == lines, description
    path.write_bytes(content.decode().encode("utf-16"))
    assert count_lines(path, "utf-16").lines == lines, description


CHUNKED = [
    # (description, bytes, non-blank lines, a blank line, an invisible character)
    ("mixed line ends and a blank line", b"header,1\nabcdefghij\n\nk\r\nlmnop\rq", 5, True, False),
    ("CRLF only, no blank line", b"h\r\nab\r\ncd\r\n", 3, False, False),
    ("a right-to-left override across the edges", "h\nab\u202ecd\nef\n".encode(), 3, False, True),
    ("blank lines at the end", b"h\na\n\n\n", 2, True, False),
]


@pytest.mark.parametrize(("description", "content", "lines", "blank", "invisible"), CHUNKED, ids=[c[0] for c in CHUNKED])
def test_count_lines_is_the_same_whatever_the_read_size(tmp_path, monkeypatch, description, content, lines, blank, invisible):
    from linkage.ingest import lines as module

    path = tmp_path / "x.csv"
    path.write_bytes(content)
    for size in range(1, len(content) + 2):
        monkeypatch.setattr(module, "_CHUNK", size)
        got = count_lines(path, "utf-8")
        assert (got.lines, got.invisible) == (lines, invisible), f"{description}, {size}"
        # A CRLF cut by the read's edge may pass for a blank line: that only costs a second reading.
        assert got.blank_lines if blank else (got.blank_lines is False or b"\r\n" in content), f"{description}, {size}"


def test_row_spans_match_the_csv_module(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text('h1,h2\n1,"a\nb"\n\n2,x\n3,"never closed\n4,y\n', encoding="utf-8")
    spans = [(s.row, s.first_line, s.lines, s.reader_line) for s in row_spans(path, "utf-8", ",", '"')]
    assert spans == [(1, 2, 2, 2), (2, 5, 1, 4), (3, 6, 2, 5)]
    assert csv.field_size_limit() == 131_072, "the module's limit is put back"


SPANS = [
    # (description, file, (whole_row_line, quoted_column) of each row)
    ("one line a row", "h1,h2,h3\n1,a,b\n2,c,d\n", [(None, None), (None, None)]),
    ("a value's own line breaks leave no whole row", 'h1,h2,h3\n1,"a\nb\nc",d\n2,e,f\n', [(None, "h2"), (None, None)]),
    ("a line with a header's worth of fields inside a row", 'h1,h2,h3\n1,"a,b\n2,c,d\n3,e",f\n', [(3, "h2")]),
    ("a quote never closed", 'h1,h2,h3\n1,a,"b\n2,c,d\n', [(3, "h3")]),
    ("CR-only line ends", 'h1,h2,h3\r1,"a,b\r2,c,d\r3,e",f\r', [(3, "h2")]),
]


@pytest.mark.parametrize(("description", "content", "expected"), SPANS, ids=[c[0] for c in SPANS])
def test_row_spans_find_the_rows_a_stray_quote_joined(tmp_path, description, content, expected):
    path = tmp_path / "x.csv"
    path.write_bytes(content.encode())
    header = ["h1", "h2", "h3"]
    spans = [(s.whole_row_line, s.cells and header[quoted_at(s.cells)]) for s in row_spans(path, "utf-8", ",", '"')]
    assert spans == expected, description
    assert csv.field_size_limit() == 131_072, "the module's limit is put back"


REMOVED = "full_name: control characters removed"
INVISIBLE_CASES = [
    # (description, Name cell, forename, middle names, surname, note)
    ("a NUL byte inside a forename", '"SMITH, Jo\x00hn"', "JOHN", None, "SMITH", REMOVED),
    ("other C0 controls: bell, backspace, escape", '"SMITH, J\x07o\x08h\x1bn"', "JOHN", None, "SMITH", REMOVED),
    ("DEL and a C1 control (next line, U+0085)", '"SMI\x7fTH, Jo\x85hn"', "JOHN", None, "SMITH", REMOVED),
    ("a right-to-left override in a surname", '"SM\u202eHTI, John"', "JOHN", None, "SMHTI", REMOVED),
    ("a left-to-right isolate and its pop", '"SMITH, \u2066John\u2069"', "JOHN", None, "SMITH", REMOVED),
    ("right-to-left and Arabic letter marks", '"SMITH\u200f\u061c, John\u200e"', "JOHN", None, "SMITH", REMOVED),
    ("a zero-width space and a byte-order mark", '"\ufeffSMITH, Jo\u200bhn"', "JOHN", None, "SMITH", REMOVED),
    ("a soft hyphen inside a surname", '"SMI\u00adTH, John"', "JOHN", None, "SMITH", REMOVED),
    ("an invisible separator (U+2063) inside a forename", '"SMITH, Jo\u2063hn"', "JOHN", None, "SMITH", REMOVED),
    ("tag characters spelling hidden text", '"SMITH, John\U000e0041\U000e0042\U000e007f"', "JOHN", None, "SMITH", REMOVED),
    ("a Hangul filler padding a forename", '"SMITH, John\u3164"', "JOHN", None, "SMITH", REMOVED),
    ("zero-width (non-)joiners stay raw, dropped when cleaning", '"SMI\u200dTH, Jo\u200chn"', "JOHN", None, "SMITH", None),
    ("a tab between forenames is a space", '"SMITH, John\tPaul"', "JOHN", "PAUL", "SMITH", None),
    ("a plain name has no note", '"SMITH, John Paul"', "JOHN", "PAUL", "SMITH", None),
]


@pytest.mark.parametrize(("description", "cell", "forename", "middle", "surname", "note"), INVISIBLE_CASES, ids=[c[0] for c in INVISIBLE_CASES])
def test_control_and_invisible_characters_are_removed_with_a_note(run, description, cell, forename, middle, surname, note):
    row = POLICE_ROWS[5].replace('"JONES, Bob"', cell)
    police_csv(run, "\n".join([POLICE_HEADER, *POLICE_ROWS[:5], row]) + "\n")
    ingest(run)
    with duckdb.connect(str(layout(run.store).ingest_check), read_only=True) as con:
        got = con.execute(
            "SELECT forename, middle_names, surname, full_name_raw FROM records WHERE record_id = 'PN5'"
        ).fetchone()
        notes = [n for (n,) in con.execute(
            "SELECT column_name || ': ' || problem FROM dq_notes WHERE record_id = 'PN5' AND problem LIKE 'control%'"
        ).fetchall()]
    assert got[:3] == (forename, middle, surname), description
    assert not re.search(INVISIBLE, got[3]), f"{description}: the raw column is clean too"
    assert notes == ([note] if note else []), description


#: Names in several scripts, with the joiners some need: none is an invisible character.
CLEAN_NAMES = "JOHN, Zoë O\u2019Brien\u200d, \u0645\u062d\u0645\u062f, \u0930\u093e\u0939\u0941\u0932, \uae40\ubbfc\uc900, \u0645\u06cc\u200c\u0631"


def test_the_line_count_spots_every_invisible_character_in_each_encoding(tmp_path):
    pattern = re.compile(INVISIBLE)
    every = (c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    characters = [chr(c) for c in every if pattern.fullmatch(chr(c))]
    assert {"\x00", "\u00ad", "\u202e", "\u2069", "\U000e0041", "\u3164"} <= set(characters)
    assert not {"\t", "\n", "\r", "\u200c", "\u200d", "\u00a0"} & set(characters)
    path = tmp_path / "x.csv"
    for encoding, codec in (("utf-8", "utf-8"), ("utf-16", "utf-16"), ("latin-1", "latin-1")):
        path.write_bytes(f"h\n{CLEAN_NAMES}\n".encode(codec, "replace"))
        assert not count_lines(path, encoding).invisible, f"{encoding}: a clean file, joiners and accents included"
        for character in characters:
            if encoding == "latin-1" and ord(character) > 0xFF:
                continue
            path.write_bytes(f"h\nJo{character}hn\n".encode(codec))
            assert count_lines(path, encoding).invisible, f"{encoding}: U+{ord(character):04X}"
    path.write_bytes("\ufeffh\nJohn\n".encode())
    assert not count_lines(path, "utf-8").invisible, "a leading byte-order mark only marks the encoding"


def test_quarantined_rows_show_invisible_characters_escaped_not_obeyed(run):
    # Row 3 is quarantined by standardisation (its raw is the row's cells as JSON), row 5 by the
    # CSV reader (its raw is the line as written); each hides a NUL, an override and a tag character.
    hidden = "\x00\u202e\U000e0041"
    rows = list(POLICE_ROWS)
    rows[2] = rows[2].replace("OCC-2,06/03/2021,Theft", f"OCC-2,06/03/2021,Th{hidden}eft")
    rows[4] = rows[4].replace("Theft", f"Th{hidden}eft")
    police_csv(run, "\n".join([POLICE_HEADER, *rows]) + "\n")
    assert police_counts(run) == BASELINE
    with duckdb.connect(str(layout(run.store).ingest_check), read_only=True) as con:
        raw = dict(con.execute("SELECT source_row, raw FROM quarantine WHERE source = 'police'").fetchall())
    for row in (3, 5):
        assert not re.search(INVISIBLE, raw[row]), f"row {row}: no invisible character is stored as itself"
        assert "Th\\u0000\\u202e\\udb40\\udc41eft" in raw[row], f"row {row}: each is shown as its escape"
    assert json.loads(raw[3])["OffenceCategory"] == f"Th{hidden}eft", "the JSON reads back as the file's value"
