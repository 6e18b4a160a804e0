"""A trained model's Splink settings, rendered for the engine that runs them.

Splink writes a model's comparisons and blocking rules as SQL in the dialect of the
engine that trained it. Model files keep them in :data:`SAVED_DIALECT` whichever engine
trained the model, so DuckDB reads every model file as it always has. For another
engine the SQL is not translated string by string: it is rendered again from the one
definition in :mod:`linkage.resolve.model`, and the trained parameters (everything in
the settings but SQL) are carried over unchanged. Rendering the definition in the
file's own dialect must give back the file's SQL exactly, which shows the parameters
belong to these comparisons.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.resolve.model import settings

#: Dialect of the SQL in model files.
SAVED_DIALECT = "duckdb"


def render_settings(saved: dict[str, Any], model: ModelConfig | dict[str, Any], dialect: str) -> dict[str, Any]:
    """A trained settings dict with its SQL rendered for another engine.

    Args:
        saved: Splink's settings dict with trained parameters, in any dialect
            (its ``sql_dialect``).
        model: The model config it was trained under (as saved beside it, or parsed).
        dialect: The Splink dialect to render for (``duckdb``, ``spark``).

    Returns:
        A copy of ``saved`` whose comparison levels and blocking rules are in ``dialect``;
        equal to ``saved`` when that is its dialect already.

    Raises:
        MashError: The settings do not have the comparisons, levels or blocking rules the
            model config defines in code (a model from other comparison code: retrain).
    """
    try:
        config = model if isinstance(model, ModelConfig) else ModelConfig.model_validate(model)
    except ValidationError as exc:
        raise MashError(f"the model's saved config is not valid here ({exc.error_count()} errors); retrain the model") from None
    creator = settings(config)
    saved_dialect = saved.get("sql_dialect", SAVED_DIALECT)
    source = creator.create_settings_dict(saved_dialect)
    # Rendering parses every level's SQL (a twentieth of a second): once when the dialects agree.
    target = source if dialect == saved_dialect else creator.create_settings_dict(dialect)
    _check_same_sql(saved, source)
    rendered = copy.deepcopy(saved)
    rendered["sql_dialect"] = dialect
    for comparison, target_comparison in zip(rendered["comparisons"], target["comparisons"], strict=True):
        for level, target_level in zip(comparison["comparison_levels"], target_comparison["comparison_levels"], strict=True):
            level["sql_condition"] = target_level["sql_condition"]
    rendered["blocking_rules_to_generate_predictions"] = [
        {**rule, "blocking_rule": target_rule["blocking_rule"], "sql_dialect": dialect}
        for rule, target_rule in zip(
            rendered["blocking_rules_to_generate_predictions"], target["blocking_rules_to_generate_predictions"], strict=True
        )
    ]
    return rendered


def _check_same_sql(saved: dict[str, Any], rendered: dict[str, Any]) -> None:
    """Raise unless ``saved`` has exactly the SQL the code renders in its dialect."""
    def sql(settings_dict: dict[str, Any]) -> tuple[list, list]:
        levels = [
            (comparison.get("output_column_name"), index, level["sql_condition"])
            for comparison in settings_dict.get("comparisons", [])
            for index, level in enumerate(comparison["comparison_levels"])
        ]
        rules = [rule["blocking_rule"] for rule in settings_dict.get("blocking_rules_to_generate_predictions", [])]
        return levels, rules

    saved_levels, saved_rules = sql(saved)
    code_levels, code_rules = sql(rendered)
    if len(saved_levels) != len(code_levels) or saved_rules != code_rules:
        raise MashError("the model's comparisons or blocking rules differ from the code's; retrain the model")
    for (column, index, condition), (_, _, expected) in zip(saved_levels, code_levels, strict=True):
        if condition != expected:
            raise MashError(f"the model's {column} comparison, level {index}, differs from the code's; retrain the model")
