"""u from random pairs spread over every record, all sampled comparisons in one pass.

Splink's ``estimate_u_using_random_sampling`` takes about sqrt(2 * max_pairs) records (2,000
for 2,000,000 pairs) and compares every one with every other, one comparison at a time, in
chunks of right-hand records, stopping a comparison once each level has 100 pairs. For name
and place levels that is a poor sample: how often a record meets a random other in a level
depends mostly on the record (a common Soundex code, a big town), so the estimate varies
with which 2,000 records were drawn, and far more with the 200 right-hand records of the
first chunk the early stop often ends on (two engines, hashing records into chunks
differently, stopped with one level's u twice apart). It also runs one query per chunk and
comparison, about ninety on a default model.

Here every record takes part: each is hashed (with ``training.seed``) into one of ``B``
buckets and compared with the others in its bucket, ``B`` chosen so that about
``max_pairs`` pairs form. Which records share a bucket is random, so the pairs are random
pairs, as Splink's are; with all records drawn instead of 2,000, the record-to-record
spread that dominates the error averages out over far more of them. All the comparisons
whose u is not fixed are counted in one pass over those pairs, with Splink's own
comparison-vector SQL on the linker's engine (DuckDB or Spark), grouped once by every
comparison's level.

Comparisons whose every level's u is fixed already (an identifier's u counted over all
records, ``fixed_u.identifier_u``) and those whose columns fewer than two records hold are
left out: their levels would be counted and thrown away, or never reached.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from copy import deepcopy

from splink import Linker
from splink.internals.comparison import Comparison
from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT
from splink.internals.m_u_records_to_parameters import append_u_probability_to_comparison_level_trained_probabilities
from splink.internals.blocking import _sql_gen_where_condition
from splink.internals.pipeline import CTEPipeline
from splink.internals.unique_id_concat import _composite_unique_id_from_nodes_sql
from splink.internals.vertically_concatenate import enqueue_df_concat

logger = logging.getLogger(__name__)

#: Column holding a record's bucket in the sampled table.
_BUCKET = "__u_bucket"
#: How Splink's trained-parameter history names u found by random sampling.
_DESCRIPTION = "estimate u by random sampling"


def estimate_u(linker: Linker, max_pairs: int, seed: int | None, unfilled: Collection[str] = ()) -> list[str]:
    """Set u of every comparison level not fixed yet, from about ``max_pairs`` random pairs over all records.

    Args:
        linker: The training linker; its comparisons' u are set in place.
        max_pairs: Random pairs to count (``training.u_max_pairs``).
        seed: Seed of the records' buckets (``training.seed``); None is 0.
        unfilled: Comparisons (output columns) whose columns fewer than two records hold.
            Every pair is in their null level, so no u can be found: they are left out
            (sources without NHS numbers, PNC IDs, sex or DA partners).

    Returns:
        The comparisons (output columns) left out, every level's u fixed.
    """
    comparisons = linker._settings_obj.comparisons
    fixed = [c for c in comparisons if _all_u_fixed(c)]
    sampled = [c.output_column_name for c in comparisons if not _all_u_fixed(c) and c.output_column_name not in unfilled]
    if sampled:
        counts = _bucket_pair_counts(linker, sampled, max_pairs, seed or 0)
        _set_u(linker, counts)
        linker._populate_m_u_from_trained_values()
    return [c.output_column_name for c in fixed]


def buckets_for(record_counts: list[int], max_pairs: int, link_only: bool) -> int:
    """How many buckets make about ``max_pairs`` pairs: pairs in buckets are the possible pairs over ``B``.

    Args:
        record_counts: Records per source (one number for a dedupe).
        max_pairs: Pairs wanted.
        link_only: Only pairs across sources count.
    """
    total = sum(record_counts)
    if link_only:
        possible = (total * total - sum(n * n for n in record_counts)) / 2
    else:
        possible = total * (total - 1) / 2
    return max(1, int(possible // max_pairs))


def _bucket_pair_counts(linker: Linker, sampled: list[str], max_pairs: int, seed: int) -> dict[str, dict[int, int]]:
    """Pairs per level (comparison vector value, -1 for null) of each sampled comparison, over the pairs records make within their buckets."""
    training = deepcopy(linker)
    settings = training._settings_obj
    settings._retain_matching_columns = False
    settings._retain_intermediate_calculation_columns = False
    comparisons = [c for c in settings.comparisons if c.output_column_name in sampled]
    for comparison in comparisons:
        for level in comparison.comparison_levels:
            level._tf_adjustment_column = None  # u is of the level, not of each value
    db_api = training._db_api
    dialect = db_api.sql_dialect
    uid_columns = settings.column_info_settings.unique_id_input_columns
    link_only = settings._link_type == "link_only"

    pipeline = enqueue_df_concat(training, CTEPipeline())
    source = settings.column_info_settings.source_dataset_input_column
    group = f"GROUP BY {source.name}" if link_only else ""
    pipeline.enqueue_sql(f"SELECT count(*) AS n FROM __splink__df_concat {group}", "__splink__u_record_counts")
    counted = db_api.sql_pipeline_to_splink_dataframe(pipeline)
    record_counts = [int(row["n"]) for row in counted.as_record_list()]
    counted.drop_table_from_database_and_remove_from_cache()
    buckets = buckets_for(record_counts, max_pairs, link_only)

    uid_r = _composite_unique_id_from_nodes_sql(uid_columns, "r")
    uid_l = _composite_unique_id_from_nodes_sql(uid_columns, "l")
    # The seed is an int from the config, never record data.
    bucket = dialect.hash_bucket_expression(f"({_composite_unique_id_from_nodes_sql(uid_columns)}) || '#{int(seed)}'", buckets)
    pipeline = enqueue_df_concat(training, CTEPipeline())
    pipeline.enqueue_sql(f"SELECT *, {bucket} AS {_BUCKET} FROM __splink__df_concat", "__splink__u_bucketed")

    blocking_columns: list[str] = []
    for column in uid_columns:
        blocking_columns.extend(column.l_r_names_as_l_r)
    for comparison in comparisons:
        blocking_columns.extend(comparison._columns_to_select_for_blocking())
    selected = ",\n".join([f"{uid_l} AS join_key_l", f"{uid_r} AS join_key_r", *dict.fromkeys(blocking_columns), "'0' AS match_key"])
    where = _sql_gen_where_condition(settings._link_type, uid_columns)
    pipeline.enqueue_sql(
        f"SELECT {selected} FROM __splink__u_bucketed AS l INNER JOIN __splink__u_bucketed AS r "
        f"ON l.{_BUCKET} = r.{_BUCKET} {where}",
        "__splink__blocked_id_pairs",
    )
    vectors = ", ".join(_counting_case(comparison) for comparison in comparisons)
    pipeline.enqueue_sql(f"SELECT {vectors} FROM __splink__blocked_id_pairs", "__splink__df_comparison_vectors")
    # One grouping by every comparison's level at once: Splink's parameter SQL (a union of one
    # grouping per comparison) has every branch read the pairs again, a fifth of the query's time.
    gammas = ", ".join(c._gamma_column_name for c in comparisons)
    pipeline.enqueue_sql(
        f"SELECT {gammas}, count(*) AS pairs FROM __splink__df_comparison_vectors GROUP BY {gammas}", "__splink__u_level_counts"
    )
    counted = db_api.sql_pipeline_to_splink_dataframe(pipeline)
    try:
        patterns = counted.as_record_list()
    finally:
        counted.drop_table_from_database_and_remove_from_cache()
    counts: dict[str, dict[int, int]] = {}
    for comparison in comparisons:
        levels = counts.setdefault(comparison.output_column_name, {})
        for pattern in patterns:
            level = int(pattern[comparison._gamma_column_name])
            levels[level] = levels.get(level, 0) + int(pattern["pairs"])
    logger.info("u counted over %d random pairs in %d buckets", sum(int(p["pairs"]) for p in patterns), buckets)
    return counts


def _set_u(linker: Linker, counts: dict[str, dict[int, int]]) -> None:
    """Each sampled level's u, its pairs over the pairs not null, as Splink sets sampled u (a level no pair reached is marked not observed).

    The else level takes what the other levels leave: one less their u, sampled or fixed. Its
    own count also holds the pairs of fixed levels that no sampled level takes
    (:func:`_counting_case`), so it is not read.
    """
    for comparison in linker._settings_obj.comparisons:
        levels = counts.get(comparison.output_column_name)
        if levels is None:
            continue
        total = sum(pairs for level, pairs in levels.items() if level != -1)
        sampled = [level for level in comparison._comparison_levels_excluding_null if not level._fix_u_probability]
        found: dict[int, dict[str, float | str]] = {}
        for level in sampled:
            pairs = levels.get(level.comparison_vector_value, 0)
            if not level._is_else_level:
                found[level.comparison_vector_value] = {"u_probability": pairs / total if pairs else LEVEL_NOT_OBSERVED_TEXT}
        for level in sampled:
            if level._is_else_level:
                others = [u["u_probability"] for u in found.values() if u["u_probability"] != LEVEL_NOT_OBSERVED_TEXT]
                others += [other.u_probability for other in comparison._comparison_levels_excluding_null if other._fix_u_probability]
                rest = 1.0 - sum(float(u) for u in others if u is not None)
                found[level.comparison_vector_value] = {"u_probability": rest if total and rest > 0 else LEVEL_NOT_OBSERVED_TEXT}
        lookup = {comparison.output_column_name: found}
        for level in sampled:
            append_u_probability_to_comparison_level_trained_probabilities(level, lookup, comparison.output_column_name, _DESCRIPTION)


def _counting_case(comparison: Comparison) -> str:
    """The comparison's level of a pair, for counting the levels whose u is sampled.

    As Splink's CASE, but a level whose u is fixed is tested only on the pairs a later sampled
    level would take (nested under it), so a random pair, nearly always in none, is tested
    against the sampled levels alone. Every sampled level's count is as Splink's CASE gives
    it; the else level's count also takes the fixed levels' pairs no sampled level takes
    (:func:`_set_u` does not read it). Fixed levels were about a third of a default model's
    cost of counting: the swapped, one-keystroke and double-barrelled name levels.
    """
    whens: list[str] = []
    fixed: list[str] = []
    otherwise = "NULL"
    for level in comparison.comparison_levels:
        value = level.comparison_vector_value
        if level._is_else_level:
            otherwise = str(value)
        elif level.is_null_level:
            whens.append(f"WHEN {level.sql_condition} THEN {value}")
        elif level._fix_u_probability:
            fixed.append(f"WHEN {level.sql_condition} THEN {value}")
        else:
            taken = f"CASE {' '.join(fixed)} ELSE {value} END" if fixed else str(value)
            whens.append(f"WHEN {level.sql_condition} THEN {taken}")
    case = f"CASE {' '.join(whens)} ELSE {otherwise} END" if whens else otherwise
    return f"{case} AS {comparison._gamma_column_name}"


def _all_u_fixed(comparison: Comparison) -> bool:
    return all(level._fix_u_probability for level in comparison._comparison_levels_excluding_null)
