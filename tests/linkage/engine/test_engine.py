"""The engine seam: both engines offer the protocol's methods, the right engine is chosen, stages are recorded."""

from __future__ import annotations

import inspect
import sys

import pytest

from linkage.config import load_run_config
from linkage.engine import DuckDBEngine, Engine, Stages, engine_for
from linkage.errors import MashError
from tests.linkage.ingest.conftest import REPO

#: The protocol's methods (what orchestration and resolve() call), with their parameters.
METHODS = [name for name, _ in inspect.getmembers(Engine, inspect.isfunction) if not name.startswith("_")]


def _engines():
    found = [pytest.param(DuckDBEngine, id="duckdb")]
    try:
        from linkage.spark.engine import SparkEngine
    except ModuleNotFoundError:  # pyspark not installed: only DuckDB's engine to check
        return found
    return [*found, pytest.param(SparkEngine, id="spark")]


def test_the_protocol_names_every_stage():
    assert set(METHODS) == {"read_source", "profiles", "train", "predict", "cluster", "flags"}


@pytest.mark.parametrize("engine", _engines())
@pytest.mark.parametrize("method", METHODS)
def test_each_engine_takes_the_protocols_parameters(engine, method):
    wanted = list(inspect.signature(getattr(Engine, method)).parameters)
    assert list(inspect.signature(getattr(engine, method)).parameters) == wanted, f"{engine.__name__}.{method}"


def _run(tmp_path, engine):
    return load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "mash.duckdb").model_copy(update={"engine": engine})


def test_duckdb_is_chosen_by_default(tmp_path):
    engine = engine_for(_run(tmp_path, "duckdb"), 1)
    assert isinstance(engine, DuckDBEngine) and engine.name == "duckdb"


def test_spark_without_pyspark_says_which_extra_to_install(tmp_path, monkeypatch):
    # As on a machine where only the base package is installed: importing pyspark fails.
    monkeypatch.setitem(sys.modules, "pyspark", None)
    for name in [m for m in sys.modules if m == "linkage.spark" or m.startswith("linkage.spark.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(MashError, match=r"mash-link\[spark\]"):
        engine_for(_run(tmp_path, "spark"), 1)


CASES = [
    # (description, stages entered as (key, label, announce), announced, keys timed)
    ("a stage is announced by its key", [("predict", None, True)], ["predict"], ["predict"]),
    ("a label is announced in place of the key", [("flags", "graph and flags", True)], ["graph and flags"], ["flags"]),
    ("a quiet stage is timed but not announced", [("ingest", None, False)], [], ["ingest"]),
    ("stages keep the order they ran in", [("train", None, True), ("cluster", None, True)], ["train", "cluster"], ["train", "cluster"]),
]


@pytest.mark.parametrize(("description", "entered", "announced", "keys"), CASES, ids=[c[0] for c in CASES])
def test_stages_time_and_announce(description, entered, announced, keys):
    heard: list[str] = []
    stages = Stages(heard.append)
    for key, label, announce in entered:
        with stages.time(key, label=label, announce=announce):
            pass
    assert heard == announced, description
    assert list(stages.seconds) == keys and all(s >= 0 for s in stages.seconds.values()), description


def test_a_failed_stage_still_records_its_time():
    stages = Stages()
    with pytest.raises(RuntimeError), stages.time("cluster"):
        raise RuntimeError("stage failed")
    assert "cluster" in stages.seconds
