"""Which date-of-birth level a pair of DOBs falls in: each known keying error has its own level."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from linkage.resolve.model import dob_comparison
from linkage.resolve.rare_levels import DOB_JAN1_LABEL

CASES = [
    # (description, left DOB, right DOB, expected level)
    ("the same date", date(1985, 3, 12), date(1985, 3, 12), "Exact match on dob"),
    ("day and month swapped", date(1985, 3, 12), date(1985, 12, 3), "Day and month swapped"),
    ("a day keyed wrong", date(1985, 3, 12), date(1985, 3, 13), "Same year and month"),
    ("unknown day and month defaulted to 1 January", date(1985, 3, 12), date(1985, 1, 1), DOB_JAN1_LABEL),
    ("both defaulted to 1 January: the same year, not the same DOB", date(1985, 1, 1), date(1985, 1, 1), DOB_JAN1_LABEL),
    ("1 January and a day later that January: the default, not a day typo", date(1985, 1, 1), date(1985, 1, 20), DOB_JAN1_LABEL),
    ("1 January in two years: no default of one person", date(1985, 1, 1), date(1986, 1, 1), "Year differs by one"),
    ("a month keyed wrong", date(1985, 3, 12), date(1985, 8, 12), "Same year and day"),
    ("the year one out", date(1985, 3, 12), date(1986, 3, 12), "Year differs by one"),
    ("the year's digits swapped (1985 keyed as 1958)", date(1985, 3, 12), date(1958, 3, 12), "One keystroke apart"),
    ("one digit of the year wrong (1975 for 1985)", date(1985, 3, 12), date(1975, 3, 12), "One keystroke apart"),
    ("father and son born 30 years apart, different days", date(1960, 5, 14), date(1990, 4, 15), "All other comparisons"),
    ("a day and the year both wrong", date(1985, 3, 12), date(1975, 3, 13), "All other comparisons"),
]


def _levels() -> list[tuple[str, str]]:
    comparison = dob_comparison().get_comparison("duckdb")
    return [(level.label_for_charts, level.sql_condition) for level in comparison.comparison_levels]


@pytest.mark.parametrize(("description", "left", "right", "expected"), CASES, ids=[c[0] for c in CASES])
def test_dob_level(description, left, right, expected):
    with duckdb.connect() as con:
        for label, condition in _levels():
            if condition == "ELSE":
                found = label
                break
            sql = f"SELECT coalesce(({condition}), false) FROM (SELECT $l::DATE AS dob_l, $r::DATE AS dob_r)"
            if con.execute(sql, {"l": left, "r": right}).fetchone()[0]:
                found = label
                break
    assert found == expected, description
