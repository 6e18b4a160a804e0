"""Connected components on Spark, to split whole-population work into independent parts.

Clustering only ever joins records linked by a scored pair, and a flag rule only
looks along shared events and addresses. So each connected component of those
links can be worked on alone, on any executor, with the single-machine code, and
the parts' results together are the whole population's. Splink's connected
components (iterative SQL on the session) finds them.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from splink import SparkAPI
from splink.clustering import cluster_pairwise_predictions_at_threshold

#: Column names of the result.
NODE, COMPONENT = "node", "component"


def connected_components(api: SparkAPI, edges: DataFrame, left: str, right: str) -> DataFrame:
    """Each node on an edge, with the id of its connected component.

    Args:
        api: Splink's SparkAPI on the session (:func:`linkage.spark.splink_api`).
        edges: One row per undirected edge; node ids are strings.
        left: Column of one end.
        right: Column of the other end.

    Returns:
        ``node`` and ``component`` (a string naming the component, the same for every
        node in it), one row per distinct node. Nodes on no edge are not listed.
    """
    pairs = edges.select(F.col(left).cast("string").alias("node_l"), F.col(right).cast("string").alias("node_r"))
    nodes = pairs.select(F.col("node_l").alias(NODE)).union(pairs.select(F.col("node_r").alias(NODE))).distinct()
    clustered = cluster_pairwise_predictions_at_threshold(
        nodes, pairs, db_api=api, node_id_column_name=NODE,
        edge_id_column_name_left="node_l", edge_id_column_name_right="node_r",
    )
    return clustered.as_spark_dataframe().select(NODE, F.col("cluster_id").alias(COMPONENT))
