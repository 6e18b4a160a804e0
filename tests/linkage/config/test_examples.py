"""Every example config in configs/examples/ loads and validates (no data and no bench extra needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkage.config import load_run_config, load_source_config

EXAMPLES = Path(__file__).resolve().parents[3] / "configs" / "examples"
RUN_CONFIGS = sorted(EXAMPLES.glob("*/run.yaml"))
#: The public data sets bench/bench_public.py runs, with the source names its extract files are written for.
EXPECTED = {
    "febrl3": {"febrl3"},
    "febrl4": {"febrl4_a", "febrl4_b"},
    "rldata10000": {"rldata10000"},
}


def test_every_public_data_set_has_an_example():
    assert {path.parent.name for path in RUN_CONFIGS} == set(EXPECTED), "one run.yaml per data set in configs/examples/"


@pytest.mark.parametrize("run_yaml", RUN_CONFIGS, ids=[p.parent.name for p in RUN_CONFIGS])
def test_example_run_config_loads(run_yaml):
    run = load_run_config(run_yaml)
    assert {source.name for source in run.sources} == EXPECTED[run_yaml.parent.name], "sources named as the bench writes them"
    for source in run.sources:
        assert source.file.name == f"{source.name}.csv", "the bench writes each source to <name>.csv"
    assert run.store.parent.name == "store", "the store has a folder of its own (it also holds the saved models)"


@pytest.mark.parametrize(
    "source_yaml", sorted(EXAMPLES.glob("*/sources/*.yaml")), ids=lambda p: f"{p.parents[1].name}/{p.name}"
)
def test_example_source_is_listed_by_its_run_config(source_yaml):
    load_source_config(source_yaml)
    run = load_run_config(source_yaml.parents[1] / "run.yaml")
    assert load_source_config(source_yaml).name in {s.name for s in run.sources}, "no example source left unused"
