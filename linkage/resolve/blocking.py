"""Splink's blocking analysis of the configured rules, so the comparison budget is visible."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from splink import DuckDBAPI
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from linkage.config import ModelConfig
from linkage.resolve.model import blocking_rules
from linkage.resolve.session import SPLINK_TABLE, model_input


@dataclass(frozen=True)
class RuleCount:
    """Comparisons one blocking rule adds, and the running total."""

    rule: str
    marginal: int
    cumulative: int


def analyse_blocking(con: duckdb.DuckDBPyConnection, model: ModelConfig, sample: float = 1.0) -> list[RuleCount]:
    """Count the candidate pairs each prediction blocking rule generates, in order.

    Args:
        con: The store connection (its ``records`` are analysed).
        model: The model config naming the rules.
        sample: Share of records sampled on each side (1.0 counts exactly).

    Returns:
        One count per rule: pairs it adds beyond earlier rules, and the total so far.
    """
    api = DuckDBAPI(connection=duckdb.connect(":memory:"))
    frame = api.register(model_input(con, "records"), table_name=SPLINK_TABLE)
    rules = blocking_rules(model)
    counts = count_comparisons_from_blocking_rules(
        frame, blocking_rules=rules, link_type="dedupe_only", record_sample_proportion=sample
    )
    return [
        RuleCount(rule=c["blocking_rule"], marginal=int(c["marginal_comparison_count"]), cumulative=int(c["cumulative_comparison_count"]))
        for c in counts
    ]
