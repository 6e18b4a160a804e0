"""Standardise extracts on Spark: the same step queue as DuckDB, rendered for Spark."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import NullType

from linkage.config import RunConfig, SourceConfig
from linkage.errors import StepError
from linkage.ingest.run import record_columns
from linkage.pipeline import Step
from linkage.spark.read import CORRUPT, read_extract_spark
from linkage.spark.render import render_spark
from linkage.standardise import note_rows, standardisation_queue
from linkage.standardise.lookups import GROUP_TABLE, NICKNAME_TABLE

logger = logging.getLogger(__name__)

#: Output tables, as Parquet directories under the output directory.
OUTPUT_TABLES = ("records", "quarantine", "dq_notes")


@dataclass(frozen=True)
class SparkStandardised:
    """One source standardised on Spark.

    Attributes:
        records: Usable canonical records, with the records table's columns.
        quarantine: Rows set aside, with the quarantine table's columns.
        dq_notes: One row per data-quality note on a usable record.
        standardised: Every parsed row after the last step: the canonical columns, ``dq``
            and ``quarantine_reason`` (as DuckDB's ``std_<source>`` table).
    """

    records: DataFrame
    quarantine: DataFrame
    dq_notes: DataFrame
    standardised: DataFrame


def run_queue_spark(spark: SparkSession, steps: Sequence[Step], input_view: str, output_view: str) -> DataFrame:
    """Run steps in order on Spark, each over the previous one's temporary view.

    Args:
        spark: A session prepared by :func:`linkage.spark.prepare_session`.
        steps: The queue, as defined for DuckDB.
        input_view: The view the first step reads.
        output_view: The view the last step's output is registered as.

    Returns:
        The last step's output (lazy: Spark computes it when it is written).

    Raises:
        StepError: A step cannot be rendered, or Spark rejects it; names the step.
    """
    lookups = {name: spark.table(name).columns for name in (NICKNAME_TABLE, GROUP_TABLE)}
    current = input_view
    frame = spark.table(input_view)
    for index, step in enumerate(steps):
        target = output_view if index == len(steps) - 1 else f"{output_view}__{index:02d}"
        schema = {current: frame.columns, **lookups}
        rendered = render_spark(step, current, {name: dict.fromkeys(cols, "TEXT") for name, cols in schema.items()})
        try:
            frame = spark.sql(rendered.sql, args=rendered.args)
        except PySparkException as exc:
            logger.error("step %s failed on spark", step.name)
            raise StepError.from_engine(step.name, exc) from exc
        frame.createOrReplaceTempView(target)
        logger.debug("step %s planned on spark", step.name)
        current = target
    return frame


def standardise_source_spark(spark: SparkSession, run: RunConfig, source: SourceConfig) -> SparkStandardised:
    """Read one extract and standardise it on Spark.

    Args:
        spark: A session prepared by :func:`linkage.spark.prepare_session`.
        run: The run config.
        source: The source to read.

    Returns:
        Its records, quarantine and data-quality notes, as DuckDB's ingest builds them.
    """
    path = run.extract_path(source)
    raw = read_extract_spark(spark, source, path)
    raw_view, std_view = f"raw_{source.name}", f"std_{source.name}"
    parsed = raw.where(F.col(CORRUPT).isNull()).drop(CORRUPT) if CORRUPT in raw.columns else raw
    parsed.createOrReplaceTempView(raw_view)
    # Kept once computed: records, quarantine and notes all read it, and the Python UDFs are the slow part.
    std = run_queue_spark(spark, standardisation_queue(source, run), raw_view, std_view).persist()
    usable = std.where(F.col("quarantine_reason").isNull())
    records = usable.select(*record_columns().split(", "))
    dq_notes = run_queue_spark(spark, [note_rows()], std_view, f"notes_{source.name}")
    quarantine = _quarantine(source, path, std, parsed, raw)
    logger.info("source %s: standardisation planned on spark", source.name)
    return SparkStandardised(records=records, quarantine=quarantine, dq_notes=dq_notes, standardised=std)


def standardise_on_spark(spark: SparkSession, run: RunConfig, out_dir: Path) -> dict[str, Path]:
    """Standardise every source of a run on Spark and write the tables as Parquet.

    Args:
        spark: A session prepared by :func:`linkage.spark.prepare_session`.
        run: The run config.
        out_dir: Directory for one Parquet directory per table in :data:`OUTPUT_TABLES`.

    Returns:
        The Parquet directory of each table.

    Raises:
        ExtractError: An extract cannot be read as its config says.
        StepError: A step cannot be rendered or Spark rejects it; or writing failed
            (named ``write_<table>``).
    """
    parts = [standardise_source_spark(spark, run, source) for source in run.sources]
    paths = {}
    for table in OUTPUT_TABLES:
        frames: list[DataFrame] = [getattr(part, table) for part in parts]
        union = frames[0]
        for frame in frames[1:]:
            union = union.unionByName(frame)
        paths[table] = out_dir / table
        write_table(union, paths[table], f"write_{table}")
    return paths


def write_table(frame: DataFrame, path: Path, step: str) -> None:
    """Write a frame as a Parquet directory (replaced), under a step name.

    A column null in every row of the steps (a field no source has) has no type on
    Spark, and Parquet needs one: it is written as text, as a union with a source that
    has the field would type it.

    Raises:
        StepError: Spark failed to write; names the step.
    """
    untyped = {f.name for f in frame.schema.fields if isinstance(f.dataType, NullType)}
    if untyped:
        frame = frame.select(*[F.col(f"`{c}`").cast("string").alias(c) if c in untyped else F.col(f"`{c}`") for c in frame.columns])
    try:
        frame.write.mode("overwrite").parquet(str(path))
    except PySparkException as exc:
        logger.error("step %s failed on spark", step)
        raise StepError.from_engine(step, exc) from exc


def _quarantine(source: SourceConfig, path: Path, std: DataFrame, parsed: DataFrame, raw: DataFrame) -> DataFrame:
    """Unusable records, each with its raw row as JSON, and the lines Spark could not parse."""
    # As DuckDB's to_json of the raw row: source_row first, then the file's columns, nulls kept.
    raw_json = F.to_json(F.struct(*[F.col(f"`{c}`") for c in parsed.columns]), {"ignoreNullFields": "false"})
    rows = parsed.select("source_row", raw_json.alias("raw"))
    unusable = std.where(F.col("quarantine_reason").isNotNull()).select("source_row", "record_id", "quarantine_reason")
    quarantined = unusable.join(rows, "source_row").select(
        F.lit(source.name).alias("source"),
        F.lit(str(path)).alias("file"),
        "source_row",
        "record_id",
        F.lit(None).cast("string").alias("column_name"),
        F.col("quarantine_reason").alias("reason"),
        "raw",
    )
    if CORRUPT not in raw.columns:
        return quarantined
    unparsed = raw.where(F.col(CORRUPT).isNotNull()).select(
        F.lit(source.name).alias("source"),
        F.lit(str(path)).alias("file"),
        "source_row",
        F.lit(None).cast("string").alias("record_id"),
        F.lit(None).cast("string").alias("column_name"),
        F.lit("unparseable CSV row").alias("reason"),
        F.col(CORRUPT).alias("raw"),
    )
    return quarantined.unionByName(unparsed)
