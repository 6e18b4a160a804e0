"""A saved model's settings rendered for another engine: SQL re-rendered, parameters carried over."""

from __future__ import annotations

import copy

import pytest
import sqlglot

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.resolve import model as model_definition
from linkage.resolve.portable import SAVED_DIALECT, render_settings

CONFIG = ModelConfig()


def _trained(dialect: str = SAVED_DIALECT) -> dict:
    """Settings as Splink saves a trained model: SQL in one dialect, a parameter on every level."""
    saved = model_definition.settings(CONFIG).create_settings_dict(dialect)
    saved["sql_dialect"] = dialect
    saved["probability_two_random_records_match"] = 0.00123
    for c, comparison in enumerate(saved["comparisons"]):
        for i, level in enumerate(comparison["comparison_levels"]):
            level["m_probability"], level["u_probability"] = 0.01 * (c + 1), 0.001 * (i + 1)
    return saved


def _conditions(settings: dict) -> list[str]:
    return [level["sql_condition"] for c in settings["comparisons"] for level in c["comparison_levels"]]


def _parameters(settings: dict) -> list:
    return [settings["probability_two_random_records_match"]] + [
        (level.get("m_probability"), level.get("u_probability")) for c in settings["comparisons"] for level in c["comparison_levels"]
    ]


def test_duckdb_custom_levels_render_as_written():
    conditions = _conditions(_trained())
    for sql in (model_definition.NAMES_SWAPPED_FUZZY, model_definition.FORENAME_IS_MIDDLE, model_definition.DOB_EXACT, model_definition.DOB_SWAPPED,
                model_definition.DOB_SAME_MONTH, model_definition.DOB_DEFAULT_JAN1, model_definition.DOB_SAME_DAY,
                model_definition.DOB_YEAR_TYPO, model_definition.DOB_ONE_KEYSTROKE,
                model_definition.POSTCODE_SECTOR):
        assert sql in conditions


def test_rendering_in_the_saved_dialect_changes_nothing():
    saved = _trained()
    assert render_settings(saved, CONFIG, SAVED_DIALECT) == saved


def test_spark_gets_spark_sql_and_the_same_parameters():
    saved = _trained()
    spark = render_settings(saved, CONFIG, "spark")
    assert spark["sql_dialect"] == "spark"
    assert _parameters(spark) == _parameters(saved)
    conditions = " ".join(_conditions(spark)).lower()
    assert "jaro_winkler(forename_l, surname_r) >= 0.9 and (jaro_winkler(surname_l, forename_r) >= 0.9" in conditions, (
        "the jar's Jaro-Winkler function, called as DuckDB's is"
    )
    assert "arrays_overlap(surname_groups_l, forename_groups_r)" in conditions, "Spark's name for DuckDB's list_has_any"
    for duckdb_only in ("jaro_winkler_similarity", "jarowinkler", "list_contains", "string_split", "list_intersect", "list_has_any", "&&"):
        assert duckdb_only not in conditions
    for sql in _conditions(spark):
        if sql != "ELSE":
            sqlglot.parse_one(sql, read="spark")
    assert all(rule["sql_dialect"] == "spark" for rule in spark["blocking_rules_to_generate_predictions"])


def test_a_spark_model_renders_back_to_the_saved_dialect():
    assert render_settings(render_settings(_trained(), CONFIG, "spark"), CONFIG, SAVED_DIALECT) == _trained()
    assert render_settings(_trained("spark"), CONFIG, SAVED_DIALECT) == _trained()


def test_model_config_may_be_the_saved_json():
    saved = _trained()
    assert render_settings(saved, CONFIG.model_dump(mode="json"), "spark") == render_settings(saved, CONFIG, "spark")


def test_settings_from_other_comparison_code_are_refused():
    saved = _trained()
    changed = copy.deepcopy(saved)
    changed["comparisons"][2]["comparison_levels"][2]["sql_condition"] = "dob_l = dob_r"
    with pytest.raises(MashError, match="dob comparison, level 2"):
        render_settings(changed, CONFIG, "spark")
    fewer_rules = copy.deepcopy(saved)
    fewer_rules["blocking_rules_to_generate_predictions"].pop()
    with pytest.raises(MashError, match="blocking rules"):
        render_settings(fewer_rules, CONFIG, "spark")
