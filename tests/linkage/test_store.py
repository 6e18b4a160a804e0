"""The store refuses a second run and waits out short writes to its state, with clear messages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linkage.batch import run_all
from linkage.errors import MashError
from linkage.store import connect, layout, open_results, open_state

HOLD_FILE = "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(float(sys.argv[2]))"
HOLD_LOCK = (
    "import sys, time; from linkage.store import run_lock\n"
    "with run_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)"
)


def hold(script: str, *args: str) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.parametrize(("description", "read_only"), [("a writer", False), ("a reader", True)])
def test_file_held_by_another_process_is_named(tmp_path, description, read_only):
    store = tmp_path / "mash.duckdb"
    connect(store).close()
    holder = hold(HOLD_FILE, str(store), "60")
    try:
        with pytest.raises(MashError) as caught:
            connect(store, read_only=read_only)
        message = str(caught.value)
        assert str(store) in message and f"process {holder.pid}" in message, description
    finally:
        holder.kill()
        holder.wait()
    connect(store).close()  # free again once the other process has gone


def test_second_run_is_refused_naming_the_first(linked):
    run, _ = linked
    holder = hold(HOLD_LOCK, str(run.store))
    try:
        with pytest.raises(MashError, match=rf"a run is already in progress \(process {holder.pid} since .*\); two runs at once are refused"):
            run_all(run)
    finally:
        holder.kill()
        holder.wait()


def test_results_stay_readable_while_a_run_holds_the_lock(linked):
    run, report = linked
    holder = hold(HOLD_LOCK, str(run.store))
    try:
        with open_results(run.store) as con:
            assert con.sql("SELECT count(*) FROM persons").fetchall() == [(report.resolution.people,)]
    finally:
        holder.kill()
        holder.wait()


def test_state_waits_out_a_short_write(tmp_path):
    store = tmp_path / "mash.duckdb"
    open_state(store).close()
    holder = hold(HOLD_FILE, str(store), "1.5")
    try:
        with open_state(store) as con:
            assert con.sql("SELECT count(*) FROM review_decisions").fetchall() == [(0,)]
        assert holder.poll() is not None, "it opened only after the other process let go"
    finally:
        holder.kill()
        holder.wait()


def test_no_results_before_the_first_run(tmp_path):
    with pytest.raises(MashError, match="no results yet; run 'mash run' first"):
        open_results(tmp_path / "mash.duckdb")
    assert layout(tmp_path / "mash.duckdb").current() is None


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device whose writes fail as a full disk does")
def test_a_full_disk_at_the_run_lock_is_a_clear_error(linked, tmp_path):
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    copy = run.model_copy(update={"store": tmp_path / "store" / run.store.name})
    with open_results(copy.store) as con:
        before = con.sql("SELECT count(*) FROM persons").fetchall()
    lock = layout(copy.store).lock
    lock.unlink(missing_ok=True)
    lock.symlink_to("/dev/full")  # writing the lock holder's name fails with ENOSPC
    with pytest.raises(MashError, match=r"run\.lock: cannot write the run lock \(No space left on device\); nothing has been changed"):
        run_all(copy)
    with open_results(copy.store) as con:
        assert con.sql("SELECT count(*) FROM persons").fetchall() == before
