"""A generated set linked once per test session, for tests that read a whole run's results."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkage.batch import RunReport, run_all
from linkage.config import RunConfig, load_run_config
from linkage.synth import generate_extracts

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def linked(tmp_path_factory) -> tuple[RunConfig, RunReport]:
    """4,000 generated people, run end to end; tests that change the store copy it first."""
    root = tmp_path_factory.mktemp("linked")
    generate_extracts(people=4000, seed=5, out_dir=root / "extracts")
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=root / "extracts")
    return run, run_all(run)
