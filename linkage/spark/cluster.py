"""Constrained clustering on Spark, component by component, giving what DuckDB's path gives.

Records are clustered as identity profiles (``linkage.spark.profiles``), as on DuckDB.
Clustering only merges profiles joined by a scored pair or an analyst's confirmation, and a
pair's band only looks at its two records' clusters. So the profiles are split by the
connected components of every scored pair and every decision between two of their records,
and each component is clustered alone, on an executor, by the single-machine code
(:func:`linkage.resolve.run.cluster_records`, then :func:`linkage.resolve.run.clusters_table`)
over its profiles and records sorted by id and its pairs sorted by ids. That is the whole population's
result: edges are merged strongest first, ties broken by position in the id-sorted pairs
(:func:`linkage.resolve.bands.select_edges`), and a component's pairs keep their relative
positions; confirmations are merged in the analysts' order, which each component's share
of the decisions keeps. Records of a profile on no pair and no decision are one-record people.

The per-component work is plain Python over an RDD, not a pandas UDF: with pandas 3 on
Spark 3.5 a null reaches a pandas UDF as NaN.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.broadcast import Broadcast
from pyspark.rdd import RDD
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_type
from pyspark.sql.types import DoubleType, StringType, StructField, StructType
from splink import SparkAPI

from linkage.config import ModelConfig
from linkage.resolve.profiles import Profiles
from linkage.resolve.record_keys import KEY_COLUMNS
from linkage.resolve.run import cluster_records, clusters_table
from linkage.spark.components import COMPONENT, NODE, connected_components
from linkage.spark.profiles import MEMBERS, SparkProfiles

logger = logging.getLogger(__name__)

#: What clustering reads of a record (see ``linkage.resolve.record_keys.record_keys``); the id first.
RECORD_COLUMNS = ("unique_id", *KEY_COLUMNS)

#: What clustering and bands read of a scored pair (see ``linkage.resolve.bands.select_edges``); the ids first.
PAIR_COLUMNS = (
    "unique_id_l", "unique_id_r", "match_weight", "match_probability", "gamma_nhs_number", "gamma_pnc_id", "gamma_forename",
    "gamma_partner",
)

#: One row per record, as ``SparkClustered.clusters``.
CLUSTERS_SCHEMA = StructType([
    StructField("unique_id", StringType(), False),
    StructField("cluster_key", StringType(), False),
    StructField("link_strength", StringType(), False),
    StructField("best_match_probability", DoubleType(), True),
])

_BANDS_SCHEMA = StructType([
    StructField("unique_id_l", StringType(), False),
    StructField("unique_id_r", StringType(), False),
    StructField("band", StringType(), False),
    StructField("reason", StringType(), True),
])

#: Tags of the rows the per-component work yields: a record's cluster, a pair's band, a component's counts.
_RECORD, _PAIR, _COUNTS = "record", "pair", "counts"


@dataclass(frozen=True)
class SparkClustered:
    """Records grouped into people on Spark, and every scored pair with its band and reason.

    Attributes:
        clusters: One row per record (:data:`CLUSTERS_SCHEMA`): ``unique_id``, ``cluster_key``
            (the smallest ``unique_id`` in the record's person), ``link_strength`` (``single``,
            ``strong`` or ``confirmed``) and ``best_match_probability`` (of the record's pairs
            inside its person; null if none).
        pairs: Every scored pair with the columns and types it came with, then ``band`` and
            ``reason`` (strings; reason null for a plain link).
        ambiguous: Records left unlinked because they match two people who cannot be one.
        cached: The per-component results both frames read, kept until :meth:`release`.
        decisions: The analysts' decisions as broadcast to the executors.
    """

    clusters: DataFrame
    pairs: DataFrame
    ambiguous: int
    cached: RDD | None = None
    decisions: Broadcast | None = None

    def release(self) -> None:
        """Free the cached results and the broadcast decisions, once both frames are written.

        A session that outlives the run (a notebook, a shared cluster) keeps them otherwise.
        """
        if self.cached is not None:
            self.cached.unpersist()
        if self.decisions is not None:
            self.decisions.destroy()


def cluster_on_spark(
    api: SparkAPI, profiles: SparkProfiles, pairs: DataFrame, decided: dict[tuple[str, str], str], model: ModelConfig
) -> SparkClustered:
    """Constrained clustering and bands on Spark, as ``linkage.resolve.run.cluster_records`` gives them.

    The per-component results are computed once, here, and kept (memory, spilling to disk)
    for both frames to read.

    Args:
        api: Splink's API over the session (:func:`linkage.spark.splink_api`).
        profiles: The model input grouped into identity profiles
            (:func:`linkage.spark.profiles.collapse_spark`, or ``as_rows_spark``), in any order.
        pairs: Scored pairs as :func:`linkage.spark.predict_on_spark` and
            ``own_pairs_on_spark`` write them (between profiles' representatives, and each
            profile's own pair), in any order.
        decided: Analysts' confirm/reject decisions by (lower id, higher id), as
            ``linkage.resolve.decisions.read_decisions`` reads them, in that order.
        model: The model config (thresholds and constraints).

    Returns:
        Each record's person and link strength, each pair's band, and the ambiguous count.
    """
    started = time.perf_counter()
    spark = api.spark
    records = profiles.listed
    # Components of profiles: a record pair stands for its two profiles (a profile's own pair for itself).
    profile_of = profiles.members
    members = connected_components(api, _edges(spark, profile_of, pairs, decided), "unique_id_l", "unique_id_r").select(
        F.col(NODE).alias("unique_id"), COMPONENT
    )
    broadcast = spark.sparkContext.broadcast(list(decided.items()))
    work = _ComponentWork(
        record_schema=_arrow_schema(records, RECORD_COLUMNS),
        pair_schema=_arrow_schema(pairs, PAIR_COLUMNS),
        decided=broadcast,
        model=model,
    )
    results = _grouped(records, pairs, members).mapPartitions(work).persist(StorageLevel.MEMORY_AND_DISK)
    components, people, ambiguous = results.filter(_tagged(_COUNTS)).map(_untag).fold((0, 0, 0), _add)
    clustered = spark.createDataFrame(results.filter(_tagged(_RECORD)).map(_untag), CLUSTERS_SCHEMA)
    # A profile on no pair is its records apart, each a person of its own (as its own pair, unscored, leaves them).
    alone = profile_of.join(members.withColumnRenamed("unique_id", "profile_id"), "profile_id", "left_anti").select(
        "unique_id",
        F.col("unique_id").alias("cluster_key"),
        F.lit("single").alias("link_strength"),
        F.lit(None).cast(DoubleType()).alias("best_match_probability"),
    )
    banded = spark.createDataFrame(results.filter(_tagged(_PAIR)).map(_untag), _BANDS_SCHEMA)
    logger.info(
        "clustered %d components into %d people (%d ambiguous records) on spark in %.1fs",
        components, people, ambiguous, time.perf_counter() - started,
    )
    return SparkClustered(
        clusters=clustered.unionByName(alone),
        pairs=pairs.join(banded, ["unique_id_l", "unique_id_r"], "left").select(*pairs.columns, "band", "reason"),
        ambiguous=ambiguous,
        cached=results,
        decisions=broadcast,
    )


def _edges(spark: SparkSession, profile_of: DataFrame, pairs: DataFrame, decided: dict[tuple[str, str], str]) -> DataFrame:
    """Every scored pair, and every decision between two of the records, as pairs of their profiles.

    All that clustering reads of two records together. Decisions about records not in this
    run are left out, as ``cluster_records`` leaves them.
    """
    edges = pairs.select("unique_id_l", "unique_id_r")
    if decided:
        edges = edges.unionByName(spark.createDataFrame(list(decided), "unique_id_l string, unique_id_r string"))
    for side in ("unique_id_l", "unique_id_r"):
        edges = edges.join(profile_of.select(F.col("unique_id").alias(side), F.col("profile_id").alias(f"profile_{side}")), side)
    return edges.select(F.col("profile_unique_id_l").alias("unique_id_l"), F.col("profile_unique_id_r").alias("unique_id_r"))


def _grouped(records: DataFrame, pairs: DataFrame, members: DataFrame) -> RDD:
    """Per component: its profiles' (with their record ids) and its pairs' clustering columns, as tuples."""
    keyed_records = records.join(members, "unique_id").select(COMPONENT, *RECORD_COLUMNS, MEMBERS).rdd.map(_keyed)
    by_left = members.withColumnRenamed("unique_id", "unique_id_l")
    # A pair's two records are in one component: its left record's, the lower id, which is a profile's representative.
    keyed_pairs = pairs.join(by_left, "unique_id_l").select(COMPONENT, *PAIR_COLUMNS).rdd.map(_keyed)
    return keyed_records.cogroup(keyed_pairs)


def _arrow_schema(frame: DataFrame, columns: Sequence[str]) -> pa.Schema:
    """The Arrow types of some of a frame's columns, for the tables each component builds."""
    return pa.schema([pa.field(c, to_arrow_type(frame.schema[c].dataType)) for c in columns])


@dataclass(frozen=True)
class _ComponentWork:
    """Clusters each component of a partition; a callable for ``mapPartitions``, run on executors."""

    record_schema: pa.Schema
    pair_schema: pa.Schema
    decided: Broadcast
    model: ModelConfig

    def __call__(self, components: Iterable[tuple[str, tuple[Iterable[tuple], Iterable[tuple]]]]) -> Iterator[tuple]:
        decisions = _Decisions(self.decided.value)
        for _, (record_rows, pair_rows) in components:
            yield from self.cluster(record_rows, pair_rows, decisions)

    def cluster(self, record_rows: Iterable[tuple], pair_rows: Iterable[tuple], decisions: _Decisions) -> Iterator[tuple]:
        """One component's tagged rows: each record's cluster, each pair's band, and its counts."""
        # The orders DuckDB's path gives the whole population: profiles and records by id, pairs by ids.
        rows = sorted(record_rows, key=itemgetter(0))
        records = _table([row[:-1] for row in rows], self.record_schema)
        pairs = _table(sorted(pair_rows, key=itemgetter(0, 1)), self.pair_schema)
        ids = sorted(uid for row in rows for uid in row[-1])
        clustered = cluster_records(_profiles(records, [row[-1] for row in rows], ids), pairs, decisions.among(ids), self.model)
        # Each person is named by its lowest record id: the first of its label, records being sorted by id.
        person_of: dict[int, str] = {}
        for uid, label in zip(ids, clustered.labels, strict=True):
            person_of.setdefault(label, uid)
        table = clusters_table(clustered, person_of)
        columns = ("unique_id", "person_id", "link_strength", "best_match_probability")
        for row in zip(*(table[c].to_pylist() for c in columns), strict=True):
            yield (_RECORD, *row)
        for row in zip(*(clustered.pairs[c].to_pylist() for c in ("unique_id_l", "unique_id_r", "band", "reason")), strict=True):
            yield (_PAIR, *row)
        yield (_COUNTS, 1, len(person_of), clustered.ambiguous)


class _Decisions:
    """The analysts' decisions, found by record, kept in the order they were read."""

    def __init__(self, items: list[tuple[tuple[str, str], str]]) -> None:
        self._items = items
        self._by_left: dict[str, list[int]] = defaultdict(list)
        for position, ((left, _), _) in enumerate(items):
            self._by_left[left].append(position)

    def among(self, ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """The decisions between two of these records, in their original order.

        Confirmations are merged in that order, and which of two confirmations a rejection
        refuses depends on which came first.
        """
        present = set(ids)
        positions = sorted(p for uid in ids for p in self._by_left.get(uid, ()) if self._items[p][0][1] in present)
        return dict(self._items[p] for p in positions)


def _profiles(records: pa.Table, members: list[list[str]], ids: list[str]) -> Profiles:
    """A component's profiles: their representatives' rows (sorted by id), each one's record ids, and all of those sorted."""
    of = {uid: index for index, listed in enumerate(members) for uid in listed}
    return Profiles(records=records, profile_of=np.fromiter((of[uid] for uid in ids), dtype=np.int64, count=len(ids)), unique_ids=pa.array(ids, pa.string()))


def _table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pydict({f.name: [row[i] for row in rows] for i, f in enumerate(schema)}, schema=schema)


def _keyed(row) -> tuple[str, tuple]:
    return row[0], tuple(row[1:])


def _tagged(tag: str):
    def matches(row: tuple) -> bool:
        return row[0] == tag

    return matches


def _untag(row: tuple) -> tuple:
    return row[1:]


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))
