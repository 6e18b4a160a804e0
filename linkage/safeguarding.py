"""Build the safeguarding graph over resolved people and keep its flags in the store.

``graph/`` works on plain DataFrames and knows no SQL; this module is the bridge: it
reads the resolved records into the graph's input contract and writes the flags back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from graph import RULES_VERSION, FlagRules, build_graph, run_flags
from graph.flags import Flag
from graph.gcpause import gc_paused
from linkage.codes import Role
from linkage.pipeline import create_table_from_arrow, fetch_arrow, quote_ident, run_sql
from linkage.node_keys import ADDRESS_KEY_SQL, EVENT_KEY_SQL
from linkage.shared_addresses import DWELLING_KEY_SQL, find_shared_addresses
from linkage.standardise.lookups import GROUP_TABLE, NICKNAME_TABLE
from linkage.store import has_table, require_table

logger = logging.getLogger(__name__)

#: Tables a safeguarding build replaces (built as ``<name>__new``).
SAFEGUARDING_TABLES = ("flags", "flag_evidence", "person_keys", "flag_run", "shared_addresses")


@dataclass(frozen=True)
class FlagReport:
    """Flags raised by code, and the time taken."""

    counts: dict[str, int]
    people: int
    seconds: dict[str, float]


#: Arrow schema of :func:`graph_frames`' people, as DuckDB hands it over (checked in the tests).
GRAPH_PEOPLE_SCHEMA = pa.schema([
    ("person_id", pa.string()),
    ("dob", pa.date32()),
    ("sex", pa.string()),
    ("agencies", pa.list_(pa.field("l", pa.string()))),
    ("forename", pa.string()),
    ("surname", pa.string()),
    ("names", pa.list_(pa.field("l", pa.list_(pa.field("l", pa.string()))))),
])

#: Arrow schema of :func:`graph_frames`' events, as DuckDB hands it over (checked in the tests).
GRAPH_EVENTS_SCHEMA = pa.schema([
    ("unique_id", pa.string()),
    ("person_id", pa.string()),
    ("link_probability", pa.float64()),
    *((name, pa.string()) for name in ("source", "agency", "record_id", "event_id")),
    ("event_date", pa.date32()),
    ("event_type", pa.string()),
    ("domestic_abuse", pa.bool_()),
    *((name, pa.string()) for name in ("role", "dash_risk", "plan_type", "category", "service", "complaint")),
    *((name, pa.bool_()) for name in ("mental_health", "substance_misuse", "pregnancy")),
    ("postcode", pa.string()),
    ("address", pa.string()),
])


#: Forenames this long or longer are read as a known nickname one keystroke away (shorter: ANN is AMY's neighbour).
FUZZY_FORENAME_LENGTH = 4


def graph_people_sql(persons: str = "persons", records: str = "records", clusters: str = "clusters") -> str:
    """SQL for the graph's people: one row per resolved person, by id (see :func:`graph_frames`).

    ``names`` lists each DA victim's distinct recorded (forename, surname), each
    forename also in its canonical form (a canonical form can mislead: LEE -> ASHLEY) and
    as each name it may stand for (MANDY -> AMANDA, MIRANDA), a forename no list knows also
    as the names of a known nickname one keystroke away (MANDDY -> MANDY's), and a surname
    that is a nickname read as the forename it stands for (ATHERMERE, CLO -> CHLOE,
    ATHERMERE), sorted; the serial rule asks whether two victims of one perpetrator are one person.
    It is null for everyone else, so the graph holds no more names than that rule needs.
    """
    victim = f"CAST(r.role AS VARCHAR) = '{Role.VICTIM}' AND r.domestic_abuse"
    return (
        f"WITH victim_records AS (SELECT r.unique_id, r.forename, r.forename_canonical, r.forename_groups, r.surname "
        f"  FROM {records} AS r JOIN {clusters} AS c USING (unique_id) "
        f"  WHERE c.person_id IN (SELECT c.person_id FROM {records} AS r JOIN {clusters} AS c USING (unique_id) WHERE {victim})), "
        "readings AS ("
        "  SELECT unique_id, unnest([[forename, surname], [forename_canonical, surname], "
        # Read swapped (forename in the surname column), its forename canonical too: CLO ATHERMERE.
        "    [n.canonical, forename]]) AS name "
        f"  FROM victim_records AS r LEFT JOIN {NICKNAME_TABLE} AS n ON n.name = r.surname "
        # Every name the forename may stand for: MANDY is AMANDA's as well as MIRANDA's.
        "  UNION ALL SELECT unique_id, [member, surname] FROM ("
        "    SELECT unique_id, surname, unnest(forename_groups) AS member FROM victim_records) "
        # A forename no list knows, one keystroke from a nickname it does (MANDDY, ELLLA): that nickname's names.
        "  UNION ALL SELECT unique_id, [member, surname] FROM ("
        "    SELECT r.unique_id, r.surname, unnest(g.groups) AS member "
        f"    FROM victim_records AS r JOIN {GROUP_TABLE} AS g "
        f"      ON length(r.forename) >= {FUZZY_FORENAME_LENGTH} AND left(g.name, 1) = left(r.forename, 1) "
        "      AND abs(length(g.name) - length(r.forename)) <= 1 AND damerau_levenshtein(g.name, r.forename) = 1 "
        f"    WHERE r.forename NOT IN (SELECT name FROM {GROUP_TABLE}))), "
        "named AS ("
        "  SELECT c.person_id, list_sort(list(DISTINCT name) FILTER (WHERE list_position(name, NULL) IS NULL)) AS names "
        f"  FROM readings JOIN {clusters} AS c USING (unique_id) GROUP BY c.person_id) "
        "SELECT p.person_id, TRY_CAST(p.dob AS DATE) AS dob, p.sex, p.agencies, p.forename, p.surname, n.names "
        f"FROM {persons} AS p LEFT JOIN named AS n USING (person_id) ORDER BY p.person_id"
    )


def graph_events_sql(records: str = "records", clusters: str = "clusters") -> str:
    """SQL for the graph's events: one row per record with its person, by record id (see :func:`graph_frames`).

    Ordered, so the graph's insertion order is the same from run to run, and the graph
    of any part of the population (an incremental run's neighbourhood, a Spark
    component) meets its rows in the whole graph's order. No rule should depend on that
    order (``tests/graph`` checks the one that did), but nothing then can.
    """
    return (
        "SELECT r.unique_id, c.person_id, "
        "CASE WHEN c.link_strength IN ('single', 'confirmed') THEN 1.0 ELSE coalesce(c.best_match_probability, 1.0) END "
        "AS link_probability, r.source, CAST(r.agency AS VARCHAR) AS agency, r.record_id, r.event_id, r.event_date, "
        "r.event_type, r.domestic_abuse, CAST(r.role AS VARCHAR) AS role, CAST(r.dash_risk AS VARCHAR) AS dash_risk, "
        "CAST(r.plan_type AS VARCHAR) AS plan_type, r.category, r.service, r.complaint, r.mental_health, "
        "r.substance_misuse, r.pregnancy, r.postcode, r.address "
        f"FROM {records} AS r JOIN {clusters} AS c USING (unique_id) ORDER BY r.unique_id"
    )


def graph_frames(
    con: duckdb.DuckDBPyConnection, records: str = "records", clusters: str = "clusters", persons: str = "persons"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The graph's inputs: resolved people and one row per record with its event.

    A record's ``link_probability`` is its best match into its person, 1.0 when it is
    alone or an analyst confirmed the link. The frames come from
    :func:`graph_people_sql` and :func:`graph_events_sql` through Arrow, with
    :data:`GRAPH_PEOPLE_SCHEMA` and :data:`GRAPH_EVENTS_SCHEMA`.

    Returns:
        ``(people, events)`` as the ``graph`` package expects them.
    """
    events = fetch_arrow(con, "graph_events", graph_events_sql(records, clusters)).to_pandas()
    people = fetch_arrow(con, "graph_people", graph_people_sql(persons, records, clusters)).to_pandas()
    return people, events


def build_flag_tables(
    con: duckdb.DuckDBPyConnection,
    rules: FlagRules,
    records: str = "records",
    clusters: str = "clusters",
    persons: str = "persons",
    suffix: str = "__new",
) -> FlagReport:
    """Find the shared addresses, build the graph, run every flag rule and write ``flags`` and ``flag_evidence``.

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
    # Shared addresses make no household: judged over the whole run, before any graph.
    found = find_shared_addresses(con, rules, day, records, clusters, suffix)
    people, events = graph_frames(con, records, clusters, persons)
    # One collector pause over build and rules, and the graph dropped before it ends:
    # the graph holds millions of acyclic objects, so reference counting frees it and
    # no full collection ever scans it (at 1M people each such scan costs seconds).
    with gc_paused():
        graph = build_graph(
            people, events, data_as_of=day, shared_addresses=dict(zip(found["address_key"], found["kind"])), co_involvement=False
        )
        seconds["graph"] = time.perf_counter() - started
        started = time.perf_counter()
        flags = run_flags(graph, rules)
        seconds["flags"] = time.perf_counter() - started
        del graph
    return store_flags(con, flags, day, rules, records, clusters, seconds, suffix)


def store_flags(
    con: duckdb.DuckDBPyConnection,
    flags: list[Flag],
    day: date | None,
    rules: FlagRules,
    records: str = "records",
    clusters: str = "clusters",
    seconds: dict[str, float] | None = None,
    suffix: str = "__new",
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

    Returns:
        Counts by flag code and timings.
    """
    seconds = dict(seconds or {})
    started = time.perf_counter()
    write_flags(con, flags, suffix)
    write_flag_run(con, day, rules, suffix)
    run_sql(con, "person_keys", f"CREATE OR REPLACE TABLE person_keys{suffix} AS {person_keys_sql(records, clusters)}")
    seconds["write"] = time.perf_counter() - started
    counts = Counter(f.code.value for f in flags)
    people = len({f.person_ids[0] for f in flags})
    logger.info("raised %d flags on %d people", len(flags), people)
    return FlagReport(counts=dict(counts), people=people, seconds=seconds)


def flags_as_of(con: duckdb.DuckDBPyConnection, rules: FlagRules, records: str = "records") -> date | None:
    """The date flags are computed at: the config's ``as_of``, else the latest event date in ``records``."""
    if rules.as_of is not None:
        return rules.as_of
    return run_sql(con, "flags_as_of", f"SELECT max(event_date) FROM {quote_ident(records)}").fetchall()[0][0]


def rules_fingerprint(rules: FlagRules) -> str:
    """What stored flags were computed under, apart from the date: rule code version and settings."""
    settings = rules.model_dump_json(exclude={"as_of"})
    return hashlib.sha256(f"{RULES_VERSION}:{settings}".encode()).hexdigest()[:16]


def write_flag_run(con: duckdb.DuckDBPyConnection, day: date | None, rules: FlagRules, suffix: str = "__new") -> None:
    """Record, in ``flag_run``, the date the flags are as of and the rules they were raised under.

    Flags' parameters hold no date of their own, so flags that did not change stay
    identical from night to night; pages read the date from here.
    """
    create_table_from_arrow(con, f"flag_run{suffix}", pa.table({
        "as_of": pa.array([day], pa.date32()),
        "rules": pa.array([rules_fingerprint(rules)], pa.string()),
    }))


def read_flag_run(con: duckdb.DuckDBPyConnection, schema: str | None = None) -> tuple[date | None, str] | None:
    """``(as_of, rules fingerprint)`` of the stored flags, or None when results predate ``flag_run``."""
    table = f"{quote_ident(schema)}.flag_run" if schema else "flag_run"
    if not has_table(con, "flag_run", database=schema):
        return None
    rows = run_sql(con, "read_flag_run", f"SELECT as_of, rules FROM {table}").fetchall()
    return rows[0] if rows else None




def person_keys_sql(records: str = "records", clusters: str = "clusters", people: str | None = None) -> str:
    """SQL for each person's events, addresses and dwellings, keyed as the graph keys its nodes.

    Kept as ``person_keys``: an incremental run walks it to find who shares an event,
    an address or a dwelling (any spelling of one address) with the people it changed.

    Args:
        records: Records table.
        clusters: Clusters table.
        people: A table of ``person_id`` to limit it to, or None for everyone.
    """
    only = f" WHERE c.person_id IN (SELECT person_id FROM {people})" if people else ""
    # Every key from one pass over the records (a UNION of selects would read them once per key).
    return (
        f"SELECT DISTINCT person_id, k FROM (SELECT c.person_id, unnest([{EVENT_KEY_SQL}, {ADDRESS_KEY_SQL}, {DWELLING_KEY_SQL}]) AS k "
        f"FROM {records} AS r JOIN {clusters} AS c USING (unique_id){only}) WHERE k IS NOT NULL"
    )


def parameters_json(parameters: Mapping[str, Any]) -> str:
    """A flag's parameters as stored: JSON with sorted keys, so equal parameters store equal text."""
    return json.dumps(dict(parameters), default=str, sort_keys=True)


def write_flags(con: duckdb.DuckDBPyConnection, flags: list[Flag], suffix: str = "__new") -> None:
    """Write flags and their evidence; flag ids follow the flags' order (most severe first)."""
    # Hundreds of thousands of small tuples and strings, none in a cycle: at 1M people the
    # collector's full passes over them cost more than building the tables.
    with gc_paused():
        flag_rows = pa.table({
            "flag_id": pa.array(range(1, len(flags) + 1), pa.int64()),
            "code": pa.array([f.code.value for f in flags], pa.string()),
            "person_id": pa.array([f.person_ids[0] for f in flags], pa.string()),
            "person_ids": pa.array([list(f.person_ids) for f in flags], pa.list_(pa.string())),
            "rule": pa.array([f.rule for f in flags], pa.string()),
            "parameters": pa.array([parameters_json(f.parameters) for f in flags], pa.string()),
            "agencies": pa.array([list(f.agencies) for f in flags], pa.list_(pa.string())),
            "cross_agency": pa.array([f.cross_agency for f in flags], pa.bool_()),
            "weakest_link": pa.array([f.weakest_link for f in flags], pa.float64()),
            "severity": pa.array([f.severity for f in flags], pa.int32()),
            "score": pa.array([f.score for f in flags], pa.float64()),
            "evidence_records": pa.array([len(f.evidence) for f in flags], pa.int32()),
        })
        evidence = [(i, e) for i, f in enumerate(flags, start=1) for e in f.evidence]
        evidence_rows = pa.table({
            "flag_id": pa.array([i for i, _ in evidence], pa.int64()),
            "unique_id": pa.array([e.unique_id for _, e in evidence], pa.string()),
            "agency": pa.array([e.agency for _, e in evidence], pa.string()),
            "source": pa.array([e.source for _, e in evidence], pa.string()),
            "record_id": pa.array([e.record_id for _, e in evidence], pa.string()),
            "event_date": pa.array([e.event_date for _, e in evidence], pa.date32()),
            "role": pa.array([e.role for _, e in evidence], pa.string()),
            "description": pa.array([e.description for _, e in evidence], pa.string()),
            "link_probability": pa.array([e.link_probability for _, e in evidence], pa.float64()),
        })
    create_table_from_arrow(con, "flags_staging", flag_rows)
    try:
        # The code column takes the shared enum type, so SQL rejects an unknown flag.
        run_sql(
            con,
            "write_flags",
            f"CREATE OR REPLACE TABLE flags{suffix} AS "
            "SELECT * REPLACE (CAST(code AS flag_code) AS code) FROM flags_staging ORDER BY flag_id",
        )
    finally:
        run_sql(con, "drop_flags_staging", "DROP TABLE IF EXISTS flags_staging")
    create_table_from_arrow(con, f"flag_evidence{suffix}", evidence_rows)


#: The table, kept with each run's results, of the flags (code and person) that run raised and cleared.
FLAG_CHANGES = "flag_changes"


def write_flag_changes(
    con: duckdb.DuckDBPyConnection, flags: str, person_ids: str, previous: str | None, target: str = FLAG_CHANGES
) -> dict[str, int]:
    """Write which flags a run raised and cleared, against the previous run's, and count them.

    A flag is a code on a person, as decisions on flags are keyed. The previous run's
    person ids are read through this run's ``person_ids``, so a person merged into
    another keeps their flags' history instead of showing one cleared and one raised.
    With no previous results, every flag is raised.

    Args:
        con: The run's results connection (the previous results attached as ``previous``).
        flags: This run's flags table.
        person_ids: This run's person id registry.
        previous: Schema of the previous results, or None for a first run.
        target: The table to write (``change``, ``code``, ``person_id``, ``severity``, ``rule``, and
            ``first_run``: true on every row when there was no previous run).

    Returns:
        ``flags_raised`` and ``flags_cleared``.
    """
    before = (
        "SELECT CAST(f.code AS VARCHAR) AS code, "
        "coalesce(CASE WHEN i.status = 'alias' THEN i.alias_of END, f.person_id) AS person_id, f.severity, f.rule "
        f"FROM {quote_ident(previous)}.flags AS f LEFT JOIN {quote_ident(person_ids)} AS i USING (person_id)"
        if previous is not None and has_table(con, "flags", database=previous)
        else "SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS person_id, NULL::INTEGER AS severity, NULL::VARCHAR AS rule WHERE false"
    )
    latest = "max(severity) AS severity, arg_max(rule, severity) AS rule"
    run_sql(
        con,
        "write_flag_changes",
        f"CREATE OR REPLACE TABLE {quote_ident(target)} AS "
        f"WITH now AS (SELECT CAST(code AS VARCHAR) AS code, person_id, {latest} FROM {quote_ident(flags)} GROUP BY ALL), "
        f"before AS (SELECT code, person_id, {latest} FROM ({before}) GROUP BY ALL) "
        "SELECT 'raised' AS change, *, $first AS first_run FROM now ANTI JOIN before USING (code, person_id) "
        "UNION ALL SELECT 'cleared' AS change, *, $first FROM before ANTI JOIN now USING (code, person_id) "
        "ORDER BY change DESC, severity DESC, code, person_id",
        {"first": previous is None},
    )
    counts = dict(run_sql(con, "count_flag_changes", f"SELECT change, count(*) FROM {quote_ident(target)} GROUP BY change").fetchall())
    return {"flags_raised": int(counts.get("raised", 0)), "flags_cleared": int(counts.get("cleared", 0))}


def list_flags(
    con: duckdb.DuckDBPyConnection,
    codes: list[str] | None = None,
    agencies: list[str] | None = None,
    limit: int = 50,
    *,
    decisions: pd.DataFrame | None = None,
    statuses: list[str] | None = None,
) -> tuple[int, list[dict]]:
    """Flags, most severe first, filtered by flag code, contributing agency and decision.

    Args:
        con: The store connection.
        codes: Keep only these flag codes.
        agencies: Keep only flags with evidence from one of these agencies.
        limit: Rows to return.
        decisions: The decisions in force (``linkage.accountability.flag_decisions.decisions_in_force``);
            None: every flag is new.
        statuses: Keep only flags with one of these statuses (``new``, ``under_review``, ``actioned``).

    Returns:
        The number of matching flags and the first ``limit`` of them: code, person_id
        with the person's name and dob, rule, agencies, cross_agency, weakest_link,
        severity, score, status and outcome.

    Raises:
        MashError: There are no flags yet, or a code, agency or status is unknown.
    """
    from graph import FlagCode
    from linkage.codes import Agency
    from linkage.errors import MashError
    from linkage.accountability.flag_decisions import STATUS_LABELS, in_force_table

    require_table(con, "flags")
    for kind, given, known in (
        ("flag code", codes, [c.value for c in FlagCode]),
        ("agency", agencies, [a.value for a in Agency]),
        ("status", statuses, list(STATUS_LABELS)),
    ):
        unknown = sorted(set(given or ()) - set(known))
        if unknown:
            raise MashError(f"unknown {kind}(s) {unknown}; use one of {known}")
    where = (
        "($codes IS NULL OR CAST(f.code AS VARCHAR) IN (SELECT unnest($codes))) "
        "AND ($agencies IS NULL OR len(list_intersect(f.agencies, $agencies)) > 0) "
        "AND ($statuses IS NULL OR coalesce(d.status, 'new') IN (SELECT unnest($statuses)))"
    )
    joined = (
        "FROM flags AS f LEFT JOIN persons AS p USING (person_id) "
        "LEFT JOIN flag_decisions_in_force AS d ON d.flag_code = CAST(f.code AS VARCHAR) AND d.person_id = f.person_id"
    )
    params = {"codes": codes, "agencies": agencies, "statuses": statuses}
    con.register("flag_decisions_in_force", in_force_table(decisions if decisions is not None else pd.DataFrame()))
    try:
        total = run_sql(con, "count_flags", f"SELECT count(*) {joined} WHERE {where}", params).fetchall()[0][0]
        cursor = run_sql(
            con,
            "list_flags",
            "SELECT CAST(f.code AS VARCHAR) AS code, f.person_id, concat_ws(' ', p.forename, p.surname) AS name, "
            "TRY_CAST(p.dob AS DATE) AS dob, f.rule, f.agencies, f.cross_agency, f.weakest_link, f.severity, f.score, "
            f"coalesce(d.status, 'new') AS status, d.outcome {joined} WHERE {where} ORDER BY f.flag_id LIMIT $limit",
            {**params, "limit": limit},
        )
        names = [d[0] for d in cursor.description]
        return total, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.unregister("flag_decisions_in_force")
