"""Incremental flags: re-run the flag rules over the neighbourhood of the people a run changed.

Every rule judges a person from their own records and those of people who share
an event, an address or a dwelling (``person_keys``) with them, and at most one more step out (a victim's other
abusers, a household member's incidents), but for the dangerous place's, which reads one
step further through its incidents (the latest victim, their incident, the place, an
earlier incident's parties: :func:`~linkage.safeguard.walk.place_step`). So the flags that
can change are those of people within two steps of a changed person or three through such
incidents, plus any flag whose evidence cites a changed person's record (it may need
clearing). Those flags are recomputed on a graph of everyone within two further steps, and
one more through such incidents, which holds all their rules can see; all other flags
stay. Flag ids are then renumbered in the full run's order.

When the date flags are computed at moves (new records are the newest, or a set
as_of moves), a record whose date crosses a window's start between the two dates, or
its end (dated after one date and on or before the other: as_of set before the newest
record), changes flags just as an edited record would, and so does a person who turns
18; their people join the changed ones. Other flags stay as they were, except that scores that decay with
time (RFG(V) recency) are recomputed from the flag's own parameters. Flags raised
under other rules (settings or rule code) are all recomputed.

Shared addresses (refuges, hostels) are judged again where a verdict can change (the areas of
the changed people's records, and of records the date's move carries across the verdicts'
window): an address that becomes shared, or stops being, changes the households of everyone
recorded there, so they join the changed people too. No rule reads one person through another's
record at a shared address (the graph draws no ``lives_at`` edge to one), so the walks out from the
changed people step through no shared address, nor through a dwelling all of whose
spellings are shared (:func:`~linkage.safeguard.walk.write_walk_skips`): a hostel's dozens of unrelated residents are
not each other's neighbours, and at a million people such steps more than doubled the
people judged and the graph they are judged on.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date

import duckdb
import pyarrow as pa

from graph import RESCORERS, FlagCode, FlagRules, births_crossed, build_graph, dates_crossed, run_flags
from graph.gcpause import gc_paused
from linkage.pipeline import create_table_from_arrow, quote_ident, run_sql
from linkage.node_keys import ADDRESS_KEY_SQL
from linkage.safeguard.build import FlagReport, build_flag_tables
from linkage.safeguard.flag_tables import (
    SAFEGUARDING_TABLES, flags_as_of, parameters_json, read_flag_run, rules_fingerprint, write_flag_run, write_flags,
)
from linkage.safeguard.graph_input import GRAPH_PERSONS_COLUMNS, graph_frames, stored_person_keys_sql
from linkage.safeguard.shared_addresses import (
    AREA_SQL, SHARED_TABLE, find_shared_addresses, in_window_sql, key_area_sql, read_shared_addresses, window_since,
)
from linkage.safeguard.walk import grow, place_step, write_place_events, write_walk_skips
from linkage.store import checkpoint_meanwhile, swap_in

logger = logging.getLogger(__name__)

#: Steps (shared event or address) from a changed person to the flags that may change,
#: and from those to everyone the rules may look at (each walk then takes the dangerous
#: place's one step more: :func:`~linkage.safeguard.walk.place_step`).
OWNER_STEPS = 2
CONTEXT_STEPS = 2


def update_flag_tables(
    con: duckdb.DuckDBPyConnection, rules: FlagRules, changed_people: list[str], previous: str
) -> FlagReport:
    """Recompute the flags that the changed people, or the passing of time, can affect, in place.

    Args:
        con: A writable copy of the previous results, with clusters and persons updated.
        rules: Flag thresholds and weights.
        changed_people: Person ids (before and after) whose records changed.
        previous: Schema of the previous results (attached), for the date and rules of their flags.

    Returns:
        Counts by flag code over all flags, and timings.
    """
    stored = read_flag_run(con, previous)
    if stored is None or stored[1] != rules_fingerprint(rules):
        logger.info("the stored flags were raised under other rules; recomputing every flag")
        report = build_flag_tables(con, rules)
        swap_in(con, SAFEGUARDING_TABLES)
        return report
    before, now = stored[0], flags_as_of(con, rules)
    seconds = {}
    started = time.perf_counter()
    create_table_from_arrow(con, "changed_people", pa.table({"person_id": pa.array(changed_people, pa.string())}), temporary=True)
    run_sql(
        con, "changed_people_records",
        # Read once for their keys and their areas: each read joins every record to the changed people.
        "CREATE OR REPLACE TEMP TABLE changed_people_records AS SELECT c.person_id, r.unique_id, r.source, r.event_id, r.postcode, r.address "
        "FROM records AS r JOIN clusters AS c USING (unique_id) WHERE c.person_id IN (SELECT person_id FROM changed_people)",
    )
    _update_person_keys(con)
    run_sql(con, "flag_seed", "CREATE OR REPLACE TEMP TABLE flag_seed AS SELECT person_id FROM changed_people")
    moved = before is not None and now is not None and now != before
    if moved:
        _add_people_time_moves(con, rules, before, now)
    shared, area_records = _update_shared_addresses(con, rules, before, now, previous)
    write_walk_skips(con, area_records)
    run_sql(con, "drop_area_records", f"DROP TABLE IF EXISTS temp.{_AREA_RECORDS}")
    run_sql(
        con, "flag_owners_seed",
        # The flags citing a record of a seed person, or one no longer in the run: one pass over clusters for both.
        "CREATE OR REPLACE TEMP TABLE flag_owners AS SELECT person_id FROM flag_seed "
        "UNION SELECT person_id FROM flags WHERE flag_id IN (SELECT e.flag_id FROM flag_evidence AS e "
        "LEFT JOIN clusters AS c USING (unique_id) WHERE e.unique_id IS NOT NULL "
        "AND (c.unique_id IS NULL OR c.person_id IN (SELECT person_id FROM flag_seed)))",
    )
    grow(con, "flag_owners", OWNER_STEPS)
    write_place_events(con, rules, now)
    place_step(con, "flag_owners")
    run_sql(con, "flag_context", "CREATE OR REPLACE TEMP TABLE flag_context AS SELECT person_id FROM flag_owners")
    # The owners' own neighbours are owners already, but for those the last two steps added: look out from those only.
    grow(con, "flag_context", CONTEXT_STEPS, from_frontier=True)
    place_step(con, "flag_context")
    _context_tables(con)
    people, events = graph_frames(con, "records", "context_clusters", "context_persons")
    owners = {row[0] for row in run_sql(con, "read_flag_owners", "SELECT person_id FROM flag_owners").fetchall()}
    # The run's changes so far are written into the file while the graph is built and judged (Python alone).
    with checkpoint_meanwhile(con), gc_paused():
        graph = build_graph(people, events, data_as_of=now, shared_addresses=shared, co_involvement=False)
        flags = run_flags(graph, rules, owners=owners)
        del graph
    seconds["flags"] = time.perf_counter() - started
    started = time.perf_counter()
    if moved:
        _rescore(con, rules, now)
    write_flags(con, flags, "__changes", temporary=True)
    _merge(con)
    write_flag_run(con, now, rules, "")
    seconds["write"] = time.perf_counter() - started
    counts = dict(run_sql(con, "count_flags", "SELECT code::VARCHAR, count(*) FROM flags GROUP BY 1").fetchall())
    (flagged,) = run_sql(con, "count_flagged", "SELECT count(DISTINCT person_id) FROM flags").fetchall()[0]
    logger.info("recomputed the flags of %d people on a graph of %d (date moved: %s)", len(owners), len(people), moved)
    return FlagReport(counts=counts, people=flagged, seconds=seconds)


def _add_people_time_moves(con: duckdb.DuckDBPyConnection, rules: FlagRules, before: date, now: date) -> None:
    """Add to ``flag_seed`` the people whose flags can change because as_of moved.

    Those with a record dated across a window's start or its end (:func:`graph.dates_crossed`),
    and those who turn 18 (or, when the date moves back, are a child again).
    """
    ranges = dates_crossed(rules, before, now)
    create_table_from_arrow(con, "crossed_dates", pa.table({
        "lo": pa.array([lo for lo, _ in ranges], pa.date32()),
        "hi": pa.array([hi for _, hi in ranges], pa.date32()),
    }), temporary=True)
    born_lo, born_hi = births_crossed(before, now)
    # The few records inside a range first, then their people: joining every record to its cluster
    # before the range join cost more (a tenth of a CPU second at a million).
    run_sql(
        con, "flag_seed_time_moves",
        "INSERT INTO flag_seed SELECT DISTINCT person_id FROM clusters WHERE unique_id IN "
        "(SELECT r.unique_id FROM records AS r JOIN crossed_dates AS w ON r.event_date BETWEEN w.lo AND w.hi) "
        "UNION SELECT person_id FROM persons WHERE TRY_CAST(dob AS DATE) BETWEEN $born_lo AND $born_hi",
        {"born_lo": born_lo, "born_hi": born_hi},
    )


#: The records of the areas judged again and of the shared addresses' areas, read once (a temporary table).
_AREA_RECORDS = "flag_area_records"


def _update_shared_addresses(
    con: duckdb.DuckDBPyConnection, rules: FlagRules, then: date | None, now: date | None, previous: str
) -> tuple[dict[str, str], str]:
    """Judge the addresses again; add to ``flag_seed`` the people at any whose verdict changed.

    An address that becomes shared (a hostel's sixth unrelated resident) or stops being
    shared changes the households of everyone recorded there, not only of the changed people.
    A dwelling's verdict reads only its residents and their records, so only the areas
    (postcodes) where a changed person has or had a record are judged again, and, when the
    verdicts count records in a window ending at the flag date and that date moved from
    ``then`` to ``now``, those with a record the move carries into or out of the window
    (every other record counts, or not, as it did). At a million people, judging every
    address took seconds of each nightly run.

    The records of those areas and of the stored shared addresses' are read once, into a
    table that also holds those of every shared address now and of every address whose
    verdict changed (each is in one of those areas, or its verdict stands).

    Returns:
        The shared addresses now, kind by address key (also written to ``shared_addresses``), and
        the table of those records.
    """
    before = read_shared_addresses(con)
    old = quote_ident(previous)
    window = {"since_before": window_since(rules, then), "until_before": then, "since_now": window_since(rules, now), "until_now": now}
    # Whether some record can count at one date and not the other (with no window, every record counts at both).
    window_moved = (window["since_before"], then) != (window["since_now"], now) and bool(window["since_before"] or window["since_now"])
    run_sql(
        con, "shared_address_areas",
        f"CREATE OR REPLACE TEMP TABLE shared_address_areas AS SELECT DISTINCT {AREA_SQL} AS area FROM changed_people_records AS r "
        f"UNION SELECT DISTINCT {AREA_SQL} AS area FROM {old}.records AS r JOIN {old}.clusters AS c USING (unique_id) "
        "WHERE c.person_id IN (SELECT person_id FROM changed_people)"
        + (
            f" UNION SELECT DISTINCT {AREA_SQL} AS area FROM records AS r "
            f"WHERE {in_window_sql('since_before', 'until_before')} IS DISTINCT FROM {in_window_sql('since_now', 'until_now')}"
            if window_moved else ""
        ),
        window if window_moved else None,
    )
    records = _AREA_RECORDS
    run_sql(
        con, "flag_area_records",
        f"CREATE OR REPLACE TEMP TABLE {records} AS SELECT r.unique_id, r.postcode, r.address, r.surname, r.event_date "
        f"FROM records AS r WHERE {AREA_SQL} IN (SELECT area FROM shared_address_areas "
        f"UNION SELECT {key_area_sql('address_key')} FROM {SHARED_TABLE})",
    )
    find_shared_addresses(con, rules, now, suffix="__now", areas="shared_address_areas", area_records=records)
    run_sql(
        con, "keep_shared_addresses",
        f"INSERT INTO {SHARED_TABLE}__now SELECT * FROM {SHARED_TABLE} "
        f"WHERE {key_area_sql('address_key')} NOT IN (SELECT area FROM temp.shared_address_areas WHERE area IS NOT NULL)",
    )
    now_shared = read_shared_addresses(con, f"{SHARED_TABLE}__now")
    changed = sorted(k for k in before.keys() | now_shared.keys() if before.get(k) != now_shared.get(k))
    if changed:
        # The records in those keys' areas first (a record's area is its key's: key_area_sql), then
        # their keys: building every record's address key to compare cost a fifth of a CPU second.
        run_sql(
            con, "flag_seed_shared_addresses",
            f"INSERT INTO flag_seed SELECT DISTINCT c.person_id FROM (SELECT * FROM {records} AS r "
            f"WHERE {AREA_SQL} IN (SELECT {key_area_sql('k')} FROM (SELECT unnest($keys) AS k))) AS r "
            f"JOIN clusters AS c USING (unique_id) WHERE {ADDRESS_KEY_SQL} IN (SELECT unnest($keys))",
            {"keys": changed},
        )
    run_sql(con, "drop_shared_addresses", f"DROP TABLE IF EXISTS {SHARED_TABLE}")
    run_sql(con, "rename_shared_addresses", f"ALTER TABLE {SHARED_TABLE}__now RENAME TO {SHARED_TABLE}")
    logger.info("%d address keys changed shared status", len(changed))
    return now_shared, records


def _rescore(con: duckdb.DuckDBPyConnection, rules: FlagRules, now: date) -> None:
    """Rescore, at the new date, the kept flags whose score moves with time alone."""
    rows = run_sql(
        con, "read_rescored_flags",
        "SELECT flag_id, code::VARCHAR, parameters FROM flags "
        "WHERE code::VARCHAR IN (SELECT unnest($codes)) AND person_id NOT IN (SELECT person_id FROM flag_owners)",
        {"codes": [code.value for code in RESCORERS]},
    ).fetchall()
    rescored = [(flag_id, *RESCORERS[FlagCode(code)](json.loads(parameters), rules, now)) for flag_id, code, parameters in rows]
    create_table_from_arrow(con, "rescored_flags", pa.table({
        "flag_id": pa.array([r[0] for r in rescored], pa.int64()),
        "parameters": pa.array([parameters_json(r[1]) for r in rescored], pa.string()),
        "score": pa.array([r[2] for r in rescored], pa.float64()),
    }), temporary=True)
    run_sql(
        con, "rescore_flags",
        "UPDATE flags SET parameters = s.parameters, score = s.score FROM rescored_flags AS s WHERE flags.flag_id = s.flag_id",
    )


def _update_person_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Bring ``person_keys`` up to date for the changed people (results from before keys were hashed: for everyone).

    The changed people's records are read from ``changed_people_records``.
    """
    (hashed,) = run_sql(
        con, "person_keys_hashed",
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'person_keys' AND column_name = 'k' "
        "AND database_name = current_database() AND data_type = 'UBIGINT'",
    ).fetchall()[0]
    if not hashed:
        run_sql(con, "rebuild_person_keys", f"CREATE OR REPLACE TABLE person_keys AS {stored_person_keys_sql()}")
        return
    run_sql(con, "drop_changed_keys", "DELETE FROM person_keys WHERE person_id IN (SELECT person_id FROM changed_people)")
    run_sql(con, "add_changed_keys", f"INSERT INTO person_keys {stored_person_keys_sql('changed_people_records', clusters=None)}")


def _context_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The context's clusters and persons, as :func:`graph_frames` reads them.

    Tables, not views: the graph's queries read the context's clusters four times over.
    The persons only with the columns those queries read: all of them cost three times as
    much to scan. (The context's records read into a table once cost as much as the
    graph's queries reading them from ``records``: a scan's cost is the columns it reads.)
    """
    run_sql(
        con, "context_clusters",
        "CREATE OR REPLACE TEMP TABLE context_clusters AS SELECT * FROM clusters WHERE person_id IN (SELECT person_id FROM flag_context)",
    )
    run_sql(
        con, "context_persons",
        f"CREATE OR REPLACE TEMP TABLE context_persons AS SELECT {', '.join(GRAPH_PERSONS_COLUMNS)} FROM persons "
        "WHERE person_id IN (SELECT person_id FROM flag_context)",
    )


def _merge(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the owners' flags with the recomputed ones and renumber all flags in severity order.

    Numbering reads the flags' sort keys only. The kept flags are renumbered in place and only
    the owners' flags replaced; the evidence, every row of which may take a new flag id, is
    built anew, in flag id order, and swapped in. Emptying and refilling both tables cost
    twice as long at a million people: the flags' rows all went through the write-ahead log
    again, and the evidence was copied twice.
    """
    run_sql(
        con, "number_flags",
        "CREATE OR REPLACE TEMP TABLE flag_numbers AS SELECT flag_id AS old_id, origin, "
        "row_number() OVER (ORDER BY severity DESC, coalesce(score, 0) DESC, code::VARCHAR, person_ids) AS new_id FROM ("
        "SELECT flag_id, severity, score, code, person_ids, 'kept' AS origin FROM flags "
        "WHERE person_id NOT IN (SELECT person_id FROM flag_owners) "
        "UNION ALL SELECT flag_id, severity, score, code, person_ids, 'new' FROM flags__changes)",
    )
    run_sql(
        con, "merge_evidence",
        "CREATE OR REPLACE TABLE flag_evidence__new AS SELECT * FROM ("
        "SELECT n.new_id AS flag_id, e.* EXCLUDE (flag_id) FROM flag_evidence AS e JOIN flag_numbers AS n "
        "ON n.old_id = e.flag_id AND n.origin = 'kept' "
        "UNION ALL BY NAME SELECT n.new_id AS flag_id, e.* EXCLUDE (flag_id) FROM flag_evidence__changes AS e "
        "JOIN flag_numbers AS n ON n.old_id = e.flag_id AND n.origin = 'new') ORDER BY flag_id",
    )
    run_sql(con, "drop_owner_flags", "DELETE FROM flags WHERE flag_id NOT IN (SELECT old_id FROM flag_numbers WHERE origin = 'kept')")
    run_sql(
        con, "renumber_flags",
        "UPDATE flags SET flag_id = n.new_id FROM flag_numbers AS n "
        "WHERE flags.flag_id = n.old_id AND n.origin = 'kept' AND n.new_id <> n.old_id",
    )
    run_sql(
        con, "add_flags",
        "INSERT INTO flags BY NAME SELECT n.new_id AS flag_id, c.* EXCLUDE (flag_id) FROM flags__changes AS c "
        "JOIN flag_numbers AS n ON n.old_id = c.flag_id AND n.origin = 'new' ORDER BY n.new_id",
    )
    swap_in(con, ("flag_evidence",))
    for table in ("flags__changes", "flag_evidence__changes"):
        run_sql(con, f"drop_{table}", f"DROP TABLE {table}")
