"""Which surname level a pair of surnames falls in (the swapped-name levels need forenames and are left out here)."""

from __future__ import annotations

import duckdb
import jellyfish
import pytest

from linkage.resolve.model import NAMES_SWAPPED, NAMES_SWAPPED_MISSPELT, SURNAME_ONE_KEYSTROKE, surname_comparison

CASES = [
    # (description, left surname, right surname, expected level)
    ("the same surname", "MEYER", "MEYER", "Exact match on surname"),
    ("a long name with a typo: close spelling", "RICHARDSON", "RICHADRSON", "Jaro-Winkler distance of surname >= 0.92"),
    ("one part of a double-barrelled name", "SMITH-JONES", "JONES", "Share a part of a double-barrelled surname"),
    ("sounds alike, one keystroke apart: stays 'sounds alike' (a shared suspect alone must not link SMITH and SMYTH)",
     "SMITH", "SMYTH", "Surnames sound alike"),
    ("a typo neither close spelling nor sound catches (MEYER keyed MECER)", "MEYER", "MECER", SURNAME_ONE_KEYSTROKE),
    ("a letter keyed wrong inside a short name (VOGEL keyed VOGDL)", "VOGEL", "VOGDL", SURNAME_ONE_KEYSTROKE),
    ("two keystrokes apart: another surname", "MEYER", "MAZER", "All other comparisons"),
]


def _surname_parts(name: str) -> list[str]:
    return name.replace("-", " ").split()


@pytest.mark.parametrize(("description", "left", "right", "expected"), CASES, ids=[c[0] for c in CASES])
def test_surname_level(description, left, right, expected):
    comparison = surname_comparison(tf=False).get_comparison("duckdb")
    values = {
        "surname_l": left, "surname_r": right,
        "surname_parts_l": _surname_parts(left), "surname_parts_r": _surname_parts(right),
        "surname_soundex_l": jellyfish.soundex(left.replace("-", "")), "surname_soundex_r": jellyfish.soundex(right.replace("-", "")),
        "forename_l": "ANNA", "forename_r": "ANNA",
    }
    found = None
    with duckdb.connect() as con:
        row = ", ".join(f"${name}::{'VARCHAR[]' if isinstance(value, list) else 'VARCHAR'} AS {name}" for name, value in values.items())
        for level in comparison.comparison_levels:
            if level.is_null_level or level.label_for_charts in (NAMES_SWAPPED, NAMES_SWAPPED_MISSPELT):
                continue
            if level.sql_condition == "ELSE":
                found = level.label_for_charts
                break
            if con.execute(f"SELECT coalesce(({level.sql_condition}), false) FROM (SELECT {row})", values).fetchone()[0]:
                found = level.label_for_charts
                break
    assert found == expected, description
