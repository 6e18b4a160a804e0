"""Incremental flags: re-run the flag rules over the neighbourhood of the people a run changed.

Every rule judges a person from their own records and those of people who share
an event or an address with them, and at most one more step out (a victim's other
abusers, a household member's incidents). So the flags that can change are those
of people within two steps of a changed person, plus any flag whose evidence cites a
changed person's record (it may need clearing). Those flags are recomputed on a
graph of everyone within two further steps, which holds all their rules can see;
all other flags stay. Flag ids are then renumbered in the full run's order.
"""

from __future__ import annotations

import logging
import time

import duckdb
import pyarrow as pa

from graph import FlagRules, build_graph, run_flags
from graph.gcpause import gc_paused
from linkage.pipeline import create_table_from_arrow, quote_ident, run_sql
from linkage.safeguarding import FlagReport, graph_frames, person_keys_sql, write_flags
from linkage.store import has_table

logger = logging.getLogger(__name__)

#: Steps (shared event or address) from a changed person to the flags that may change,
#: and from those to everyone the rules may look at.
OWNER_STEPS = 2
CONTEXT_STEPS = 2


def update_flag_tables(
    con: duckdb.DuckDBPyConnection, rules: FlagRules, changed_people: list[str], previous: str
) -> FlagReport:
    """Recompute the flags that the changed people can affect, in place.

    Flags are computed as of the latest event date of the whole population (unless
    the rules fix a date). When new records move that date, every existing flag is
    recomputed too: windows and RFG(V) recency are measured from it, and a flag can
    only weaken or clear as it moves, never appear.

    Args:
        con: A writable copy of the previous results, with clusters and persons updated.
        rules: Flag thresholds and weights.
        changed_people: Person ids (before and after) whose records changed.
        previous: Schema of the previous results (attached), for the date they were computed at.

    Returns:
        Counts by flag code over all flags, and timings.
    """
    seconds = {}
    started = time.perf_counter()
    now, before = run_sql(
        con, "flags_as_of",
        f"SELECT (SELECT max(event_date) FROM records), (SELECT max(event_date) FROM {quote_ident(previous)}.records)",
    ).fetchall()[0]
    moved = rules.as_of is None and now != before
    if rules.as_of is None:
        rules = rules.model_copy(update={"as_of": now})
    create_table_from_arrow(con, "changed_people", pa.table({"person_id": pa.array(changed_people, pa.string())}), temporary=True)
    _update_person_keys(con)
    run_sql(
        con, "flag_owners_seed",
        "CREATE OR REPLACE TEMP TABLE flag_owners AS SELECT person_id FROM changed_people "
        "UNION SELECT f.person_id FROM flags AS f JOIN flag_evidence AS e USING (flag_id) "
        "JOIN clusters AS c ON c.unique_id = e.unique_id WHERE c.person_id IN (SELECT person_id FROM changed_people) "
        "UNION SELECT f.person_id FROM flags AS f JOIN flag_evidence AS e USING (flag_id) "
        "WHERE e.unique_id NOT IN (SELECT unique_id FROM clusters)"
        + (" UNION SELECT person_id FROM flags" if moved else ""),
    )
    _grow(con, "flag_owners", OWNER_STEPS)
    run_sql(con, "flag_context", "CREATE OR REPLACE TEMP TABLE flag_context AS SELECT person_id FROM flag_owners")
    _grow(con, "flag_context", CONTEXT_STEPS)
    run_sql(
        con, "context_clusters",
        "CREATE OR REPLACE TEMP VIEW context_clusters AS SELECT * FROM clusters WHERE person_id IN (SELECT person_id FROM flag_context)",
    )
    run_sql(
        con, "context_persons",
        "CREATE OR REPLACE TEMP VIEW context_persons AS SELECT * FROM persons WHERE person_id IN (SELECT person_id FROM flag_context)",
    )
    people, events = graph_frames(con, "records", "context_clusters", "context_persons")
    owners = {row[0] for row in run_sql(con, "read_flag_owners", "SELECT person_id FROM flag_owners").fetchall()}
    with gc_paused():
        graph = build_graph(people, events, data_as_of=rules.as_of)
        flags = [f for f in run_flags(graph, rules) if f.person_ids[0] in owners]
        del graph
    seconds["flags"] = time.perf_counter() - started
    started = time.perf_counter()
    write_flags(con, flags, "__changes")
    _merge(con)
    seconds["write"] = time.perf_counter() - started
    counts = dict(run_sql(con, "count_flags", "SELECT code::VARCHAR, count(*) FROM flags GROUP BY 1").fetchall())
    (flagged,) = run_sql(con, "count_flagged", "SELECT count(DISTINCT person_id) FROM flags").fetchall()[0]
    logger.info("recomputed the flags of %d people on a graph of %d (date moved: %s)", len(owners), len(people), moved)
    return FlagReport(counts=counts, people=flagged, seconds=seconds)


