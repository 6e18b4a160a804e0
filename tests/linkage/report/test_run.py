"""Which run a report is of: the latest complete one by default, and clear errors for runs it cannot read."""

from __future__ import annotations

import json
import re
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
     "run 1's results are no longer kept (a store keeps the current run's and the one before); report on a later run"),
    ("results gone but its report was written: where that report is", [(1, "complete"), (3, "complete")], 1,
     "run 1's results are no longer kept (a store keeps the current run's and the one before); its report as last "
     "written is {store}.reports/run-000001/quality.md"),
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
    if "its report" in description:
        report_path(run.store, 1).parent.mkdir(parents=True)
        report_path(run.store, 1).write_text("# Linkage quality report: run 1\n", encoding="utf-8")
    with pytest.raises(MashError, match=re.escape(words.format(store=tmp_path / "mash"))):
        report_for_run(run, asked)


def test_report_path_is_per_run_beside_the_store(tmp_path):
    assert report_path(tmp_path / "mash.duckdb", 12) == tmp_path / "mash.reports" / "run-000012" / "quality.md"
