"""Splink's blocking analysis of the configured rules: the comparison budget made visible, and enforced."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Collection
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink import DuckDBAPI, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules, n_largest_blocks

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.pipeline import fetch_arrow, quote_ident
from linkage.resolve.model_inputs import blocking_rules
from linkage.resolve.profiles import collapse
from linkage.resolve.linker import SPLINK_TABLE, model_input
from linkage.store import connect_memory

logger = logging.getLogger(__name__)

#: Share of records sampled on each side when the run counts pairs before predicting:
#: cheap at any size (pairs are counted among 1/400th of them and scaled up), and a rule
#: over its budget is over it by far more than the estimate's noise.
BUDGET_SAMPLE = 0.05


@dataclass(frozen=True)
class RuleCount:
    """Comparisons one blocking rule adds, and the running total."""

    rule: str
    marginal: int
    cumulative: int


def analyse_blocking(con: duckdb.DuckDBPyConnection, model: ModelConfig, sample: float = 1.0) -> list[RuleCount]:
    """Count the candidate pairs each prediction blocking rule generates, in order.

    Counted among identity profiles (``linkage.resolve.profiles``), which are what a run scores.

    Args:
        con: The store connection (its ``records`` are analysed).
        model: The model config naming the rules.
        sample: Share of records sampled on each side (1.0 counts exactly).

    Returns:
        One count per rule: pairs it adds beyond earlier rules, and the total so far.
    """
    return count_rules(collapse(model_input(con, "records", model), model).records, model, sample)


def count_rules(records: pa.Table, model: ModelConfig, sample: float) -> list[RuleCount]:
    """Candidate pairs each prediction blocking rule adds among ``records`` (model input), in order.

    Args:
        records: The model input (records, or identity profiles).
        model: The model config naming the rules.
        sample: Share of records sampled on each side (1.0 counts exactly).
    """
    with connect_memory() as work, warnings.catch_warnings():
        # Splink warns when a sampled rule's count rests on few pairs: a small count, well within any budget.
        warnings.filterwarnings("ignore", message="The sampled blocking analysis estimate")
        frame = DuckDBAPI(connection=work).register(records, table_name=SPLINK_TABLE)
        counts = count_comparisons_from_blocking_rules(
            frame, blocking_rules=blocking_rules(model), link_type="dedupe_only", record_sample_proportion=sample
        )
    return [
        RuleCount(rule=c["blocking_rule"], marginal=int(c["marginal_comparison_count"]), cumulative=int(c["cumulative_comparison_count"]))
        for c in counts
    ]


def check_pair_budget(records: pa.Table, model: ModelConfig, budget: int) -> list[RuleCount]:
    """Stop before predicting if a blocking rule would add more candidate pairs than ``budget``.

    Pairs grow with the square of a block's size: one rule on a value thousands of
    records share (a default DOB the placeholder list misses, a surname with no
    postcode) can exhaust memory. Counted on a sample (:data:`BUDGET_SAMPLE`) with
    Splink's ``count_comparisons_from_blocking_rules``; the offending rule's largest
    block is then measured exactly (``n_largest_blocks``) and given by its size only:
    its values are personal data.

    Args:
        records: What is about to be scored (the identity profiles).
        model: The model config naming the rules.
        budget: The most pairs one rule may add (``resources.pair_budget``).

    Returns:
        The counts (estimates), when every rule is within budget; none (nothing counted)
        when the records make no more pairs in all than the budget.

    Raises:
        MashError: Naming the first rule over budget, its estimated pairs and its largest block.
    """
    possible = records.num_rows * (records.num_rows - 1) // 2
    if possible <= budget:
        # No rule can add more pairs than there are: nothing to count.
        logger.info("blocking: all %s possible pairs are within the budget of %s", f"{possible:,}", f"{budget:,}")
        return []
    counts = count_rules(records, model, BUDGET_SAMPLE if records.num_rows > 1_000 else 1.0)
    for position, count in enumerate(counts):
        if count.marginal <= budget:
            continue
        rule = blocking_rules(model)[position]
        with connect_memory() as work:
            frame = DuckDBAPI(connection=work).register(records, table_name=SPLINK_TABLE)
            largest = n_largest_blocks(frame, blocking_rule=rule, link_type="dedupe_only", n_largest=1).as_record_list()
        block = int(largest[0]["count_l"]) if largest else 0
        raise MashError(
            f"blocking rule {count.rule} would add about {count.marginal:,} candidate pairs, over the budget of "
            f"{budget:,} (resources.pair_budget in the run config); its largest block holds {block:,} records "
            f"({block * (block - 1) // 2:,} pairs). Add a blocking rule that splits that block (or make this rule "
            "stricter), or raise the budget if the machine has the memory"
        )
    logger.info("blocking: %s candidate pairs estimated, every rule within the budget of %s", f"{counts[-1].cumulative:,}" if counts else 0, f"{budget:,}")
    return counts


#: The column marking an incremental run's new and changed records.
_IS_NEW = "_is_new"


def check_added_pair_budget(records: pa.Table, added: Collection[str], model: ModelConfig, budget: int) -> None:
    """Stop an incremental run before scoring if a rule would pair the new records with more than ``budget`` others.

    An incremental run scores its new and changed records against every other record
    and against each other. For each column rule, the pairs that adds are counted from
    group sizes, never formed: per value shared with a new record, new x existing plus
    new pairs among themselves. The count is a rule's own, not the pairs it adds beyond
    earlier rules as the full run's check counts them, so it can only overstate; the
    name-swap rule (not a column rule) is not counted.

    Raises:
        MashError: Naming the first rule over budget, its pairs and its largest block (by size only).
    """
    # Only the blocking columns, marked new or not rather than copied into two tables:
    # copying the model's columns of a million records costs seconds a night.
    is_new = pc.is_in(records["unique_id"], value_set=pa.array(sorted(added), pa.string()))
    records = records.select(sorted({column for columns in model.blocking_rules for column in columns})).append_column(_IS_NEW, is_new)
    with connect_memory() as work:
        work.register("marked_records", records)
        check_marked_pair_budget(work, "marked_records", _IS_NEW, model, budget)


def check_marked_pair_budget(con: duckdb.DuckDBPyConnection, table: str, is_new: str, model: ModelConfig, budget: int) -> None:
    """:func:`check_added_pair_budget` over a table of ``con`` holding the blocking columns and a new-or-not column.

    Args:
        con: The connection holding ``table``.
        table: One row per record (or profile) with every column a configured rule reads.
        is_new: ``table``'s boolean column marking the new and changed rows.
        model: The model config (its blocking rules).
        budget: Pairs a rule may add.

    Raises:
        MashError: Naming the first rule over budget, its pairs and its largest block (by size only).
    """
    for columns in model.blocking_rules:
        keys = ", ".join(quote_ident(column) for column in columns)
        filled = " AND ".join(f"{quote_ident(column)} IS NOT NULL" for column in columns)
        pairs, block = fetch_arrow(
            con,
            "incremental pair budget",
            f"WITH n AS (SELECT {keys}, count(*) AS c FROM {table} WHERE {is_new} AND {filled} GROUP BY ALL), "
            f"e AS (SELECT {keys}, count(*) AS c FROM {table} SEMI JOIN n USING ({keys}) WHERE NOT {is_new} GROUP BY ALL) "
            "SELECT coalesce(sum(n.c * coalesce(e.c, 0) + n.c * (n.c - 1) // 2), 0) AS pairs, "
            f"coalesce(max(n.c + coalesce(e.c, 0)), 0) AS block FROM n LEFT JOIN e USING ({keys})",
        ).to_pylist()[0].values()
        if pairs > budget:
            rule = block_on(*columns).get_blocking_rule("duckdb").blocking_rule_sql
            raise MashError(
                f"blocking rule {rule} would pair the new records with about {pairs:,} others, over the budget of "
                f"{budget:,} (resources.pair_budget in the run config); its largest block holds {block:,} records. "
                "Add a blocking rule that splits that block (or make this rule stricter), or raise the budget if "
                "the machine has the memory"
            )
