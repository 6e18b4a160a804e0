"""Score record pairs on Spark with a saved model, whichever engine trained it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from splink import Linker, SparkAPI

from linkage.resolve.portable import render_settings
from linkage.resolve.profiles import PROFILE_ID, own_pair_settings
from linkage.resolve.linker import kept_columns
from linkage.resolve.train import TrainedModel
from linkage.spark.model_input import SparkModelData
from linkage.spark.profiles import MEMBERS, SIZE, SparkProfiles

logger = logging.getLogger(__name__)


def predict_on_spark(
    api: SparkAPI, model: TrainedModel, records: DataFrame, out_dir: Path | str, review_threshold: float
) -> int:
    """Score candidate pairs at or above the review threshold, as ``linkage.resolve.run.predict`` does on DuckDB.

    The model's comparisons are rendered for Spark from its saved config (see
    :mod:`linkage.resolve.portable`) and its saved term-frequency lookups are used, so
    a pair gets the weight DuckDB gives it.

    Args:
        api: Splink's API over the session (:func:`linkage.spark.splink_api`).
        model: A saved model (``linkage.resolve.train.load_latest_model``).
        records: The model input (:func:`linkage.spark.model_input_spark`).
        out_dir: Parquet directory for the scored pairs (replaced).
        review_threshold: Lowest match probability kept.

    Returns:
        How many pairs were written: one row per pair (``unique_id_l < unique_id_r``,
        unordered), with the columns and types of DuckDB's scored pairs.

    Raises:
        MashError: The model's settings do not match the comparisons defined in code.
    """
    started = time.perf_counter()
    settings = render_settings(model.splink, model.config, api.sql_dialect.sql_dialect_str)
    linker = SparkModelData(records, api).linker(settings, model.term_frequency_tables())
    count = _write_pairs(linker, review_threshold, out_dir)
    logger.info("scored %d pairs with model v%d on spark in %.1fs", count, model.version, time.perf_counter() - started)
    return count


def own_pairs_on_spark(
    api: SparkAPI, model: TrainedModel, profiles: SparkProfiles, out_dir: Path | str, review_threshold: float
) -> int:
    """Each profile of two or more records scored as the pair of its two lowest record ids, as ``profiles.self_pairs`` does on DuckDB.

    Only where scoring the rows would have produced the pair: one of the model's
    prediction rules blocks it (:func:`linkage.resolve.profiles.own_pair_settings`) and it
    reaches the review threshold.

    Args:
        api: Splink's API over the session.
        model: A saved model.
        profiles: The profiles (:func:`linkage.spark.profiles.collapse_spark`).
        out_dir: Parquet directory for the scored pairs (replaced), with the columns of
            :func:`predict_on_spark`'s.
        review_threshold: Lowest match probability kept.

    Returns:
        How many pairs were written (at most one per profile).
    """
    started = time.perf_counter()
    settings = render_settings(model.splink, model.config, api.sql_dialect.sql_dialect_str)
    shared = profiles.listed.where(F.col(SIZE) > 1)
    first = shared.select(*profiles.records.columns, F.col("unique_id").alias(PROFILE_ID))
    second = shared.withColumn("unique_id", F.element_at(MEMBERS, 2)).select(*profiles.records.columns, F.col(MEMBERS)[0].alias(PROFILE_ID))
    linker = SparkModelData(first.unionByName(second), api).linker(own_pair_settings(settings), model.term_frequency_tables())
    count = _write_pairs(linker, review_threshold, out_dir)
    logger.info("scored %d profiles' own pairs on spark in %.1fs", count, time.perf_counter() - started)
    return count


def _write_pairs(linker: Linker, review_threshold: float, out_dir: Path | str) -> int:
    """Score the linker's candidate pairs and write the kept columns as Parquet; how many were written."""
    prediction = linker.inference.predict(threshold_match_probability=review_threshold).as_spark_dataframe()
    # Comparisons are symmetric, so a pair scored right-to-left only needs its ids swapped (as on DuckDB).
    pairs = prediction.select(
        F.least("unique_id_l", "unique_id_r").alias("unique_id_l"),
        F.greatest("unique_id_l", "unique_id_r").alias("unique_id_r"),
        "match_weight",
        "match_probability",
        *kept_columns(prediction.columns),
    )
    pairs.write.mode("overwrite").parquet(str(out_dir))
    return pairs.sparkSession.read.parquet(str(out_dir)).count()
