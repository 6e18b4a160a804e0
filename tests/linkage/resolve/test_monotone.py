"""After training, exact agreement on a field is never weaker evidence than partial agreement on it."""

from __future__ import annotations

import pytest

from linkage.resolve.model import NAMES_SWAPPED
from linkage.resolve.monotone import exact_never_weaker


def _comparison(levels: list[tuple[str, float, float]], **exact_extra) -> dict:
    """A trained comparison: a null level, then (label, m, u) per level, the first exact, the last 'all other'."""
    built = [{"is_null_level": True}]
    for position, (label, m, u) in enumerate(levels):
        level = {"label_for_charts": label, "m_probability": m, "u_probability": u}
        if position == 0:
            level.update(exact_extra)
        built.append(level)
    return {"output_column_name": "dob", "comparison_levels": built}


def _factor(level: dict) -> float:
    return level["m_probability"] / level["u_probability"]


CASES = [
    # (description, levels (label, m, u), extra keys on the exact level, expect raised)
    ("exact weighs less than a year-off level (one error per duplicate): raised",
     [("exact", 0.02, 4.4e-5), ("same year and month", 0.35, 1e-3), ("year differs by one", 0.11, 6.8e-5), ("all other", 0.52, 0.998)], {}, True),
    ("exact already the strongest: left alone",
     [("exact", 0.6, 4.4e-5), ("same year and month", 0.2, 1e-3), ("all other", 0.2, 0.998)], {}, False),
    ("a level comparing one field with another (names swapped) does not count",
     [("exact", 0.4, 1e-2), (NAMES_SWAPPED, 0.01, 1e-7), ("all other", 0.59, 0.99)], {}, False),
    ("an exact level adjusted for term frequency (an average over common and rare names): left alone",
     [("exact", 0.4, 1.6e-2), ("one keystroke apart", 0.05, 2e-4), ("all other", 0.55, 0.98)], {"tf_adjustment_column": "surname"}, False),
    ("an exact level whose m is fixed: left alone",
     [("exact", 0.02, 4.4e-5), ("year differs by one", 0.11, 6.8e-5), ("all other", 0.87, 0.998)], {"fix_m_probability": True}, False),
]


@pytest.mark.parametrize(("description", "levels", "extra", "raised"), CASES, ids=[c[0] for c in CASES])
def test_exact_never_weaker(description, levels, extra, raised):
    settings = {"comparisons": [_comparison(levels, **extra)]}
    result, changed = exact_never_weaker(settings)
    after = [level for level in result["comparisons"][0]["comparison_levels"] if not level.get("is_null_level")]
    assert bool(changed) == raised, description
    assert sum(level["m_probability"] for level in after) == pytest.approx(1.0), "m values still sum to 1"
    if raised:
        partial = [level for level in after[1:-1] if level["label_for_charts"] != NAMES_SWAPPED]
        assert _factor(after[0]) == pytest.approx(max(_factor(level) for level in partial)), "exact now weighs as the strongest"
        assert changed[0].m_after == pytest.approx(after[0]["m_probability"]) and changed[0].m_before == levels[0][1]
        # The others shrink in proportion: their ratios to each other are kept.
        assert after[1]["m_probability"] / after[-1]["m_probability"] == pytest.approx(levels[1][1] / levels[-1][1])
    else:
        assert result == settings, description
    assert settings["comparisons"][0]["comparison_levels"][1]["m_probability"] == levels[0][1], "the input is not changed"


def test_a_fixed_partial_level_keeps_its_m_and_exact_matches_it():
    settings = {"comparisons": [_comparison([("exact", 0.02, 4.4e-5), ("year differs by one", 0.11, 6.8e-5), ("all other", 0.87, 0.998)])]}
    settings["comparisons"][0]["comparison_levels"][2]["fix_m_probability"] = True
    result, _ = exact_never_weaker(settings)
    exact, year, _other = result["comparisons"][0]["comparison_levels"][1:]
    assert year["m_probability"] == 0.11
    assert _factor(exact) == pytest.approx(_factor(year))
    assert sum(level["m_probability"] for level in (exact, year, _other)) == pytest.approx(1.0)
