"""A full run's safeguarding stage: the graph over every resolved person, every flag rule, the flags stored."""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import duckdb

from graph import FlagRules, build_graph, run_flags
from graph.flags import Flag
from graph.gcpause import gc_paused
from linkage.pipeline import run_sql
from linkage.safeguard.flag_tables import flags_as_of, write_flag_run, write_flags
from linkage.safeguard.graph_input import graph_frames, stored_person_keys_sql
from linkage.safeguard.shared_addresses import find_shared_addresses

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlagReport:
    """Flags raised by code, and the time taken."""

    counts: dict[str, int]
    people: int
    seconds: dict[str, float]


def build_flag_tables(
    con: duckdb.DuckDBPyConnection,
    rules: FlagRules,
    records: str = "records",
    clusters: str = "clusters",
    persons: str = "persons",
    suffix: str = "__new",
) -> FlagReport:
    """Find the shared addresses, build the graph, run every flag rule and write ``flags`` and ``flag_evidence``.

    When ``records`` and ``clusters`` are catalog tables, the shared addresses and
    ``person_keys`` are found through cursors of their own while the graph is built
    (temporary tables and views, which no other cursor sees, are read on ``con``).

    Args:
        con: The store connection.
        rules: Flag thresholds and weights.
        records: Records table to read.
        clusters: Clusters table to read.
        persons: Persons table to read.
        suffix: Appended to the output table names.

    Returns:
        Counts by flag code and timings.
    """
    seconds = {}
    started = time.perf_counter()
    day = flags_as_of(con, rules, records)
    if day is None:
        find_shared_addresses(con, rules, day, records, clusters, suffix)
        # No dated event and no as_of (a benchmark's person file): no rule can fire, so no graph is built.
        logger.warning("no event has a date and no as_of is set: no flag rule can apply")
        return store_flags(con, [], day, rules, records, clusters, seconds, suffix)
    people, events = graph_frames(con, records, clusters, persons)
    # Shared addresses make no household: judged over the whole run, before any lives_at edge.
    # Neither they nor person_keys need the graph: when other cursors can read the inputs,
    # DuckDB finds them on its own threads, one after the other, while this thread builds
    # the graph's person and event nodes (which need no shared address) and runs the rules.
    apart = _catalog_tables(con, records, clusters)
    with ThreadPoolExecutor(max_workers=1) as pool:
        if apart:
            found = pool.submit(_shared_kinds, con, rules, day, records, clusters, suffix)
            keys = pool.submit(write_person_keys, con, records, clusters, suffix)
            shared = found.result
        else:
            shared, keys = _shared_kinds(con, rules, day, records, clusters, suffix, cursor=False), None
        # One collector pause over build and rules, and the graph dropped before it ends:
        # the graph holds millions of acyclic objects, so reference counting frees it and
        # no full collection ever scans it (at 1M people each such scan costs seconds).
        with gc_paused():
            graph = build_graph(people, events, data_as_of=day, shared_addresses=shared, co_involvement=False)
            seconds["graph"] = time.perf_counter() - started
            started = time.perf_counter()
            flags = run_flags(graph, rules)
            seconds["flags"] = time.perf_counter() - started
            del graph
        return store_flags(con, flags, day, rules, records, clusters, seconds, suffix, person_keys=keys)


def _shared_kinds(
    con: duckdb.DuckDBPyConnection,
    rules: FlagRules,
    day: date,
    records: str,
    clusters: str,
    suffix: str,
    cursor: bool = True,
) -> dict[str, str]:
    """Find and write the shared addresses (through a cursor of its own, if ``cursor``): kind by address key."""
    reader = con.cursor() if cursor else con
    try:
        found = find_shared_addresses(reader, rules, day, records, clusters, suffix)
    finally:
        if cursor:
            reader.close()
    return dict(zip(found["address_key"], found["kind"]))


def write_person_keys(
    con: duckdb.DuckDBPyConnection, records: str = "records", clusters: str = "clusters", suffix: str = "__new"
) -> None:
    """Write ``person_keys`` (see :func:`~linkage.safeguard.graph_input.stored_person_keys_sql`) through a cursor of its own."""
    cursor = con.cursor()
    try:
        run_sql(cursor, "person_keys", f"CREATE OR REPLACE TABLE person_keys{suffix} AS {stored_person_keys_sql(records, clusters)}")
    finally:
        cursor.close()


def _catalog_tables(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    """Whether none of ``names`` is a temporary table or view, which another cursor would not see."""
    (temporary,) = run_sql(
        con,
        "flag_inputs_temporary",
        "SELECT count(*) FROM (SELECT table_name AS name FROM duckdb_tables() WHERE temporary "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary) WHERE name IN $names",
        {"names": list(names)},
    ).fetchall()[0]
    return temporary == 0


def store_flags(
    con: duckdb.DuckDBPyConnection,
    flags: list[Flag],
    day: date | None,
    rules: FlagRules,
    records: str = "records",
    clusters: str = "clusters",
    seconds: dict[str, float] | None = None,
    suffix: str = "__new",
    person_keys: Future | None = None,
) -> FlagReport:
    """Write every flag, the date and rules they were raised under, and ``person_keys``.

    Args:
        con: The store connection.
        flags: Every flag of the population, in :func:`graph.run_flags`' order.
        day: The date they are as of.
        rules: The rules they were raised under.
        records: Records table, for ``person_keys``.
        clusters: Clusters table, for ``person_keys``.
        seconds: Timings so far, to which the write's is added.
        suffix: Appended to the output table names.
        person_keys: ``person_keys`` being written already (by :func:`write_person_keys`), to wait for;
            None: written here.

    Returns:
        Counts by flag code and timings.
    """
    seconds = dict(seconds or {})
    started = time.perf_counter()
    write_flags(con, flags, suffix)
    write_flag_run(con, day, rules, suffix)
    if person_keys is None:
        run_sql(con, "person_keys", f"CREATE OR REPLACE TABLE person_keys{suffix} AS {stored_person_keys_sql(records, clusters)}")
    else:
        person_keys.result()
    seconds["write"] = time.perf_counter() - started
    counts = Counter(f.code.value for f in flags)
    people = len({f.person_ids[0] for f in flags})
    logger.info("raised %d flags on %d people", len(flags), people)
    return FlagReport(counts=dict(counts), people=people, seconds=seconds)
