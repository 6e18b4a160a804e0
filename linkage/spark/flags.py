"""Safeguarding flags over the whole population on Spark, one part of the population per graph.

Every flag rule judges a person from their own records and those of people who share
an event or an address with them (and a step or two further out). So the connected
components of the bipartite graph person - key (keys: shared events, addresses and dwellings,
named as :func:`linkage.safeguard.person_keys_sql` names them) are independent:
the graph of a component, built with the whole population's date, raises exactly the
flags the whole graph raises for its people. People on no key (every record its own
event, no address) are components of their own and still raise flags from their own
records.

Components are dealt by hash into parts; each part is one graph built and flagged on
an executor with the single-machine code (:func:`graph.build_graph`,
:func:`graph.run_flags`), since the graph of several disjoint components is their
disjoint union. A graph per component would repeat the pandas set-up of a graph for
every component, most of them a single household. At 1M generated people the largest
component has about 62k of the graph's 1.46M nodes; one executor builds it, in the
part that holds it.

Row order: no rule depends on the order rows reach the graph (toxic trio broke ties
between households by it until ``RULES_VERSION`` 3). Each part's rows still keep the
order of the frames as given, so a part's graph is the whole graph's restricted to its
people, insertion order and all.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable, Iterator
from datetime import date
from operator import itemgetter

import pandas as pd
import pyarrow as pa
from pyspark import RDD
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from splink import SparkAPI

from graph import Flag, FlagRules, build_graph, flag_order, run_flags
from linkage.node_keys import ADDRESS_KEY_SQL, EVENT_KEY_SQL
from linkage.safeguard import DWELLING_KEY_SQL, GRAPH_EVENTS_SCHEMA, GRAPH_PEOPLE_SCHEMA
from linkage.spark.components import COMPONENT, NODE, connected_components

logger = logging.getLogger(__name__)

#: Prefix of person nodes among the keys, so no person id can be taken for a key.
PERSON_NODE = "person:"
#: Parts per core of the session when the caller does not say.
PARTS_PER_CORE = 4
#: Working columns: a row's part, and its position in the frame it came from.
PART, POSITION = "part", "position"


def person_key_edges(events: DataFrame) -> DataFrame:
    """Person - key edges: each person's shared events, addresses and dwellings.

    Args:
        events: The graph's events (columns of :data:`linkage.safeguard.GRAPH_EVENTS_SCHEMA`).

    Returns:
        Distinct ``person`` (``person:<person_id>``) and ``key`` pairs. A record with no
        event id is its own event, so it adds no event key.
    """
    keys = F.array(F.expr(EVENT_KEY_SQL), F.expr(ADDRESS_KEY_SQL), F.expr(DWELLING_KEY_SQL))
    edges = events.alias("r").select(
        F.concat(F.lit(PERSON_NODE), F.col("person_id")).alias("person"), F.explode(keys).alias("key")
    )
    return edges.where(F.col("key").isNotNull()).distinct()


def person_components(api: SparkAPI, people: DataFrame, events: DataFrame) -> DataFrame:
    """Every person with the connected component of shared events and addresses they are in.

    Args:
        api: Splink's SparkAPI on the session (:func:`linkage.spark.splink_api`).
        people: The graph's people (columns of :data:`linkage.safeguard.GRAPH_PEOPLE_SCHEMA`).
        events: The graph's events.

    Returns:
        ``person_id`` and ``component``, one row per person in ``people`` or ``events``;
        a person on no key is alone in a component named after them.
    """
    found = connected_components(api, person_key_edges(events), "person", "key")
    on_keys = found.where(F.col(NODE).startswith(PERSON_NODE)).select(
        F.expr(f"substring({NODE}, {len(PERSON_NODE) + 1})").alias("person_id"), COMPONENT
    )
    everyone = people.select("person_id").union(events.select("person_id")).distinct()
    # A component's name is one of its nodes, so a lone person's own node names nobody else's.
    alone = F.concat(F.lit(PERSON_NODE), F.col("person_id"))
    return everyone.join(on_keys, "person_id", "left").select(
        "person_id", F.coalesce(F.col(COMPONENT), alone).alias(COMPONENT)
    )


def flags_by_component(
    people: DataFrame,
    events: DataFrame,
    components: DataFrame,
    rules: FlagRules,
    as_of: date | None,
    parts: int,
    shared: dict[str, str] | None = None,
) -> list[Flag]:
    """Raise every flag with one graph per part of the components, on the executors.

    Args:
        people: The graph's people.
        events: The graph's events.
        components: From :func:`person_components`.
        rules: Flag thresholds and weights.
        as_of: The whole population's date, given to every part's graph.
        parts: How many graphs to deal the components into (by hash of the component).
        shared: The shared addresses (kind by address key), given to every part's graph.

    Returns:
        Every flag, sorted by :func:`graph.flag_order`.
    """
    part = F.pmod(F.xxhash64(COMPONENT), F.lit(parts)).alias(PART)
    keyed = components.select("person_id", part)
    people_rows = _rows_by_part(people, keyed, GRAPH_PEOPLE_SCHEMA.names)
    event_rows = _rows_by_part(events, keyed, GRAPH_EVENTS_SCHEMA.names)
    raised = people_rows.cogroup(event_rows).flatMap(functools.partial(_part_flags, rules, as_of, shared or {})).collect()
    return sorted(raised, key=flag_order)


def flags_on_spark(
    api: SparkAPI,
    people: DataFrame,
    events: DataFrame,
    rules: FlagRules,
    as_of: date | None,
    parts: int | None = None,
    shared: dict[str, str] | None = None,
) -> list[Flag]:
    """Raise every flag rule over the whole population, as :func:`linkage.safeguard.build_flag_tables` does.

    Args:
        api: Splink's SparkAPI on the session (:func:`linkage.spark.splink_api`).
        people: The graph's people: the columns and types of
            :data:`linkage.safeguard.GRAPH_PEOPLE_SCHEMA` (e.g. Parquet written from
            :func:`linkage.safeguard.graph_people_sql`).
        events: The graph's events: the columns and types of
            :data:`linkage.safeguard.GRAPH_EVENTS_SCHEMA` (from
            :func:`linkage.safeguard.graph_events_sql`).
        rules: Flag thresholds and weights.
        as_of: The date flags are computed at (:func:`linkage.safeguard.flags_as_of`);
            None: the latest event date in ``events``, as :func:`graph.build_graph` takes it.
        parts: Graphs to deal the components into; default: ``PARTS_PER_CORE`` per core.
        shared: The shared addresses, kind by address key (:func:`linkage.safeguard.find_shared_addresses`).

    Returns:
        Every flag, collected to the driver in :func:`graph.run_flags`' order, ready
        for :func:`linkage.safeguard.write_flags`.
    """
    started = time.perf_counter()
    if as_of is None:
        as_of = events.agg(F.max("event_date")).first()[0]
    parts = parts or PARTS_PER_CORE * api.spark.sparkContext.defaultParallelism
    components = person_components(api, people, events).persist()
    try:
        sizes = components.groupBy(COMPONENT).count().agg(F.count("*"), F.max("count")).first()
        logger.info("flags on spark: %d people in %d components (largest %d people), %d parts",
                    components.count(), sizes[0], sizes[1] or 0, parts)
        flags = flags_by_component(people, events, components, rules, as_of, parts, shared)
    finally:
        components.unpersist()
    logger.info("flags on spark: %d flags in %.1f s", len(flags), time.perf_counter() - started)
    return flags


def _rows_by_part(frame: DataFrame, keyed: DataFrame, columns: list[str]) -> RDD:
    """``(part, (position, *columns))`` for each row, its position taken before any shuffle.

    ``monotonically_increasing_id`` rises with Spark's order of the frame's rows
    (partition, then place in it), which is the file's order for a Parquet file.
    """
    placed = frame.select(F.monotonically_increasing_id().alias(POSITION), *columns)
    joined = placed.join(keyed, "person_id").select(PART, POSITION, *columns)
    return joined.rdd.map(lambda row: (row[0], tuple(row[1:])))


def _part_flags(
    rules: FlagRules, as_of: date | None, shared: dict[str, str], group: tuple[int, tuple[Iterable, Iterable]]
) -> Iterator[Flag]:
    """Build one part's graph on an executor and raise its flags."""
    _, (people_rows, event_rows) = group
    if not event_rows:
        # Only people with no records (none in a store): every rule stands on records.
        return
    people = _frame(people_rows, GRAPH_PEOPLE_SCHEMA)
    events = _frame(event_rows, GRAPH_EVENTS_SCHEMA)
    yield from run_flags(build_graph(people, events, data_as_of=as_of, shared_addresses=shared, co_involvement=False), rules)


def _frame(rows: Iterable[tuple], schema: pa.Schema) -> pd.DataFrame:
    """Positioned rows, in the frame's order, as the pandas frame DuckDB's Arrow gives.

    The same conversion :func:`linkage.safeguard.graph_frames` makes, so each
    column has the dtype the DuckDB path gives the graph.
    """
    ordered = sorted(rows, key=itemgetter(0))
    records = [dict(zip(schema.names, row[1:], strict=True)) for row in ordered]
    return pa.Table.from_pylist(records, schema=schema).to_pandas()
