"""The default model's rare levels get u counted over every pair of records, checked against brute force."""

from __future__ import annotations

import datetime as dt
import itertools

import pyarrow as pa
import pytest

from linkage.resolve.rare_levels import (
    DOB_EXACT_LABEL, DOB_JAN1_LABEL, DOB_SWAPPED_LABEL, DOB_YEAR_TYPO_LABEL, FORENAME_IS_MIDDLE_LABEL,
    POSTCODE_OUTWARD_LABEL, SURNAME_PART_LABEL,
)
from linkage.resolve.model import SURNAME_ONE_KEYSTROKE
from linkage.resolve.rare_u import rare_level_u


def _table(**columns) -> pa.Table:
    rows = len(next(iter(columns.values())))
    base = {
        "forename": ["A"] * rows, "middle_names": [None] * rows, "surname": ["S"] * rows, "surname_soundex": ["S000"] * rows,
        "dob": [dt.date(1990, 6, 15)] * rows, "postcode": [None] * rows, "postcode_outward": [None] * rows,
    }
    base.update(columns)
    return pa.table({**base, "dob": pa.array(base["dob"], pa.date32()),
                     **{k: pa.array(v, pa.string()) for k, v in base.items() if k != "dob"}})


def _ordered_pairs(rows: int, in_level) -> int:
    return sum(1 for i, j in itertools.permutations(range(rows), 2) if in_level(i, j))


def d(y: int, m: int, day: int) -> dt.date:
    return dt.date(y, m, day)


DOBS = [d(1980, 3, 4), d(1980, 4, 3), d(1980, 4, 3), d(1981, 3, 4), d(1980, 1, 1), d(1980, 1, 1), d(1980, 1, 20), d(1980, 7, 7),
        d(1979, 7, 7), d(1979, 1, 1), None]


def _swapped(a, b):
    return a.year == b.year and a.month == b.day and a.day == b.month and a != b


def _jan1(a, b):
    # Right after the exact level: a 1 January date says only the year, on one side or both.
    return a.year == b.year and ((a.month, a.day) == (1, 1) or (b.month, b.day) == (1, 1))


def _year_typo(a, b):
    return abs(a.year - b.year) == 1 and (a.month, a.day) == (b.month, b.day)


DOB_CASES = [
    # (description, level label, brute-force test on two non-null DOBs)
    ("the same DOB, other than 1 January", DOB_EXACT_LABEL, lambda a, b: a == b and (a.month, a.day) != (1, 1)),
    ("day and month swapped, never the same DOB", DOB_SWAPPED_LABEL, _swapped),
    ("same year, one or both on 1 January", DOB_JAN1_LABEL, _jan1),
    ("year one out, day and month the same", DOB_YEAR_TYPO_LABEL, _year_typo),
]


@pytest.mark.parametrize(("description", "label", "in_level"), DOB_CASES, ids=[c[0] for c in DOB_CASES])
def test_dob_levels_are_counted_exactly(description, label, in_level):
    u = rare_level_u(_table(dob=DOBS))["dob"][label]
    held = [value for value in DOBS if value is not None]
    pairs = _ordered_pairs(len(held), lambda i, j: in_level(held[i], held[j]))
    assert pairs > 0, f"{description}: the fixture reaches the level"
    assert u == pytest.approx(pairs / (len(held) * (len(held) - 1))), description


def test_the_same_outward_code_in_another_sector_is_counted_exactly():
    postcodes = ["AB1 2CD", "AB1 2XY", "AB1 3CD", "AB1 3CD", "ZZ9 9ZZ", None]
    table = _table(postcode=postcodes, postcode_outward=[p and p.split(" ")[0] for p in postcodes])
    held = [p for p in postcodes if p is not None]
    pairs = _ordered_pairs(len(held), lambda i, j: held[i].split(" ")[0] == held[j].split(" ")[0] and held[i][:-2] != held[j][:-2])
    assert pairs == 8, "AB1 2xx with each AB1 3CD, both ways"
    assert rare_level_u(table)["postcode"][POSTCODE_OUTWARD_LABEL] == pytest.approx(pairs / (5 * 4))


NAME_CASES = [
    # (description, column, label, forenames, middle names, surnames, ordered pairs in the level)
    ("a forename that is the other's middle name, both ways round", "forename", FORENAME_IS_MIDDLE_LABEL,
     ["JANE", "MARY", "ANN", "JANE"], [None, "ANN JANE", None, None], ["S"] * 4, 6),
    ("no middle names: no pair, one pair's worth (Splink needs u > 0)", "forename", FORENAME_IS_MIDDLE_LABEL,
     ["JANE", "MARY", "ANN"], [None, None, None], ["S"] * 3, 1),
    ("a part of a double-barrelled surname shared; the same surname is the exact level", "surname", SURNAME_PART_LABEL,
     ["A"] * 4, [None] * 4, ["SMITH JONES", "JONES", "JONES", "BROWN"], 4),
]


@pytest.mark.parametrize(
    ("description", "column", "label", "forenames", "middles", "surnames", "pairs"), NAME_CASES, ids=[c[0] for c in NAME_CASES]
)
def test_name_levels_are_counted(description, column, label, forenames, middles, surnames, pairs):
    table = _table(forename=forenames, middle_names=middles, surname=surnames)
    rows = len(forenames)
    assert rare_level_u(table)[column][label] == pytest.approx(pairs / (rows * (rows - 1))), description


def test_surnames_one_keystroke_apart_are_counted_past_the_closer_levels():
    surnames = ["MEYER", "MECER", "SMITH", "SMYTH", "JONES", "JONES"]
    soundex = ["M600", "M260", "S530", "S530", "J520", "J520"]
    u = rare_level_u(_table(surname=surnames, surname_soundex=soundex))["surname"][SURNAME_ONE_KEYSTROKE]
    # MEYER/MECER (Jaro-Winkler 0.89, Soundex apart) both ways; SMITH/SMYTH sound alike and are close; JONES is exact.
    assert u == pytest.approx(2 / (6 * 5))


def test_a_column_fewer_than_two_records_hold_is_left_to_sampling():
    table = _table(dob=[d(1980, 1, 1), None, None], postcode=[None, None, None])
    u = rare_level_u(table)
    assert "dob" not in u and "postcode" not in u, "no pair has both sides: sampling sets no u either"


def test_counts_of_one_input_each_get_a_connection_of_their_own():
    """Training's counts on one input share its counting database, each on a connection of its own: a
    second count of the same kind (the same temporary tables) runs as the first did, and leaves nothing behind."""
    from linkage.config import ModelConfig
    from linkage.resolve.fixed_u import swapped_name_u
    from linkage.resolve.linker import ArrowModelData
    from tests.linkage.resolve.test_train import MISSPELT_NAMES, _records

    data = ArrowModelData(_records(MISSPELT_NAMES))
    first = swapped_name_u(data, ModelConfig())
    assert first["forename"], "the names reach the swap levels"
    assert swapped_name_u(data, ModelConfig()) == first
    assert swapped_name_u(_records(MISSPELT_NAMES), ModelConfig()) == first, "as on a database of its own"
    with data.counting() as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)
