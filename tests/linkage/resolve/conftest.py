"""Fixtures shared by the resolution tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def generated_input(tmp_path_factory):
    """The model input of 5,000 generated people, and the run's model config."""
    from pathlib import Path

    import duckdb

    from linkage.config import load_run_config
    from linkage.ingest import ingest
    from linkage.resolve.session import model_input
    from linkage.synth import generate_extracts

    root = tmp_path_factory.mktemp("trained")
    generate_extracts(people=5000, seed=3, out_dir=root / "extracts")
    repo = Path(__file__).resolve().parents[3]
    run = load_run_config(repo / "configs" / "run.yaml", store=root / "mash.duckdb", extracts_dir=root / "extracts")
    with duckdb.connect(str(ingest(run).store), read_only=True) as con:
        return model_input(con, "records"), run.model
