"""Read one extract into a Spark DataFrame of text columns, numbered by data row."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from linkage.config import SourceConfig
from linkage.ingest.header import csv_header
from linkage.ingest.read import check_columns, check_file

#: Spark's name for each encoding a source config may name.
_ENCODINGS = {"utf-8": "UTF-8", "utf-16": "UTF-16", "latin-1": "ISO-8859-1"}

#: Column holding a CSV line Spark could not parse.
CORRUPT = "_mash_corrupt"

#: monotonically_increasing_id puts the partition number above bit 33.
_PARTITION_SHIFT = 33


def read_extract_spark(spark: SparkSession, source: SourceConfig, path: Path) -> DataFrame:
    """Load an extract as text, checked as :func:`linkage.ingest.read.read_extract` checks it.

    Args:
        spark: The session.
        source: The source config.
        path: The extract file.

    Returns:
        ``source_row`` (1-based data row, file order) and the file's columns, all text;
        a CSV extract also has :data:`CORRUPT`, the raw line of a row Spark could not parse.

    Raises:
        ExtractError: Missing or empty file, unreadable header, or a mapped column
            that the file does not have.
    """
    check_file(source, path)
    if source.file_format == "parquet":
        frame = spark.read.parquet(str(path))
        columns = frame.columns
        check_columns(source, path, columns)
        frame = frame.select(*[F.col(f"`{c}`").cast("string").alias(c) for c in columns])
    else:
        columns = csv_header(source, path)
        check_columns(source, path, columns)
        schema = StructType([StructField(c, StringType()) for c in [*columns, CORRUPT]])
        # As DuckDB reads it: header row skipped, every column text, the quote doubled to escape it,
        # quoted fields may span lines.
        frame = (
            spark.read.schema(schema)
            .option("header", True)
            .option("enforceSchema", True)
            .option("sep", source.delimiter)
            .option("quote", source.quote)
            .option("escape", source.quote)
            .option("encoding", _ENCODINGS[source.encoding])
            .option("multiLine", True)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .csv(str(path))
        )
    return _number_rows(spark, frame)


def _number_rows(spark: SparkSession, frame: DataFrame) -> DataFrame:
    """Number rows 1, 2, ... in file order without moving them to one partition."""
    frame = frame.withColumn("_mash_id", F.monotonically_increasing_id())
    part = F.shiftright(F.col("_mash_id"), _PARTITION_SHIFT)
    counts = sorted(frame.groupBy(part.alias("_mash_part")).count().collect())
    offsets, total = [], 0
    for partition, rows in counts:
        offsets.append((partition, total))
        total += rows
    offset_frame = spark.createDataFrame(offsets, "_mash_part long, _mash_offset long")
    within = F.col("_mash_id") - F.shiftleft(F.col("_mash_part"), _PARTITION_SHIFT)
    numbered = frame.withColumn("_mash_part", part).join(F.broadcast(offset_frame), "_mash_part")
    source_row = (F.col("_mash_offset") + within + 1).cast("long").alias("source_row")
    kept = [F.col(f"`{c}`") for c in frame.columns if c != "_mash_id"]
    return numbered.select(source_row, *kept)
