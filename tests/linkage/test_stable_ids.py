"""Person ids survive re-runs and new records on generated data."""

from __future__ import annotations

import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from linkage.batch import run_all
from linkage.history import list_runs
from linkage.resolve import resolve_person_id
from linkage.store import open_results, open_state

HELD_BACK = 0.1  # share of each extract's rows that arrive only in the second run


def ids(store) -> pd.DataFrame:
    with open_results(store) as con:
        return con.sql("SELECT unique_id, person_id FROM clusters").df()


@pytest.fixture
def growing(linked, tmp_path):
    """A run on 90% of each extract, then the full extracts arrive."""
    run, _ = linked
    extracts = tmp_path / "extracts"
    shutil.copytree(run.extracts_dir, extracts)
    full = tmp_path / "full"
    shutil.copytree(run.extracts_dir, full)
    for name in ("police.csv", "social_care.csv"):
        lines = (extracts / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (extracts / name).write_text("".join(lines[: int(len(lines) * (1 - HELD_BACK))]), encoding="utf-8")
    health = pq.read_table(extracts / "health.parquet")
    pq.write_table(health.slice(0, int(health.num_rows * (1 - HELD_BACK))), extracts / "health.parquet")
    partial = run.model_copy(update={"store": tmp_path / "store" / "mash.duckdb", "extracts_dir": extracts})
    shutil.copytree(run.store.parent / "models", tmp_path / "store" / "models")
    run_all(partial)
    return partial, full


def test_adding_records_never_renames_an_existing_person(growing):
    run, full = growing
    before = ids(run.store)
    for path in full.iterdir():
        if path.is_file():
            shutil.copy(path, run.extracts_dir / path.name)
    report = run_all(run)
    after = ids(run.store)
    assert len(after) > len(before), "the held-back records arrived"
    joined = before.merge(after, on="unique_id", suffixes=("_before", "_after"))
    assert len(joined) == len(before), "no record was lost"
    with open_results(run.store) as con:
        current = {pid: resolve_person_id(con, pid) for pid in before["person_id"].unique()}
    assert None not in current.values(), "every id issued still resolves"
    # Each earlier person is found under its own id, or under the survivor of a merge.
    home = joined.groupby("person_id_before")["person_id_after"].agg(lambda s: s.mode().iloc[0])
    renamed = [pid for pid, now in home.items() if now != pid and current[pid] != now]
    assert renamed == []
    merged = sum(1 for pid, now in current.items() if now != pid)
    assert merged == report.counts["merges"]
    assert merged <= 0.01 * len(current), "new records rarely bridge two known people"
    assert report.counts["new_people"] > 0
    with open_state(run.store) as state:
        latest = list_runs(state, 1)[0]
    assert latest.counts["merges"] == report.counts["merges"] and latest.status == "complete"


def test_rerunning_the_same_inputs_changes_no_id(growing):
    run, _ = growing
    before = ids(run.store).sort_values("unique_id", ignore_index=True)
    report = run_all(run)
    pd.testing.assert_frame_equal(ids(run.store).sort_values("unique_id", ignore_index=True), before)
    assert (report.counts["new_people"], report.counts["merges"], report.counts["splits"]) == (0, 0, 0)
