"""The records an incremental run re-clusters: the closure over pairs, decisions, incidents and households."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from linkage.ingest.changes import TOUCHED
from linkage.resolve.affected import AFFECTED, closure, find_affected


def test_closure_follows_links_both_ways_until_nothing_new():
    # 0-1-2-3 a chain (links written in both directions), 4-5 apart, 6 alone, 7 a group node joining 3 and 8.
    a = np.array([1, 1, 3, 5, 3, 8])
    b = np.array([0, 2, 2, 4, 7, 7])
    assert closure(a, b, np.array([0]), 9).tolist() == [0, 1, 2, 3, 7, 8]
    assert closure(a, b, np.array([6]), 9).tolist() == [6]
    assert closure(a, b, np.array([4, 6]), 9).tolist() == [4, 5, 6]
    assert closure(a[:0], b[:0], np.array([2]), 9).tolist() == [2]


def _store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records (unique_id VARCHAR, source VARCHAR, agency VARCHAR, domestic_abuse BOOLEAN, event_id VARCHAR, "
        "postcode VARCHAR, forename_canonical VARCHAR, surname_soundex VARCHAR)"
    )
    con.execute(
        "INSERT INTO records VALUES "
        # r1 is new; r2 scored against it; r3 linked to r2 by a pair.
        "('r1', 'police', 'police', false, 'E1', NULL, 'ANN', 'S530'), "
        "('r2', 'health', 'health', NULL, NULL, 'AB1 2CD', 'ANN', 'S530'), "
        "('r3', 'health', 'health', NULL, NULL, NULL, 'JO', 'B600'), "
        # r4 shares r3's... nothing; r5 is r2's namesake at the same postcode (households).
        "('r4', 'police', 'police', true, 'E9', 'ZZ9 9ZZ', 'BOB', 'B100'), "
        "('r5', 'social_care', 'social_care', NULL, NULL, 'AB1 2CD', 'ANN', 'S530'), "
        # r6 shares r4's DA incident (context); r7 the same incident but not DA; r8 a decision with r5.
        "('r6', 'police', 'police', true, 'E9', NULL, 'CAL', 'C400'), "
        "('r7', 'police', 'police', false, 'E9', NULL, 'DOT', 'D300'), "
        "('r8', 'health', 'health', NULL, NULL, NULL, 'EVE', 'E100'), "
        # r9 has r5's name at no postcode: no household link; r10 and r11 are a pair of their own.
        "('r9', 'health', 'health', NULL, NULL, NULL, 'ANN', 'S530'), "
        "('r10', 'health', 'health', NULL, NULL, NULL, 'FAY', 'F000'), "
        "('r11', 'health', 'health', NULL, NULL, NULL, 'FAY', 'F000')"
    )
    con.execute("CREATE TABLE pairs (unique_id_l VARCHAR, unique_id_r VARCHAR)")
    con.execute("INSERT INTO pairs VALUES ('r1', 'r2'), ('r2', 'r3'), ('r10', 'r11'), ('r4', 'r8')")
    con.execute("CREATE TABLE review_decisions (unique_id_l VARCHAR, unique_id_r VARCHAR)")
    con.execute("INSERT INTO review_decisions VALUES ('r5', 'r8'), ('gone', 'r10')")
    con.execute("CREATE TABLE clusters AS SELECT unique_id, unique_id AS person_id FROM records")
    con.execute("CREATE TABLE profiles AS SELECT unique_id, unique_id AS profile_id FROM records")
    con.execute(f"CREATE TEMP TABLE {TOUCHED} (unique_id VARCHAR, change VARCHAR)")
    con.execute(f"INSERT INTO {TOUCHED} VALUES ('r1', 'added'), ('withdrawn', 'removed')")
    return con


def _affected(con) -> set[str]:
    return {row[0] for row in con.sql(f"SELECT unique_id FROM {AFFECTED}").fetchall()}


@pytest.mark.parametrize(
    ("context", "households", "expected"),
    [
        # Decisions are seeds: r5-r8 and r10 (with 'gone') come in with their pairs (r8-r4, r10-r11).
        (False, False, {"r1", "r2", "r3", "r4", "r5", "r8", "r10", "r11"}),
        # r4's DA incident brings r6 (not r7, not DA).
        (True, False, {"r1", "r2", "r3", "r4", "r5", "r6", "r8", "r10", "r11"}),
        (True, True, {"r1", "r2", "r3", "r4", "r5", "r6", "r8", "r10", "r11"}),
    ],
)
def test_affected_records_are_every_current_record_connected_to_a_seed(context, households, expected):
    con = _store()
    find_affected(con, context=context, households=households)
    assert _affected(con) == expected


def test_households_and_context_links_reach_records_only_they_connect():
    con = _store()
    con.execute("DELETE FROM review_decisions")
    con.execute("INSERT INTO pairs VALUES ('r5', 'r6')")
    find_affected(con)
    assert _affected(con) == {"r1", "r2", "r3"}
    find_affected(con, households=True)  # r2's namesake r5 at AB1 2CD, and r5's pair r6
    assert _affected(con) == {"r1", "r2", "r3", "r5", "r6"}
    find_affected(con, context=True, households=True)  # r6's DA incident with r4, and r4's pair r8
    assert _affected(con) == {"r1", "r2", "r3", "r4", "r5", "r6", "r8"}


def test_a_pair_naming_a_gone_record_still_links():
    con = _store()
    con.execute("DELETE FROM review_decisions")
    con.execute("INSERT INTO pairs VALUES ('r3', 'ghost'), ('ghost', 'r11')")
    find_affected(con)
    assert _affected(con) == {"r1", "r2", "r3", "r10", "r11"}
