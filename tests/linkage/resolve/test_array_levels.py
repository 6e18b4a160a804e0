"""The shared-value level answers as Splink's array-intersection level does, on DuckDB, and leaves other engines' SQL alone."""

from __future__ import annotations

import duckdb
import pytest
import splink.comparison_level_library as cll

from linkage.resolve.array_levels import SharesAValueLevel

CASES = [
    # (description, left list, right list)
    ("one value shared", ["BOB", "ROBERT"], ["ROBERT", "ROB"]),
    ("one value each, the same", ["SMITH"], ["SMITH"]),
    ("one value each, different", ["SMITH"], ["JONES"]),
    ("one value, found among the other's", ["JONES"], ["SMITH", "JONES"]),
    ("one value, not among the other's", ["BROWN"], ["SMITH", "JONES"]),
    ("one value against none", ["SMITH"], []),
    ("none shared", ["BOB", "ROBERT"], ["WILLIAM", "BILL"]),
    ("both empty", [], []),
    ("one side null", None, ["ANNA"]),
    ("both null", None, None),
    ("only null elements", [None], [None]),
    ("a null element beside a shared value", ["JONES", None], [None, "JONES"]),
    ("a null element beside different values", ["SMITH", None], [None, "JONES"]),
]


@pytest.mark.parametrize(("description", "left", "right"), CASES, ids=[c[0] for c in CASES])
def test_duckdb_answer_is_splinks(description, left, right):
    ours = SharesAValueLevel("groups").get_comparison_level("duckdb").sql_condition
    splinks = cll.ArrayIntersectLevel("groups", min_intersection=1).get_comparison_level("duckdb").sql_condition
    assert "list_intersect" in splinks and ours != splinks
    with duckdb.connect() as con:
        row = con.execute(
            f"SELECT coalesce({ours}, false), coalesce({splinks}, false) "
            "FROM (SELECT $l::VARCHAR[] AS groups_l, $r::VARCHAR[] AS groups_r)",
            {"l": left, "r": right},
        ).fetchone()
    assert row[0] == row[1], description


def test_other_engines_get_splinks_sql():
    ours = SharesAValueLevel("groups").get_comparison_level("spark").sql_condition
    assert ours == cll.ArrayIntersectLevel("groups", min_intersection=1).get_comparison_level("spark").sql_condition
