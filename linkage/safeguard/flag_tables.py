"""Flags kept in a run's results: the flags, their evidence, the run's flag date and rules, and what changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from graph import RULES_VERSION, FlagRules
from graph.flags import Flag
from graph.gcpause import gc_paused
from linkage.pipeline import create_table_from_arrow, quote_ident, run_sql
from linkage.store import has_table


#: Tables a safeguarding build replaces (built as ``<name>__new``).
SAFEGUARDING_TABLES = ("flags", "flag_evidence", "person_keys", "flag_run", "shared_addresses")


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


def parameters_json(parameters: Mapping[str, Any]) -> str:
    """A flag's parameters as stored: JSON with sorted keys, so equal parameters store equal text."""
    return json.dumps(dict(parameters), default=str, sort_keys=True)


def write_flags(con: duckdb.DuckDBPyConnection, flags: list[Flag], suffix: str = "__new", temporary: bool = False) -> None:
    """Write flags and their evidence; flag ids follow the flags' order (most severe first).

    ``temporary``: as temporary tables, for flags merged into the stored ones (an incremental run's),
    which need not be written to the results file on the way.
    """
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
    # Read straight from the Arrow rows: a staging table in the results file (as before) wrote every
    # flag to its write-ahead log once more, an incremental run's temporary ones included.
    con.register("_flag_rows", flag_rows)
    try:
        # The code column takes the shared enum type, so SQL rejects an unknown flag.
        run_sql(
            con,
            "write_flags",
            f"CREATE OR REPLACE {'TEMP TABLE' if temporary else 'TABLE'} flags{suffix} AS "
            "SELECT * REPLACE (CAST(code AS flag_code) AS code) FROM _flag_rows ORDER BY flag_id",
        )
    finally:
        con.unregister("_flag_rows")
    create_table_from_arrow(con, f"flag_evidence{suffix}", evidence_rows, temporary=temporary)


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
