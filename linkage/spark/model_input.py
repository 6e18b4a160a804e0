"""The model's input on Spark, from canonical records Parquet, and Splink linkers over it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_type
from splink import Linker, SettingsCreator, SparkAPI

from linkage.resolve.linker import MODEL_INPUT
from linkage.spark.render import render_spark
from linkage.store import connect_memory


def model_input_spark(spark: SparkSession, records: Path | str | DataFrame) -> DataFrame:
    """The columns the model reads, from canonical records, as DuckDB's ``model_input`` derives them.

    Args:
        spark: The session.
        records: The records Parquet directory (as :func:`linkage.spark.standardise_on_spark`
            writes it), or the records as a DataFrame.

    Returns:
        One row per record (unordered: Splink does not need an order).

    Raises:
        StepError: The model input's SQL cannot be rendered for Spark.
    """
    frame = records if isinstance(records, DataFrame) else spark.read.parquet(str(records))
    view = _view_name("model_records")
    frame.createOrReplaceTempView(view)
    rendered = render_spark(MODEL_INPUT, view, {view: dict.fromkeys(frame.columns, "TEXT")})
    return spark.sql(rendered.sql, args=rendered.args)


@dataclass(frozen=True)
class SparkModelData:
    """The model input on Spark, as training and scoring read it (see ``linkage.resolve.linker.ModelData``).

    Attributes:
        frame: Output of :func:`model_input_spark`, or its identity profiles
            (:attr:`linkage.spark.profiles.SparkProfiles.sized`).
        api: Splink's API over the frame's session (:func:`linkage.spark.splink_api`); each
            linker gets a new one with its settings.
        weight: The frame's column of records each row stands for (a profile's size), or
            None (one each). Counts are of records, as ``ArrowModelData``'s are, so what is
            counted from them is the same whether records were collapsed into profiles or not;
            the column is not handed to Splink.
    """

    frame: DataFrame
    api: SparkAPI
    weight: str | None = None

    def _count(self) -> Column:
        return (F.count(F.lit(1)) if self.weight is None else F.sum(self.weight).cast("bigint")).alias("count")

    def rows(self) -> int:
        if self.weight is None:
            return self.frame.count()
        return int(self.frame.agg(self._count()).collect()[0][0] or 0)

    def value_counts(self, column: str) -> pa.Table:
        # One row per distinct value reaches the driver: names and postcodes, not records.
        rows = self.frame.where(F.col(column).isNotNull()).groupBy(column).agg(self._count()).collect()
        value_type = to_arrow_type(self.frame.schema[column].dataType)
        return pa.table({
            "value": pa.array([row[0] for row in rows], value_type),
            "count": pa.array([row[1] for row in rows], pa.int64()),
        })

    def value_counts_of(self, columns: Sequence[str]) -> pa.Table:
        # One row per distinct combination reaches the driver, as for value_counts.
        columns = list(columns)
        rows = self.frame.dropna(how="any", subset=columns).groupBy(*columns).agg(self._count()).collect()
        arrays = {
            column: pa.array([row[i] for row in rows], to_arrow_type(self.frame.schema[column].dataType))
            for i, column in enumerate(columns)
        }
        return pa.table({**arrays, "count": pa.array([row[len(columns)] for row in rows], pa.int64())})

    def linker(
        self, settings: SettingsCreator | dict[str, Any], term_frequencies: dict[str, pa.Table] | None = None
    ) -> Linker:
        # A fresh API per linker, as DuckDB gets a fresh database: Splink caches intermediate tables
        # (term frequencies among them) per API, and would hand one linker's to the next.
        api = SparkAPI(
            spark_session=self.api.spark,
            break_lineage_method=self.api.break_lineage_method,
            num_partitions_on_repartition=self.api.num_partitions_on_repartition,
            register_udfs_automatically=False,
        )
        frame = self.frame if self.weight is None else self.frame.drop(self.weight)
        linker = Linker(api.register(frame, table_name=_view_name("mash_records")), settings, log_level=logging.WARNING)
        spark = self.frame.sparkSession
        for column, table in (term_frequencies or {}).items():
            # Spark 3.5 cannot build a DataFrame from Arrow directly; the lookups are small.
            lookup = spark.createDataFrame(table.to_pylist(), from_arrow_schema(table.schema))
            linker.table_management.register_term_frequency_lookup(
                api.register(lookup, table_name=_view_name(f"tf_lookup_{column}")), column
            )
        return linker

    def counting(self) -> duckdb.DuckDBPyConnection:
        return connect_memory()

    def sample(self, fraction: float, seed: int) -> SparkModelData:
        # Kept by a hash of the record id, not DataFrame.sample: Splink reads its input more than once, and
        # sample() keeps rows by their place in a partition, which a shuffle upstream may change between
        # reads, so each read would keep other rows (pairs among them fell to a twentieth, not a quarter).
        # A row is a whole profile (its representative's id), so whole profiles are kept or left.
        bucket = F.pmod(F.xxhash64(F.col("unique_id"), F.lit(seed)), F.lit(_BUCKETS))
        return SparkModelData(self.frame.where(bucket < F.lit(int(fraction * _BUCKETS))), self.api, self.weight)

    def candidate_weights(self, linker: Linker, threshold: float, keep_weight: float | None = None) -> pa.Table:
        # One row per distinct weight (to 0.01) reaches the driver, never the pairs: none are kept (keep_weight unused).
        scored = linker.inference.predict(threshold_match_probability=threshold).as_spark_dataframe()
        scored = scored.select("unique_id_l", "unique_id_r", F.round("match_weight", 2).alias("match_weight"))
        if self.weight is None:
            rows = scored.groupBy("match_weight").agg(F.count(F.lit(1)).cast("double").alias("pairs")).collect()
            own = 0.0
        else:
            # A profile stands for its records: a pair of profiles for every pair of their records,
            # and a profile's own records (identical to the model) are pairs that match.
            sizes = self.frame.select("unique_id", F.col(self.weight).cast("double").alias("size"))
            left = sizes.select(F.col("unique_id").alias("unique_id_l"), F.col("size").alias("size_l"))
            right = sizes.select(F.col("unique_id").alias("unique_id_r"), F.col("size").alias("size_r"))
            weighted = scored.join(left, "unique_id_l").join(right, "unique_id_r")
            rows = weighted.groupBy("match_weight").agg(F.sum(F.col("size_l") * F.col("size_r")).alias("pairs")).collect()
            own = float(self.frame.agg(F.sum(F.col(self.weight) * (F.col(self.weight) - 1) / 2)).collect()[0][0] or 0.0)
        if own:
            rows = [*rows, (float("inf"), own)]
        return pa.table({
            "match_weight": pa.array([float(row[0]) for row in rows], pa.float64()),
            "pairs": pa.array([float(row[1]) for row in rows], pa.float64()),
        })


#: Hash buckets a sampled share is counted in.
_BUCKETS = 1_000_000


def _view_name(prefix: str) -> str:
    """A temporary view name of its own: several linkers may share one session."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
