"""Incremental runs when time moves: flags whose windows, ages and dates move with the data's latest date.

Split from test_incremental.py (the same ``twins`` fixture: two copies of a store that ran on
90% of the extracts); each case runs an incremental and a full run and compares every table.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from graph.flags.windows import ADULT_AGE, years_before
from linkage.batch import run_all
from linkage.store import open_results, results_path
from tests.linkage.test_incremental import assert_same_results, flag_changes, flags_dated, strangers_move_in


def add_police_record_on(directory: Path, day: date) -> None:
    """The held-back extracts, plus one police record dated ``day``."""
    for name in ("police.csv", "social_care.csv", "health.parquet"):
        shutil.copy(directory.parent / "partial" / name, directory / name)
    text = (directory / "police.csv").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    column = {name: i for i, name in enumerate(header)}
    row = list(rows[-1])
    row[column["OccurrenceRef"]], row[column["PersonRecordRef"]] = "OCC-JUMP-000001", "PN-JUMP-0001"
    row[column["OccurrenceDate"]] = day.strftime("%d/%m/%Y")
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(row)
    (directory / "police.csv").write_text(text + out.getvalue(), encoding="utf-8")


def jump_ahead(directory: Path) -> None:
    """One police record 400 days after the latest: time alone moves far."""
    add_police_record_on(directory, flags_dated(directory.parent / "a" / "mash.duckdb") + timedelta(days=400))


#: Each extract's event date column and format.
DATE_COLUMNS = {
    "police.csv": ("OccurrenceDate", "%d/%m/%Y"),
    "social_care.csv": ("ReferralDate", "%Y-%m-%d"),
    "health.parquet": ("AttendanceDate", "%d-%b-%Y"),
}


def withdraw_newest(directory: Path) -> None:
    """The held-back extracts less every record of their last 30 days: time moves back."""
    frames = {}
    for name, (column, fmt) in DATE_COLUMNS.items():
        source = directory.parent / "partial" / name
        frame = pd.read_parquet(source) if name.endswith(".parquet") else pd.read_csv(source, dtype=str, keep_default_na=False)
        frames[name] = (frame, pd.to_datetime(frame[column], format=fmt, errors="coerce"))
    latest = max(dates.max() for _, dates in frames.values())
    for name, (frame, dates) in frames.items():
        kept = frame[~(dates > latest - pd.Timedelta(days=30))]
        if name.endswith(".parquet"):
            kept.to_parquet(directory / name)
        else:
            kept.to_csv(directory / name, index=False, quoting=csv.QUOTE_ALL)


TIME_MOVES = [
    ("time jumps 400 days on one new record", jump_ahead, 1),
    ("the newest records are withdrawn", withdraw_newest, -1),
]


@pytest.mark.parametrize(("description", "edit", "direction"), TIME_MOVES, ids=[m[0] for m in TIME_MOVES])
def test_incremental_equals_full_when_time_moves(twins, description, edit, direction):
    """Windows, ages and RFG(V) recency move with the data's latest date; kept flags must too."""
    incremental, full = twins
    edit(incremental.extracts_dir)
    before = flags_dated(incremental.store)
    run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)
    assert (flags_dated(incremental.store) - before).days * direction > 0, description


def test_a_child_turning_18_the_next_day_clears_their_flag(twins):
    """as_of moves one day, onto a flagged child's 18th birthday; only their age changes."""
    incremental, full = twins
    partial = incremental.extracts_dir.parent / "partial"
    child, birthday = _first_adult_birthday(incremental.store)

    def dated(run, day):
        return run.model_copy(update={"extracts_dir": partial, "flags": run.flags.model_copy(update={"as_of": day})})

    run_all(dated(incremental, birthday - timedelta(days=1)), incremental=True)
    assert child in flagged_children(incremental.store), "precondition: still a child the day before"
    run_all(dated(incremental, birthday), incremental=True)
    report = run_all(dated(full, birthday))
    assert_same_results(incremental.store, full.store)
    assert child not in flagged_children(full.store)
    # The last run cleared the child's flag, and says so (both runs' previous results flagged the child).
    for store in (incremental.store, full.store):
        assert ("cleared", "child_in_da_household", child) in flag_changes(store)
    assert report.counts["flags_cleared"] >= 1


def _first_adult_birthday(store) -> tuple[str, date]:
    # The flagged child who turns 18 soonest after the flags' date, and that day.
    with open_results(store) as con:
        as_of = con.sql("SELECT as_of FROM flag_run").fetchall()[0][0]
        rows = con.sql(
            "SELECT f.person_id, TRY_CAST(p.dob AS DATE) FROM flags AS f JOIN persons AS p USING (person_id) "
            "WHERE f.code = 'child_in_da_household' AND p.dob IS NOT NULL"
        ).fetchall()
    birthdays = sorted((years_before(dob, -ADULT_AGE), person) for person, dob in rows if years_before(dob, -ADULT_AGE) > as_of)
    return birthdays[0][1], birthdays[0][0]


