"""Identity profiles on Spark: the model input grouped as ``linkage.resolve.profiles`` groups it.

Records whose keyed columns (:func:`linkage.resolve.profiles.profile_key`, the one
definition) are all equal are one profile, its representative the lowest record id; the
records in an analyst's decision keep a profile of their own. Spark groups by the key
itself (``GROUP BY`` treats nulls as equal, as DuckDB's ``IS NOT DISTINCT FROM`` does), so
no hash check is needed. Profiles are trained on (weighted by their sizes), scored (between
profiles, plus each profile's own pair) and clustered; then each record takes its
profile's person, as on DuckDB.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from linkage.config import ModelConfig
from linkage.resolve.profiles import profile_key

#: Column of a profile's record count (in :attr:`SparkProfiles.sized`).
SIZE = "_profile_size"
#: Column of a profile's record ids, sorted (in :attr:`SparkProfiles.listed`).
MEMBERS = "_profile_members"
#: The key column that keeps an analyst's records apart (their own id, else null), as on DuckDB.
_APART = "_profile_apart"


@dataclass(frozen=True)
class SparkProfiles:
    """The model input grouped into profiles, on Spark.

    Attributes:
        listed: One row per profile: its representative's model input, then :data:`SIZE`
            and :data:`MEMBERS` (every record id of the profile, sorted). Kept (memory,
            spilling to disk) until :meth:`release`.
    """

    listed: DataFrame

    @property
    def records(self) -> DataFrame:
        """One row per profile, its representative's model input: what is scored."""
        return self.listed.drop(SIZE, MEMBERS)

    @property
    def sized(self) -> DataFrame:
        """:attr:`records` with :data:`SIZE`: what is trained on (``SparkModelData(..., weight=SIZE)``)."""
        return self.listed.drop(MEMBERS)

    @property
    def members(self) -> DataFrame:
        """``unique_id`` and ``profile_id`` (its representative's id) of every record: the ``profiles`` table."""
        return self.listed.select(F.explode(MEMBERS).alias("unique_id"), F.col("unique_id").alias("profile_id"))

    def release(self) -> None:
        """Free the kept profiles (a session that outlives the run would keep them)."""
        self.listed.unpersist()


def collapse_spark(records: DataFrame, model: ModelConfig, keep_apart: Collection[str] = ()) -> SparkProfiles:
    """Group records whose keyed columns are all equal (nulls equal to nulls) into profiles.

    Args:
        records: The model input (:func:`linkage.spark.model_input_spark`), in any order.
        model: The model config.
        keep_apart: Record ids that keep a profile of their own (those in an analyst's decision).

    Returns:
        The profiles; each one's representative is its lowest record id.
    """
    key = profile_key(records.columns, model)
    apart = sorted(keep_apart)
    keyed = records.withColumn(_APART, F.when(F.col("unique_id").isin(apart), F.col("unique_id")) if apart else F.lit(None).cast("string"))
    grouped = keyed.groupBy(*key, _APART).agg(
        F.min("unique_id").alias("_profile_id"),
        F.count(F.lit(1)).alias(SIZE),
        F.array_sort(F.collect_list("unique_id")).alias(MEMBERS),
    )
    # The representative's own row: columns outside the key (its event day) are its own, as on DuckDB.
    listed = records.join(
        grouped.select(F.col("_profile_id").alias("unique_id"), SIZE, MEMBERS), "unique_id"
    ).persist(StorageLevel.MEMORY_AND_DISK)
    return SparkProfiles(listed=listed)


def as_rows_spark(records: DataFrame) -> SparkProfiles:
    """Every record its own profile: records scored as rows."""
    listed = records.withColumn(SIZE, F.lit(1).cast("bigint")).withColumn(MEMBERS, F.array(F.col("unique_id")))
    return SparkProfiles(listed=listed)
