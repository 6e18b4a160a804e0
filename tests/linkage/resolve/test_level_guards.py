"""The cheap tests some levels run before their costly one change no result.

Each level is evaluated by DuckDB on every pair of a set of values and compared with the
costly test alone (the one-keystroke levels: jellyfish's Damerau-Levenshtein distance; the
middle-name level: its SQL without the test): the cheap tests may only spare pairs the
costly one would refuse.
"""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import jellyfish
import pytest

from linkage.resolve.model import DOB_ONE_KEYSTROKE, FORENAME_IS_MIDDLE, SURNAME_ONE_KEYSTROKE_SQL

SURNAMES = [
    # (description, values): every pair within a group and across groups is checked
    ("a letter changed, added, lost or two swapped at the start", ["SMITH", "XMITH", "MSITH", "MITH", "ASMITH"]),
    ("the same at the end", ["JONES", "JONEX", "JONSE", "JONE", "JONESS"]),
    ("in the middle", ["TAYLOR", "TAYLRO", "TALOR", "TAYYLOR", "TAXLOR"]),
    ("two letters and shorter", ["AB", "BA", "A", "B", "ABC", "BAC", "C", ""]),
    ("letters outside ASCII", ["MÜLLER", "MULLER", "UMLLER", "MÜLER", "ÖZIL", "ZÖIL"]),
    ("unrelated names", ["BROWN", "WILSON", "DAVIES"]),
]

DOBS = [
    # (description, values)
    ("a digit of the year, month or day changed", ["1985-03-14", "1975-03-14", "1985-08-14", "1985-03-19", "1885-03-14"]),
    ("neighbouring digits swapped inside the year, month or day", ["1985-03-12", "1958-03-12", "1985-03-21", "1985-10-05", "1985-01-05"]),
    ("the month's last digit and the day's first swapped", ["2001-10-23", "2001-12-03"]),
    ("the year's last digit and the month's first swapped", ["2010-11-05", "2011-01-05"]),
    ("unrelated dates", ["1950-06-30", "2020-12-01", "1999-09-09"]),
]


def _digits(day: dt.date) -> str:
    """YYYYMMDD, the year zero-padded as DuckDB's strftime pads it."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _all_pairs(groups: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    values = sorted({value for _, group in groups for value in group})
    return list(itertools.permutations(values, 2))


def _level(sql: str, column: str, cast: str, pairs: list) -> list[tuple]:
    """``(left, right, in the level)`` for each pair of values of ``column``, by DuckDB."""
    with duckdb.connect() as con:
        found = con.execute(
            f"SELECT {column}_l, {column}_r, coalesce({sql}, false) "
            f"FROM (SELECT unnest($l)::{cast} AS {column}_l, unnest($r)::{cast} AS {column}_r)",
            {"l": [a for a, _ in pairs], "r": [b for _, b in pairs]},
        ).fetchall()
    assert len(found) == len(pairs)
    return found


def test_surname_one_keystroke_is_the_distance_alone():
    pairs = _all_pairs(SURNAMES)
    found = _level(SURNAME_ONE_KEYSTROKE_SQL, "surname", "VARCHAR", pairs)
    expected = {(a, b): jellyfish.damerau_levenshtein_distance(a, b) <= 1 for a, b in pairs}
    wrong = [(a, b) for a, b, level in found if level != expected[(a, b)]]
    assert not wrong, f"levels differ from the distance alone for {wrong}"
    assert sum(expected.values()) > 20, "the cases hold pairs one keystroke apart"


@pytest.mark.parametrize("extra_year", [0, 900], ids=["dates of birth", "years before 1100 (zero-padded digits)"])
def test_dob_one_keystroke_is_the_distance_alone(extra_year):
    values = sorted({dt.date.fromisoformat(v).replace(year=dt.date.fromisoformat(v).year - extra_year)
                     for _, group in DOBS for v in group})
    pairs = list(itertools.permutations(values, 2))
    found = _level(DOB_ONE_KEYSTROKE, "dob", "DATE", pairs)
    expected = {(a, b): jellyfish.damerau_levenshtein_distance(_digits(a), _digits(b)) <= 1 for a, b in pairs}
    wrong = [(a, b) for a, b, level in found if level != expected[(a, b)]]
    assert not wrong, f"levels differ from the distance alone for {wrong}"
    assert sum(expected.values()) >= 10, "the cases hold dates one keystroke apart"


#: The middle-name level as it was before the cheap test.
UNGUARDED_MIDDLE = (
    "list_contains(string_split(coalesce(middle_names_r, ''), ' '), forename_l) "
    "OR list_contains(string_split(coalesce(middle_names_l, ''), ' '), forename_r)"
)

MIDDLE = [
    # (forename, middle names)
    ("JANE", "MARY JANE"), ("MARY", "JANE"), ("ANN", "ANNABEL ROSE"), ("ROSE", None), ("JANE", None),
    ("", None), ("", "ANN"), ("ANNABEL", "ANN"), ("LEE", "MARY-LEE"), ("MARY", ""),
]


def test_forename_is_middle_name_is_the_split_alone():
    pairs = list(itertools.permutations(MIDDLE, 2))
    with duckdb.connect() as con:
        found = con.execute(
            f"SELECT coalesce({FORENAME_IS_MIDDLE}, false), coalesce({UNGUARDED_MIDDLE}, false) FROM ("
            "SELECT unnest($fl) AS forename_l, unnest($ml) AS middle_names_l, unnest($fr) AS forename_r, unnest($mr) AS middle_names_r)",
            {"fl": [a[0] for a, _ in pairs], "ml": [a[1] for a, _ in pairs], "fr": [b[0] for _, b in pairs], "mr": [b[1] for _, b in pairs]},
        ).fetchall()
    assert len(found) == len(pairs)
    assert [guarded for guarded, _ in found] == [plain for _, plain in found]
    assert sum(plain for _, plain in found) >= 6, "the cases hold forenames that are the other's middle name"
