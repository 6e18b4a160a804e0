"""Table-driven cases for the postcode comparison's 'same postcode area' level (a town: RM3 and RM4)."""

from __future__ import annotations

import duckdb
import pytest

from linkage.config import ModelConfig
from linkage.resolve.model import POSTCODE_AREA, postcode_comparison, settings

CASES = [
    # (description, left outward code, right outward code, in the level)
    ("two districts of one town share the area", "RM3", "RM4", True),
    ("a district and the same district (the levels above take it first)", "RM3", "RM3", True),
    ("two-letter areas with a letter after the digit (central London)", "SW1A", "SW19", True),
    ("two towns are two areas", "RM3", "NT3", False),
    ("a one-letter area is not the two-letter area it opens (B, Birmingham; BA, Bath)", "B1", "BA1", False),
    ("postal codes of other countries kept whole, digits only, have no area", "90210", "90211", False),
    ("a missing outward code is not in the level", None, "RM3", False),
    ("nor two missing ones", None, None, False),
]


@pytest.mark.parametrize(("description", "left", "right", "expected"), CASES, ids=[c[0] for c in CASES])
def test_same_postcode_area(description, left, right, expected):
    with duckdb.connect() as con:
        (found,) = con.execute(
            f"SELECT coalesce({POSTCODE_AREA}, false) FROM (SELECT $l::VARCHAR AS postcode_outward_l, $r::VARCHAR AS postcode_outward_r)",
            {"l": left, "r": right},
        ).fetchone()
    assert found is expected, description


def test_area_level_sits_below_outward_code_and_above_else():
    levels = postcode_comparison(tf=False).get_comparison("duckdb").as_dict()["comparison_levels"]
    labels = [level.get("label_for_charts") for level in levels]
    outward, area = labels.index("Same outward code"), labels.index("Same postcode area")
    assert area == outward + 1, "nearer addresses take the pair first"
    assert levels[-1]["sql_condition"] == "ELSE"
    assert area == len(levels) - 2


def test_model_settings_hold_the_level():
    compared = settings(ModelConfig()).create_settings_dict("duckdb")["comparisons"]
    postcode = next(c for c in compared if c["output_column_name"] == "postcode")
    assert POSTCODE_AREA in [level["sql_condition"] for level in postcode["comparison_levels"]]