def _update_person_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Bring ``person_keys`` up to date for the changed people (build it whole if it is missing)."""
    if not has_table(con, "person_keys"):
        run_sql(con, "person_keys", f"CREATE TABLE person_keys AS {person_keys_sql()}")
        return
    run_sql(con, "drop_changed_keys", "DELETE FROM person_keys WHERE person_id IN (SELECT person_id FROM changed_people)")
    run_sql(con, "add_changed_keys", f"INSERT INTO person_keys {person_keys_sql(people='changed_people')}")


def _grow(con: duckdb.DuckDBPyConnection, table: str, steps: int) -> None:
    """Add to ``table`` everyone sharing an event or address with it, ``steps`` times."""
    for step in range(steps):
        run_sql(
            con, f"grow_{table}_{step}",
            f"INSERT INTO {table} SELECT DISTINCT b.person_id FROM person_keys AS a JOIN person_keys AS b USING (k) "
            f"WHERE a.person_id IN (SELECT person_id FROM {table}) AND b.person_id NOT IN (SELECT person_id FROM {table})",
        )


def _merge(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the owners' flags with the recomputed ones and renumber all flags in severity order."""
    run_sql(
        con, "merge_flags",
        "CREATE OR REPLACE TEMP TABLE merged_flags AS "
        "SELECT *, 'kept' AS origin FROM flags WHERE person_id NOT IN (SELECT person_id FROM flag_owners) "
        "UNION ALL BY NAME SELECT *, 'new' AS origin FROM flags__changes",
    )
    run_sql(
        con, "number_flags",
        "CREATE OR REPLACE TEMP TABLE flag_numbers AS SELECT flag_id AS old_id, origin, "
        "row_number() OVER (ORDER BY severity DESC, coalesce(score, 0) DESC, code::VARCHAR, person_ids) AS new_id FROM merged_flags",
    )
    run_sql(
        con, "merge_evidence",
        "CREATE OR REPLACE TEMP TABLE merged_evidence AS "
        "SELECT n.new_id AS flag_id, e.* EXCLUDE (flag_id) FROM flag_evidence AS e JOIN flag_numbers AS n "
        "ON n.old_id = e.flag_id AND n.origin = 'kept' "
        "UNION ALL SELECT n.new_id, e.* EXCLUDE (flag_id) FROM flag_evidence__changes AS e JOIN flag_numbers AS n "
        "ON n.old_id = e.flag_id AND n.origin = 'new'",
    )
    run_sql(con, "clear_flags", "DELETE FROM flags")
    run_sql(
        con, "refill_flags",
        "INSERT INTO flags BY NAME SELECT n.new_id AS flag_id, m.* EXCLUDE (flag_id, origin) FROM merged_flags AS m "
        "JOIN flag_numbers AS n ON n.old_id = m.flag_id AND n.origin = m.origin ORDER BY n.new_id",
    )
    run_sql(con, "clear_evidence", "DELETE FROM flag_evidence")
    run_sql(con, "refill_evidence", "INSERT INTO flag_evidence BY NAME SELECT * FROM merged_evidence ORDER BY flag_id")
    for table in ("flags__changes", "flag_evidence__changes"):
        run_sql(con, f"drop_{table}", f"DROP TABLE {table}")

