"""A generated set linked once per test session, for tests that read a whole run's results."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from linkage.batch import RunReport, run_all
from linkage.config import RunConfig, load_run_config
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[2]
#: Share of each extract's rows the incremental tests hold back from the first run.
HELD_BACK = 0.1


@pytest.fixture(scope="session")
def linked(tmp_path_factory) -> tuple[RunConfig, RunReport]:
    """4,000 generated people, run end to end; tests that change the store copy it first."""
    root = tmp_path_factory.mktemp("linked")
    generate_extracts(people=4000, seed=5, out_dir=root / "extracts")
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=root / "extracts")
    return run, run_all(run)


def hold_back(directory: Path) -> None:
    """Keep the first 90% of each extract's rows."""
    for name in ("police.csv", "social_care.csv"):
        lines = (directory / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (directory / name).write_text("".join(lines[: int(len(lines) * (1 - HELD_BACK))]), encoding="utf-8")
    health = pq.read_table(directory / "health.parquet")
    pq.write_table(health.slice(0, int(health.num_rows * (1 - HELD_BACK))), directory / "health.parquet")


@pytest.fixture
def twins(linked, tmp_path):
    """Two copies of a store that ran on 90% of the extracts, and the full extracts."""
    run, _ = linked
    partial, full = tmp_path / "partial", tmp_path / "full"
    shutil.copytree(run.extracts_dir, partial)
    shutil.copytree(run.extracts_dir, full)
    hold_back(partial)
    first = run.model_copy(update={"store": tmp_path / "a" / "mash.duckdb", "extracts_dir": partial})
    shutil.copytree(run.store.parent / "models", tmp_path / "a" / "models")
    run_all(first)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    incremental = first.model_copy(update={"extracts_dir": full})
    return incremental, incremental.model_copy(update={"store": tmp_path / "b" / "mash.duckdb"})
