"""A run killed with SIGKILL at any stage leaves the previous results intact and readable."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from linkage.batch import run_all
from linkage.history import list_runs
from linkage.store import layout, open_results, open_state

REPO = Path(__file__).resolve().parents[2]

# (description, SQL step after which the run is killed, which occurrence of it)
KILL_AT = [
    ("while reading the first extract", "read_police", 1),
    ("after clustering, while carrying ids over", "previous_person_ids", 1),
    ("while building the graph", "graph_events", 1),
    ("half-way through swapping tables", "swap_persons", 1),
    ("with the results file complete but not switched to", "checkpoint", 1),
    ("after switching, before the history records it", "create_runs", 2),
]


def snapshot(store) -> list[tuple]:
    with open_results(store) as con:
        return con.sql("SELECT unique_id, person_id, link_strength FROM clusters ORDER BY unique_id").fetchall()


@pytest.fixture
def copy(linked, tmp_path):
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    return run.model_copy(update={"store": tmp_path / "store" / "mash.duckdb"})


# Runs ``mash run`` and freezes it (SIGSTOP) right after a given SQL step, so the test
# can read the store mid-run and then SIGKILL it at exactly that point.
STOPPING_RUN = """
import logging, os, signal, sys
from linkage.cli import main
step, occurrence = sys.argv[1], int(sys.argv[2])
seen = 0
class StopAfter(logging.Handler):
    def emit(self, record):
        global seen
        if record.getMessage().startswith(f"step {step} ran"):
            seen += 1
            if seen == occurrence:
                print("stopped", flush=True)
                os.kill(os.getpid(), signal.SIGSTOP)
logging.getLogger("linkage").addHandler(StopAfter())
logging.getLogger("linkage").setLevel(logging.DEBUG)
sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize(("description", "step", "occurrence"), KILL_AT, ids=[k[0] for k in KILL_AT])
def test_killed_run_leaves_previous_results(copy, description, step, occurrence):
    before = snapshot(copy.store)
    command = [
        sys.executable, "-c", STOPPING_RUN, step, str(occurrence), "run", "--config", str(REPO / "configs" / "run.yaml"),
        "--store", str(copy.store), "--extracts", str(copy.extracts_dir),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    try:
        assert process.stdout.readline().strip() == "stopped", f"the run never reached {step}"
        assert snapshot(copy.store) == before, "readable during the run: " + description
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        process.kill()
        process.wait()
    switched = occurrence == 2
    if not switched:
        assert snapshot(copy.store) == before, "previous results intact: " + description
    with open_state(copy.store) as state:
        assert list_runs(state, 1)[0].status == "running", "the history shows the run never finished"
    report = run_all(copy)
    assert snapshot(copy.store) == before, "the next run starts cleanly and changes no id"
    with open_state(copy.store) as state:
        killed = list_runs(state, 2)[1]
    assert killed.status == ("complete" if switched else "killed"), description
    files = sorted(p.name for p in layout(copy.store).runs_dir.glob("run-*.duckdb"))
    assert report.results_file.name in files and len(files) == 2, f"leftovers removed: {files}"
