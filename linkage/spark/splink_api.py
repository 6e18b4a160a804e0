"""Splink on a Spark session: its SparkAPI, its similarity functions and a checkpoint directory."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import jellyfish
from py4j.protocol import Py4JError
from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession
from pyspark.sql.functions import udf
from pyspark.sql.types import DoubleType
from splink import SparkAPI
from splink.backends.spark import similarity_jar_location
from splink.internals.spark.jar_location import get_scala_udfs

from linkage.errors import MashError

#: A function Splink's jar registers, checked after registration.
_JAR_FUNCTION = "jaro_sim"
#: The name Splink's comparisons call Jaro-Winkler by on Spark.
JARO_WINKLER = "jaro_winkler"


def similarity_jar() -> Path:
    """The jar of string-similarity functions that ships inside the installed Splink package.

    It must be on the JVM's classpath when the session starts (``spark.jars``, or
    ``spark-submit --jars``); :func:`linkage.spark.local_session` puts it there.
    """
    return Path(similarity_jar_location())


def register_jar_function(spark: SparkSession, name: str) -> None:
    """Register one of Splink's jar functions (``damerau_levenshtein``) in the session, before any SparkAPI does.

    The standardisation steps call it (``near_forename_groups``) before a Splink linker exists;
    SparkAPI registers the jar's functions only when it is made.

    Raises:
        MashError: The similarity jar is not on the session's classpath.
    """
    _, java_class, return_type = next(u for u in get_scala_udfs() if u[0] == name)
    try:
        spark.udf.registerJavaFunction(name, java_class, return_type)
    except (AnalysisException, Py4JError) as exc:
        raise MashError(
            f"Splink's similarity functions are not registered: start the Spark session with {similarity_jar()} "
            "in spark.jars (or spark-submit --jars)"
        ) from exc


def splink_api(
    spark: SparkSession,
    checkpoint_dir: Path | str,
    jaro_winkler: Literal["duckdb", "jar"] = "duckdb",
    break_lineage: str = "parquet",
) -> SparkAPI:
    """Splink's SparkAPI over a session, ready for the model's comparisons.

    Args:
        spark: A session started with :func:`similarity_jar` on its classpath.
        checkpoint_dir: Where Splink writes the intermediate tables it breaks lineage at
            (a directory every executor can reach: local here, HDFS or object storage on a cluster).
        jaro_winkler: Which Jaro-Winkler the comparisons call. ``duckdb``: a Python function
            giving DuckDB's ``jaro_winkler_similarity`` exactly, so a pair gets the same
            comparison levels, and weight, on both engines. ``jar``: the jar's, faster, but it
            scores some name pairs differently (see docs/scaling.md), which moves those pairs
            across the model's similarity thresholds.
        break_lineage: Splink's ``break_lineage_method``: ``parquet`` writes each large
            intermediate table to ``checkpoint_dir`` and reads it back, which keeps query
            plans short and lets a failed stage restart from disk; ``persist`` keeps them
            in executor memory instead.

    Returns:
        The API, with Splink's similarity functions registered in the session.

    Raises:
        MashError: The similarity jar is not on the session's classpath.
    """
    spark.sparkContext.setCheckpointDir(str(checkpoint_dir))
    api = SparkAPI(spark_session=spark, break_lineage_method=break_lineage)
    # SparkAPI only logs a warning when the jar is missing; the comparisons would then fail mid-run.
    if not spark.catalog.functionExists(_JAR_FUNCTION):
        raise MashError(
            f"Splink's similarity functions are not registered: start the Spark session with {similarity_jar()} "
            "in spark.jars (or spark-submit --jars)"
        )
    if jaro_winkler == "duckdb":
        # Registered after SparkAPI's, so it replaces the jar's function of the same name.
        spark.udf.register(JARO_WINKLER, udf(duckdb_jaro_winkler, DoubleType()))
    return api


def duckdb_jaro_winkler(left: str | None, right: str | None) -> float | None:
    """Jaro-Winkler similarity as DuckDB's ``jaro_winkler_similarity`` gives it; null if either is null."""
    # jellyfish's standard Winkler (prefix up to 4, scale 0.1, boost above 0.7) is DuckDB's.
    if left is None or right is None:
        return None
    return jellyfish.jaro_winkler_similarity(left, right)
