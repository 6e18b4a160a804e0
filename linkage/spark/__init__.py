"""Standardisation on Spark, from the same step definitions as DuckDB."""

from linkage.spark.render import SparkSql, render_spark
from linkage.spark.run import SparkStandardised, run_queue_spark, standardise_on_spark, standardise_source_spark
from linkage.spark.session import local_session, prepare_session

__all__ = [
    "SparkSql",
    "SparkStandardised",
    "local_session",
    "prepare_session",
    "render_spark",
    "run_queue_spark",
    "standardise_on_spark",
    "standardise_source_spark",
]
