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


# Where an example's model departs from the defaults, and why (each in its model.yaml):
# (description, data set, setting read from the loaded model, expected value).
DEPARTURES = [
    ("FEBRL3: forenames replaced outright are weighed, not vetoed (FEBRL has no twins)",
     "febrl3", lambda m: m.constraints.forenames_must_agree, False),
    ("FEBRL3: DOBs years apart are weighed, not vetoed (several digits miskeyed)",
     "febrl3", lambda m: m.constraints.max_dob_year_gap, None),
    ("FEBRL4: the same two constraints off as FEBRL3",
     "febrl4", lambda m: (m.constraints.forenames_must_agree, m.constraints.max_dob_year_gap), (False, None)),
    ("FEBRL4: only pairs across the two files", "febrl4", lambda m: m.link_type, "link_only"),
    ("RLdata10000: linked at 0.9 as plain Splink (no analyst reviews a benchmark)",
     "rldata10000", lambda m: m.thresholds.link, 0.9),
    ("RLdata10000: names alone form candidate pairs (no postcode to pin them to)",
     "rldata10000", lambda m: ("forename_canonical", "surname") in m.blocking_rules, True),
    *((f"{name}: the default training (YAML only, default training)", name,
       lambda m: m.training == type(m.training)(), True) for name in EXPECTED),
]


@pytest.mark.parametrize(("description", "name", "read", "expected"), DEPARTURES, ids=[d[0] for d in DEPARTURES])
def test_example_model_departures(description, name, read, expected):
    assert read(load_run_config(EXAMPLES / name / "run.yaml").model) == expected, description
