"""MASH Link on Spark: standardisation, and Splink's API for the model, from the DuckDB definitions."""

from linkage.spark.render import SparkSql, render_spark
from linkage.spark.run import SparkStandardised, run_queue_spark, standardise_on_spark, standardise_source_spark
from linkage.spark.session import local_session, prepare_session
from linkage.spark.splink_api import similarity_jar, splink_api

__all__ = [
    "SparkSql",
    "SparkStandardised",
    "local_session",
    "prepare_session",
    "render_spark",
    "run_queue_spark",
    "similarity_jar",
    "splink_api",
    "standardise_on_spark",
    "standardise_source_spark",
]
