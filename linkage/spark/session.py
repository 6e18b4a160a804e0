"""A Spark session with the project's SQL functions and reference tables."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql.functions import udf
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from linkage.pipeline.functions import soundex_code, strip_accents
from linkage.spark.render import SOUNDEX_UDF, STRIP_ACCENTS_UDF
from linkage.spark.splink_api import register_jar_function, similarity_jar
from linkage.standardise.lookups import lookup_tables

#: Settings the rendered steps rely on, whatever the cluster's defaults.
REQUIRED_CONF = {
    # DuckDB's try_strptime gives null for text that does not fit; Spark 3's default
    # policy raises for text the old parser would have read differently.
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    # The steps are written for DuckDB's non-ANSI casts and arithmetic.
    "spark.sql.ansi.enabled": "false",
}


def local_session(work_dir: Path, cores: int = 2, shuffle_partitions: int = 4) -> SparkSession:
    """A Spark session on this machine, for tests and small runs.

    Args:
        work_dir: Scratch directory for Spark's warehouse and local files.
        cores: Local worker threads.
        shuffle_partitions: Partitions after a shuffle (Spark's 200 is far too many here).

    Returns:
        The session, with Splink's similarity jar on its classpath (see
        :func:`linkage.spark.splink_api`); :func:`prepare_session` sets it up for standardisation.
    """
    return start_session(f"local[{cores}]", work_dir, shuffle_partitions)


def start_session(master: str, work_dir: Path, shuffle_partitions: int) -> SparkSession:
    """Start (or join) a session on a master, with the similarity jar on its classpath.

    Args:
        master: Spark master URL (``local[N]``, ``yarn``, ``spark://host:port``).
        work_dir: Scratch directory for Spark's warehouse and local files.
        shuffle_partitions: Partitions after a shuffle.

    Returns:
        The session. If one is already running in this process it is returned as it is:
        Spark keeps one session per process, and its classpath is fixed at start.
    """
    # Python UDFs run in this interpreter, with this environment's packages; pyspark
    # reads the worker's interpreter from the environment, not from the session config.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName("mash-link")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.warehouse.dir", str(work_dir / "warehouse"))
        .config("spark.local.dir", str(work_dir / "local"))
        # Splink's Jaro-Winkler and other similarity functions: only a jar on the classpath at JVM start registers.
        .config("spark.jars", str(similarity_jar()))
    )
    for key, value in REQUIRED_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def prepare_session(spark: SparkSession, nicknames: Mapping[str, str] | None = None) -> None:
    """Register the project's functions and reference tables in a session.

    Args:
        spark: The session (local, or a cluster's).
        nicknames: Nickname overrides, as for :func:`linkage.standardise.create_lookup_tables`.
    """
    for key, value in REQUIRED_CONF.items():
        spark.conf.set(key, value)
    spark.udf.register(SOUNDEX_UDF, udf(soundex_code, StringType()))
    spark.udf.register(STRIP_ACCENTS_UDF, udf(strip_accents, StringType()))
    register_jar_function(spark, "damerau_levenshtein")
    for name, table in lookup_tables(nicknames).items():
        fields = [
            StructField(field.name, ArrayType(StringType()) if field.type.num_fields else StringType())
            for field in table.schema
        ]
        spark.createDataFrame(table.to_pylist(), StructType(fields)).createOrReplaceTempView(name)
