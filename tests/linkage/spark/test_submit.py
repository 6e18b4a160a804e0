"""``mash run`` as a spark-submit application, after a DuckDB run on the same store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from linkage.batch import run_all
from linkage.config import load_run_config
from linkage.spark import similarity_jar
from linkage.store import layout
from synth import generate_extracts

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[3]


def _people(results: Path) -> dict[str, frozenset[str]]:
    with duckdb.connect(str(results), read_only=True) as con:
        rows = con.execute("SELECT person_id, list(unique_id ORDER BY unique_id) FROM clusters GROUP BY person_id").fetchall()
    return {person: frozenset(records) for person, records in rows}


def test_spark_submit_runs_mash_and_keeps_person_ids(tmp_path):
    """spark-submit's session is joined; the DuckDB run's people and ids come back unchanged."""
    extracts = tmp_path / "extracts"
    generate_extracts(people=300, seed=5, out_dir=extracts)
    store = tmp_path / "store" / "mash.duckdb"
    run = load_run_config(REPO / "configs" / "run.yaml", store=store, extracts_dir=extracts)
    first = run_all(run)
    submit = Path(sys.executable).with_name("spark-submit")
    script = REPO / "linkage" / "spark_submit.py"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    done = subprocess.run(
        [str(submit), "--master", "local[1]", "--conf", "spark.sql.shuffle.partitions=2", "--jars", str(similarity_jar()),
         str(script), "--config", str(REPO / "configs" / "run.yaml"), "--store", str(store), "--extracts", str(extracts)],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "complete" in done.stdout
    second = layout(store).current()
    assert second != first.results_file
    assert _people(second) == _people(first.results_file)
    with duckdb.connect(str(second), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM record_hashes").fetchall() == [(0,)], "not a Spark run's results"
        assert con.execute("SELECT count(*) FROM flags").fetchall() == [(first.counts["flags"],)]
