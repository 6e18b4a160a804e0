"""Which run a report is of: the latest complete one by default, and clear errors for runs it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkage.config import load_run_config
from linkage.errors import MashError
from linkage.report import report_for_run, report_path
from linkage.store import open_state

REPO = Path(__file__).resolve().parents[3]

CASES = [
    # description, runs (id, status), run asked for, words of the error
    ("no run yet", [], None, "no complete run yet"),
    ("only a failed run", [(1, "failed")], None, "no complete run yet"),
    ("a run not in the history", [(1, "complete")], 7, "no run 7 in the run history"),
    ("a failed run asked for", [(1, "complete"), (2, "failed")], 2, "run 2 is failed; its results were not kept"),
    ("a complete run whose results file is gone", [(1, "complete"), (2, "killed")], None,
     "run 1's results are no longer kept"),
]


@pytest.mark.parametrize(("description", "runs", "asked", "words"), CASES, ids=[c[0] for c in CASES])
def test_runs_it_cannot_report_on(tmp_path, description, runs, asked, words):
    run = load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "mash.duckdb")
    with open_state(run.store) as state:
        for run_id, status in runs:
            state.execute(
                "INSERT INTO runs (run_id, kind, status, started_at, results_file, config, counts) "
                "VALUES (?, 'full', ?, now(), ?, ?, '{}')",
                [run_id, status, f"run-{run_id:06d}.duckdb", json.dumps({"model": {}})],
            )
    with pytest.raises(MashError, match=words):
        report_for_run(run, asked)


def test_report_path_is_per_run_beside_the_store(tmp_path):
    assert report_path(tmp_path / "mash.duckdb", 12) == tmp_path / "mash.reports" / "run-000012" / "quality.md"
