"""The walks of an incremental flags update: from the changed people out through the keys they share.

``person_keys`` holds each person's events, addresses and dwellings (hashed). A walk adds, a
step at a time, everyone sharing a key with the people the last step added (:func:`grow`),
stepping through no shared address (:func:`write_walk_skips`). The dangerous place's flag
reads one step further than the others, through its incidents only (:func:`place_step`).
"""

from __future__ import annotations

from datetime import date

import duckdb

from graph import FlagRules
from graph.flags.windows import window_start
from linkage.codes import Role
from linkage.node_keys import ADDRESS_KEY_SQL, EVENT_KEY_SQL
from linkage.pipeline import run_sql
from linkage.safeguard.shared_addresses import AREA_SQL, DWELLING_KEY_SQL, SHARED_TABLE, key_area_sql

__all__ = ["grow", "place_step", "write_place_events", "write_walk_skips"]


def write_walk_skips(con: duckdb.DuckDBPyConnection, records: str = "records") -> None:
    """The keys (hashed, as ``person_keys`` has them) a walk does not step through: ``walk_skips``.

    Each shared address, and each dwelling every spelling of which is shared. No rule links
    two people through either: the graph draws no ``lives_at`` edge to a shared address, a
    dwelling with a shared spelling is never a dangerous place, and a dwelling's other,
    unshared spellings (where households do form) keep its key in the walk. Everyone recorded
    at an address whose verdict changed is a changed person already (the update seeds them).
    A key of another kind with the hash of a skipped one (odds about one in ten billion at a
    million people) would be skipped too. ``records`` holds every record at a shared address, if not all.
    """
    run_sql(
        con, "walk_skips",
        f"CREATE OR REPLACE TEMP TABLE walk_skips AS SELECT hash(address_key) AS k FROM {SHARED_TABLE} "
        f"UNION SELECT hash(d) FROM (SELECT {DWELLING_KEY_SQL} AS d, {ADDRESS_KEY_SQL} AS a FROM {records} AS r "
        f"WHERE {AREA_SQL} IN (SELECT {key_area_sql('address_key')} FROM {SHARED_TABLE}) AND nullif(trim(r.address), '') IS NOT NULL) "
        f"GROUP BY d HAVING bool_and(a IN (SELECT address_key FROM {SHARED_TABLE}))",
    )


def grow(con: duckdb.DuckDBPyConnection, table: str, steps: int, from_frontier: bool = False) -> None:
    """Add to ``table`` everyone sharing an event, an address or a dwelling with it, ``steps`` times.

    Keys in ``walk_skips`` (shared addresses: :func:`write_walk_skips`) are not stepped through.

    Each step looks out from the people the last step added only: everyone else's
    neighbours are already in. With ``from_frontier``, ``table`` is a copy of one grown
    just before and the first step looks out from those its last steps added (the
    ``frontier`` table they left), not from all of it: each step scans every person's keys,
    and the work of a step grows with the people it looks out from. The people the last
    step added are left in ``frontier``.
    """
    if not from_frontier:
        run_sql(con, f"frontier_{table}", f"CREATE OR REPLACE TEMP TABLE frontier AS SELECT person_id FROM {table}")
    for step in range(steps):
        run_sql(
            con, f"grow_{table}_{step}",
            "CREATE OR REPLACE TEMP TABLE frontier AS SELECT DISTINCT b.person_id FROM (SELECT k FROM person_keys "
            "WHERE person_id IN (SELECT person_id FROM frontier) AND k NOT IN (SELECT k FROM walk_skips)) AS a "
            f"JOIN person_keys AS b USING (k) WHERE b.person_id NOT IN (SELECT person_id FROM {table})",
        )
        run_sql(con, f"add_{table}_{step}", f"INSERT INTO {table} SELECT person_id FROM frontier")


#: A records row ``r`` that can place its event at a dwelling for the dangerous place: a suspect's or
#: victim's record giving an address, on an event, dated from ``$since`` (null: any date) or undated
#: (an incident's date is its earliest record's, so a record dated before the window puts its
#: incident before it too).
_PLACING_SQL = (
    "r.event_id IS NOT NULL AND CAST(r.role AS VARCHAR) IN ($suspect, $victim) AND nullif(trim(r.address), '') IS NOT NULL "
    "AND ($since IS NULL OR r.event_date IS NULL OR r.event_date >= $since)"
)


def write_place_events(con: duckdb.DuckDBPyConnection, rules: FlagRules, now: date | None) -> None:
    """The records through whose events :func:`place_step` goes, with each event's hashed key: ``place_events``.

    Each record placing its event at a dwelling (:data:`_PLACING_SQL`, with the dangerous
    place's window at ``now``) where ``dangerous_place_min_incidents`` or more events are
    placed so: DA or not, a superset of the incidents the rule counts there. Read once for
    both walks (at a million people a few per cent of the records).
    """
    run_sql(
        con, "place_events",
        f"CREATE OR REPLACE TEMP TABLE place_events AS WITH placed AS (SELECT r.unique_id, {EVENT_KEY_SQL} AS event_key, "
        f"{DWELLING_KEY_SQL} AS dwelling FROM records AS r WHERE {_PLACING_SQL}) "
        "SELECT unique_id, hash(event_key) AS k FROM placed WHERE dwelling IN "
        "(SELECT dwelling FROM placed GROUP BY dwelling HAVING count(DISTINCT event_key) >= $min_incidents)",
        {
            "suspect": Role.SUSPECT.value, "victim": Role.VICTIM.value, "min_incidents": rules.dangerous_place_min_incidents,
            "since": None if now is None else window_start(rules, "dangerous_place_window_years", now),
        },
    )


def place_step(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """After :func:`grow`, add to ``table`` everyone on the incidents its last step's people placed at a possible dangerous place.

    The dangerous place's flag (``graph.flags.places``) names everyone on a dwelling's DA
    incidents in its window, and an incident is at the dwelling when one suspect's or
    victim's record on it gives the address. So its owner, the latest victim there, reaches a
    party to an earlier incident in three steps: their own incident, the dwelling (through
    whoever gave its address on it) and the earlier incident. Two steps out from a change,
    or from an owner, one more step therefore goes through those incidents alone: from each
    person the last step added (``frontier``), through each event one of their records places
    at a dwelling with enough such events (``place_events``: :func:`write_place_events`), to
    everyone on it. Every other key is left alone: at a million people a third full step
    would judge several times the people, and a step through every placed incident, wherever
    it was, a sixth more.

    ``frontier`` is left holding the people the last two steps added: the walk's edge.
    """
    run_sql(
        con, f"place_step_{table}",
        "CREATE OR REPLACE TEMP TABLE place_frontier AS SELECT DISTINCT b.person_id FROM (SELECT DISTINCT k FROM place_events "
        "WHERE unique_id IN (SELECT unique_id FROM clusters WHERE person_id IN (SELECT person_id FROM frontier))) AS a "
        f"JOIN person_keys AS b USING (k) WHERE b.person_id NOT IN (SELECT person_id FROM {table})",
    )
    run_sql(con, f"place_add_{table}", f"INSERT INTO {table} SELECT person_id FROM place_frontier")
    run_sql(con, f"place_edge_{table}", "INSERT INTO frontier SELECT person_id FROM place_frontier")