def flagged_children(store) -> set[str]:
    with open_results(store) as con:
        return {r[0] for r in con.sql("SELECT person_id FROM flags WHERE code = 'child_in_da_household'").fetchall()}


def test_incremental_recomputes_flags_raised_under_other_rules(twins):
    incremental, full = twins
    stricter = {"flags": incremental.flags.model_copy(update={"serial_min_victims": 3})}
    incremental, full = incremental.model_copy(update=stricter), full.model_copy(update=stricter)
    run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)


def test_results_from_before_flag_run_get_every_flag_recomputed(twins):
    """Results written before flags stored their date have no flag_run: the update recomputes all flags."""
    incremental, full = twins
    with duckdb.connect(str(results_path(incremental.store))) as con:
        con.execute("DROP TABLE flag_run")
        con.execute("UPDATE flags SET parameters = '{}'")  # stale in a way only a full recompute mends
    run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)



def annexe_kind(store) -> tuple[str | None, date]:
    """The verdict on the strangers' address (:func:`strangers_move_in`), None when it is not shared, and their records' date."""
    with open_results(store) as con:
        return con.sql(
            "SELECT s.kind, r.event_date FROM records AS r LEFT JOIN shared_addresses AS s "
            "ON s.address_key = 'address:' || coalesce(r.postcode, '') || '|' || r.address WHERE r.record_id = 'HL-NEW-0'"
        ).fetchall()[0]


@pytest.mark.parametrize(("first", "then"), [(10, 400), (400, 10)], ids=["window leaves the strangers", "window takes them in"])
def test_a_verdict_counting_a_window_follows_the_date_alone(twins, first, then):
    """Verdicts counting only a window's records change where the date's move carries a record across its start.

    The strangers' address is shared while their records are in the window. Between the
    last two runs no record changes, so no person does: the incremental run judges again
    only the areas holding a record the window's move takes in or leaves out.
    """
    incremental, full = twins
    strangers_move_in(incremental.extracts_dir)
    # Dated the latest day: the flag dates below are on or after every record's, as the date moves only forward past them.
    arrived = flags_dated(incremental.store)
    health = pd.read_parquet(incremental.extracts_dir / "health.parquet")
    health.loc[health["PatientRecordID"].str.startswith("HL-NEW-"), "AttendanceDate"] = arrived.strftime(DATE_COLUMNS["health.parquet"][1])
    health.to_parquet(incremental.extracts_dir / "health.parquet")
    run_all(incremental, incremental=True)
    assert annexe_kind(incremental.store)[1] == arrived

    def windowed(run, days):
        shared = run.flags.shared_addresses.model_copy(update={"window_days": 365})
        return run.model_copy(update={"flags": run.flags.model_copy(update={"as_of": arrived + timedelta(days=days), "shared_addresses": shared})})

    run_all(windowed(incremental, first), incremental=True)  # under other rules: every flag recomputed
    before = annexe_kind(incremental.store)[0]
    run_all(windowed(incremental, then), incremental=True)
    run_all(windowed(full, then))
    assert_same_results(incremental.store, full.store)
    assert [before, annexe_kind(full.store)[0]] == (["many_unrelated", None] if first < then else [None, "many_unrelated"])


#: (description, days from the newest record to the configured as_of first, then (None: unset)).
SET_DATES = [
    ("a configured as_of moves forward over records dated after it", -12, -2),
    ("a configured as_of moves back before records", -2, -12),
    ("a configured as_of is unset: the newest record's date", -30, None),
]


@pytest.mark.parametrize(("description", "first", "then"), SET_DATES, ids=[m[0] for m in SET_DATES])
def test_incremental_equals_full_when_a_configured_as_of_moves(twins, description, first, then):
    """With flags.as_of before the newest record, records dated after it count in no window until it moves past them.

    A full run at the first date, then no record changes (as_of is not in the rules' fingerprint, so
    the last run is an update): the move alone carries records across the windows' end.
    """
    incremental, full = twins
    partial = incremental.extracts_dir.parent / "partial"
    newest = flags_dated(incremental.store)

    def dated(run, days):
        day = None if days is None else newest + timedelta(days=days)
        return run.model_copy(update={"extracts_dir": partial, "flags": run.flags.model_copy(update={"as_of": day})})

    run_all(dated(incremental, first))  # a full run: the flags at the first date are right, whatever the update does
    before = contents_of_flags(incremental.store)
    run_all(dated(incremental, then), incremental=True)
    run_all(dated(full, then))
    assert_same_results(incremental.store, full.store)
    assert contents_of_flags(full.store) != before, f"{description}: the move changes some flag"


def contents_of_flags(store) -> set[tuple]:
    """(code, person) of every flag in the store's results."""
    with open_results(store) as con:
        return set(con.sql("SELECT code::VARCHAR, person_id FROM flags").fetchall())
