"""MASH Link on Spark: standardisation, training and scoring the model, clustering and safeguarding flags.

Each runs from the DuckDB definitions; ``linkage.spark.engine.SparkEngine`` puts them together
for a whole ``mash run`` with ``engine: spark``.
"""

from linkage.spark.cluster import SparkClustered, cluster_on_spark
from linkage.spark.flags import flags_by_component, flags_on_spark, person_components, person_key_edges
from linkage.spark.model_input import SparkModelData, model_input_spark
from linkage.spark.predict import own_pairs_on_spark, predict_on_spark
from linkage.spark.profiles import SparkProfiles, as_rows_spark, collapse_spark
from linkage.spark.render import SparkSql, render_spark
from linkage.spark.standardise import SparkStandardised, run_queue_spark, standardise_on_spark, standardise_source_spark
from linkage.spark.session import local_session, prepare_session
from linkage.spark.splink_api import similarity_jar, splink_api
from linkage.spark.train import train_on_spark

__all__ = [
    "SparkClustered",
    "SparkModelData",
    "SparkProfiles",
    "SparkSql",
    "SparkStandardised",
    "as_rows_spark",
    "cluster_on_spark",
    "collapse_spark",
    "flags_by_component",
    "flags_on_spark",
    "local_session",
    "model_input_spark",
    "person_components",
    "person_key_edges",
    "own_pairs_on_spark",
    "predict_on_spark",
    "prepare_session",
    "render_spark",
    "run_queue_spark",
    "similarity_jar",
    "splink_api",
    "standardise_on_spark",
    "standardise_source_spark",
    "train_on_spark",
]
