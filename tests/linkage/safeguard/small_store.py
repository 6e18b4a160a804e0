"""Stores of a few hand-made records, flagged in full and updated as an incremental run updates them.

An incremental run's flags must be a full run's on the same data. These helpers run the
safeguarding stage alone on stores made from :class:`tests.graph.conftest.Frames`: a full
run (:func:`full_run`) and an update of the previous results (:func:`incremental_run`), and
read the flag tables back as comparable rows (:func:`flag_tables`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from graph import FlagRules
from linkage.safeguard import SAFEGUARDING_TABLES, build_flag_tables, update_flag_tables
from linkage.standardise.lookups import create_lookup_tables
from linkage.store import connect, swap_in
from tests.graph.conftest import Frames
from tests.linkage.test_incremental import TABLES

#: The results tables the safeguarding stage writes, as comparable rows.
FLAG_TABLES = {name: TABLES[name] for name in SAFEGUARDING_TABLES}

#: Schema the previous results are attached as, as ``mash run --incremental`` attaches them.
PREVIOUS = "previous"


def _write_inputs(con: duckdb.DuckDBPyConnection, frames: Frames) -> None:
    """(Re)write ``records``, ``clusters`` and ``persons`` from ``frames``, with the columns the stage reads."""
    events, people = frames.events(), frames.people()
    # One name per person: nobody is family, nor one victim recorded twice, by name.
    events["surname"] = events["forename"] = events["person_id"]
    con.register("frame_events", events)
    con.register("frame_people", people)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE records AS SELECT unique_id, source, agency, record_id, event_id, "
            "CAST(event_date AS DATE) AS event_date, event_type, domestic_abuse, role, dash_risk, plan_type, category, "
            "service, complaint, mental_health, substance_misuse, pregnancy, postcode, address, "
            "forename, forename AS forename_canonical, []::VARCHAR[] AS forename_groups, surname FROM frame_events"
        )
        con.execute(
            "CREATE OR REPLACE TABLE clusters AS SELECT unique_id, person_id, 'linked' AS link_strength, "
            "link_probability AS best_match_probability FROM frame_events"
        )
        con.execute(
            "CREATE OR REPLACE TABLE persons AS SELECT person_id, CAST(dob AS DATE) AS dob, sex, agencies, forename, surname "
            "FROM frame_people"
        )
    finally:
        con.unregister("frame_events")
        con.unregister("frame_people")


def full_run(path: Path, frames: Frames, rules: FlagRules) -> None:
    """A store at ``path`` holding ``frames``' records and every flag a full run raises on them."""
    con = connect(path)
    try:
        create_lookup_tables(con)
        _write_inputs(con, frames)
        build_flag_tables(con, rules)
        swap_in(con, SAFEGUARDING_TABLES)
    finally:
        con.close()


def changed_people(before: Frames, after: Frames) -> list[str]:
    """The people (before and after) of every record added, withdrawn or changed between two sets."""
    old = {row["unique_id"]: row for row in before.rows}
    new = {row["unique_id"]: row for row in after.rows}
    return sorted(
        {old[u]["person_id"] for u in old if old[u] != new.get(u)} | {new[u]["person_id"] for u in new if new[u] != old.get(u)}
    )


def incremental_run(path: Path, previous: Path, before: Frames, after: Frames, rules: FlagRules) -> None:
    """The previous results (``previous``, made from ``before``) updated to ``after``'s records at ``path``."""
    shutil.copy(previous, path)
    con = connect(path)
    try:
        con.execute(f"ATTACH $path AS {PREVIOUS} (READ_ONLY)", {"path": str(previous)})
        _write_inputs(con, after)
        update_flag_tables(con, rules, changed_people(before, after), PREVIOUS)
        con.execute(f"DETACH {PREVIOUS}")
    finally:
        con.close()


def flag_tables(path: Path) -> dict[str, set]:
    """The safeguarding tables of the store at ``path``, each as a set of comparable rows."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {name: set(con.sql(sql).fetchall()) for name, sql in FLAG_TABLES.items()}


def differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Per table where they differ: rows only in the full run's results, and only in the incremental's."""
    got, expected = flag_tables(incremental), flag_tables(full)
    return {
        name: (len(expected[name] - got[name]), len(got[name] - expected[name]))
        for name in FLAG_TABLES if got[name] != expected[name]
    }
