"""The store refuses a second run and waits out short writes to its state, with clear messages."""

from __future__ import annotations

import errno
import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from linkage.batch import run_all
from linkage.cli import main
from linkage.errors import MashError
from linkage.store import (
    SCHEMA_VERSION, Limits, checkpoint_meanwhile, connect, connect_memory, duckdb_limits, layout, open_results, open_state, run_lock,
)
from tests.linkage.conftest import REPO

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


def _fails_with(code: int) -> Callable[..., None]:
    def fail(*args, **kwargs) -> None:
        raise OSError(code, os.strerror(code))

    return fail


FULL_DISK = [
    # (description, module and function made to fail, errno, incremental run, words in the error, run recorded as failed)
    ("the run lock's holder on a full disk", ("os", "pwrite"), errno.ENOSPC, False,
     r"run\.lock: cannot write the run lock \(No space left on device\); nothing has been changed", False),
    ("the run lock's holder over a disk quota", ("os", "pwrite"), errno.EDQUOT, True,
     r"run\.lock: cannot write the run lock \(Disk quota exceeded\); nothing has been changed", False),
    ("the incremental run's copy of the results on a full disk", ("shutil", "copyfile"), errno.ENOSPC, True,
     r"No space left on device; the run failed and the previous results are intact", True),
]


@pytest.mark.parametrize(
    ("description", "target", "code", "incremental", "words", "recorded"), FULL_DISK, ids=[c[0] for c in FULL_DISK]
)
def test_a_full_disk_is_a_clear_error_not_a_traceback(
    linked, tmp_path, monkeypatch, capsys, description, target, code, incremental, words, recorded
):
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    store = tmp_path / "store" / run.store.name
    with open_results(store) as con:
        before = con.sql("SELECT * FROM persons ORDER BY ALL").fetchall()
    with open_state(store) as state:
        runs_before = state.execute("SELECT count(*) FROM runs").fetchone()[0]
    module, name = target
    monkeypatch.setattr(importlib.import_module(module), name, _fails_with(code))
    args = [
        "run", "--config", str(REPO / "configs" / "run.yaml"), "--store", str(store), "--extracts", str(run.extracts_dir),
        *(["--incremental"] if incremental else []),
    ]
    assert main(args) == 2, description
    monkeypatch.undo()
    printed = capsys.readouterr()
    said = printed.out + printed.err
    assert re.search(words, said) and "Traceback" not in said, f"{description}: {said}"
    with open_results(store) as con:
        assert con.sql("SELECT * FROM persons ORDER BY ALL").fetchall() == before, description
    with open_state(store) as state:
        runs = state.execute("SELECT status, error FROM runs ORDER BY run_id").fetchall()
    if recorded:
        assert len(runs) == runs_before + 1 and runs[-1][0] == "failed" and os.strerror(code) in runs[-1][1], description
    else:
        assert len(runs) == runs_before, f"{description}: refused before the run started"
    with run_lock(store):
        pass  # the failed run let go of the lock: the next run is not refused as 'in progress'


def settings(con) -> tuple[str, str]:
    return con.sql("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]


def test_limits_apply_to_store_and_work_connections(tmp_path):
    with duckdb_limits(Limits(memory_limit="512MiB", temp_directory=tmp_path / "spill")):
        with connect(tmp_path / "mash.duckdb") as store, connect_memory() as work, connect_memory() as other:
            limit, spill = settings(store)
            assert limit == "512.0 MiB" and spill == str(tmp_path / "spill" / "mash.duckdb.tmp")
            assert settings(work)[0] == "512.0 MiB"
            assert settings(work)[1] != settings(other)[1], "each in-memory database spills into its own directory"
            assert all(s.startswith(str(tmp_path / "spill")) for s in (settings(work)[1], settings(other)[1]))
    with connect_memory() as outside:
        assert settings(outside)[0] != "512.0 MiB", "outside a run DuckDB's own defaults stand"


def test_every_connection_a_run_opens_gets_the_run_s_limits(linked, tmp_path, monkeypatch):
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    limited = run.model_copy(update={
        "store": tmp_path / "store" / "mash.duckdb",
        "resources": run.resources.model_copy(update={"memory_limit": "3GB", "temp_directory": tmp_path / "spill"}),
    })
    opened = []
    real_connect = duckdb.connect

    def recording(database=":memory:", *args, **kwargs):
        con = real_connect(database, *args, **kwargs)
        # Splink's DatabaseAPI.__init__ opens a private in-memory database that its DuckDB
        # backend never uses (DuckDBAPI works on the connection it is given): not the run's.
        if not sys._getframe(1).f_code.co_filename.endswith(str(Path("splink", "internals", "database_api.py"))):
            opened.append((str(database), settings(con)))
        return con

    monkeypatch.setattr(duckdb, "connect", recording)
    run_all(limited, retrain=True)
    kinds = {database == ":memory:" for database, _ in opened}
    assert kinds == {True, False}, "the run opened its files and Splink's work databases"
    assert [o for o in opened if o[1][0] != "2.7 GiB"] == [], "every database holds to the run's memory limit"
    assert [o for o in opened if not o[1][1].startswith(str(tmp_path / "spill"))] == [], "and spills where the run says"


#: (description, how the current results file is made foreign, the words of the refusal)
FOREIGN_RESULTS = [
    ("written before the schema was stamped (an older MASH Link)",
     "DROP TABLE store_schema", rf"written by an older MASH Link \(store schema 0; this version reads {SCHEMA_VERSION}\)"),
    ("written before records had surname_groups (schema 1)",
     "UPDATE store_schema SET version = 1", rf"written by an older MASH Link \(store schema 1; this version reads {SCHEMA_VERSION}\)"),
    ("written by a newer MASH Link",
     "UPDATE store_schema SET version = version + 1",
     rf"written by a newer MASH Link \(store schema {SCHEMA_VERSION + 1}; this version reads {SCHEMA_VERSION}\)"),
]


@pytest.mark.parametrize(("description", "change", "words"), FOREIGN_RESULTS, ids=[c[0] for c in FOREIGN_RESULTS])
def test_results_of_another_schema_are_refused_until_a_full_run(linked, tmp_path, description, change, words):
    """Readers and an incremental run refuse them naming the file; a full run upgrades and keeps the person ids."""
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    copy = run.model_copy(update={"store": tmp_path / "store" / run.store.name})
    current = layout(copy.store).current()
    with connect(current) as con:
        ids = con.sql("SELECT unique_id, person_id FROM clusters ORDER BY unique_id").fetchall()
        con.execute(change)
    with pytest.raises(MashError, match=re.escape(str(current)) + ": results " + words + r"; re-run 'mash run' to upgrade"):
        open_results(copy.store)
    with pytest.raises(MashError, match=words + r"; run a full 'mash run' \(without --incremental\) to upgrade"):
        run_all(copy, incremental=True)
    assert layout(copy.store).current() == current, "the refused update left the results as they were"
    run_all(copy)
    with open_results(copy.store) as con:
        assert con.sql("SELECT unique_id, person_id FROM clusters ORDER BY unique_id").fetchall() == ids


def test_checkpoint_meanwhile_writes_the_changes_into_the_file_while_the_block_runs(tmp_path):
    store = tmp_path / "mash.duckdb"
    wal = tmp_path / "mash.duckdb.wal"
    con = connect(store)
    con.execute("CREATE TABLE t (i BIGINT)")
    con.execute("INSERT INTO t SELECT range FROM range(1000)")
    assert wal.exists() and wal.stat().st_size > 0
    ran = []
    with checkpoint_meanwhile(con):
        ran.append(True)
    assert ran == [True]
    # Checkpointed: the log is empty and the rows are in the file itself.
    assert not wal.exists() or wal.stat().st_size == 0
    con.close()
    assert duckdb.connect(str(store), read_only=True).execute("SELECT count(*) FROM t").fetchone() == (1000,)


def test_checkpoint_meanwhile_hands_a_failed_checkpoint_to_the_caller(tmp_path, monkeypatch):
    con = connect(tmp_path / "mash.duckdb")

    def failing(cursor, step, sql, params=None):
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr("linkage.store.connection.run_sql", failing)
    ran = []
    with pytest.raises(duckdb.IOException, match="No space left"):
        with checkpoint_meanwhile(con):
            ran.append(True)
    assert ran == [True]  # the block ran whole; the failure came after it
    con.close()
