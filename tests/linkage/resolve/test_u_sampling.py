"""u by random sampling leaves out comparisons whose every level's u is fixed, and changes no other estimate."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator

from linkage.resolve.linker import make_linker
from linkage.resolve.fixed_u import held_by_fewer_than_two
from linkage.resolve.u_sampling import estimate_u


def _records(rows: int = 600, codes: int = 300, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({
        "unique_id": [f"r{i:05d}" for i in range(rows)],
        "surname": [f"s{v}" for v in rng.integers(0, 40, rows)],
        "town": [f"t{v}" for v in rng.integers(0, 8, rows)],
        "code": [f"c{v}" for v in rng.integers(0, codes, rows)],
    })


def _settings() -> SettingsCreator:
    fixed_code = cl.CustomComparison(
        output_column_name="code",
        comparison_levels=[
            cll.NullLevel("code"),
            cll.ExactMatchLevel("code").configure(u_probability=0.004, fix_u_probability=True),
            cll.ElseLevel().configure(u_probability=0.996, fix_u_probability=True),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.ExactMatch("surname"), fixed_code, cl.ExactMatch("town")],
        blocking_rules_to_generate_predictions=[],
    )


def _u(linker, comparison: str) -> list[float]:
    settings = linker.misc.save_model_to_json()
    levels = next(c for c in settings["comparisons"] if c["output_column_name"] == comparison)["comparison_levels"]
    return [level.get("u_probability") for level in levels if not level.get("is_null_level")]


def test_a_comparison_with_every_u_fixed_is_left_out_and_the_others_are_as_splink_samples_them(caplog):
    records = _records()
    ours, splinks = make_linker(records, _settings()), make_linker(records, _settings())
    with caplog.at_level(logging.INFO, logger="splink.internals.estimate_u"):
        left_out = estimate_u(ours, 50_000, seed=3)
    sampled = [m.removeprefix("\nEstimating u for: ").split(" ")[0] for m in caplog.messages if "Estimating u for:" in m]
    assert sampled == ["surname", "town"], "Splink never samples the fixed comparison"
    splinks.training.estimate_u_using_random_sampling(max_pairs=50_000, seed=3)
    assert left_out == ["code"]
    for comparison in ("surname", "town"):
        assert _u(ours, comparison) == _u(splinks, comparison), f"{comparison}: the same sample, the same u"
    assert _u(ours, "code") == [0.004, 0.996], "the fixed u kept"
    assert [c.output_column_name for c in ours._settings_obj.comparisons] == ["surname", "code", "town"], "all put back, in order"


def test_a_comparison_with_one_level_still_to_sample_is_sampled():
    partly = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.CustomComparison(
                output_column_name="code",
                comparison_levels=[
                    cll.NullLevel("code"),
                    cll.ExactMatchLevel("code").configure(u_probability=0.004, fix_u_probability=True),
                    cll.ElseLevel(),
                ],
            ),
        ],
        blocking_rules_to_generate_predictions=[],
    )
    linker = make_linker(_records(), partly)
    assert estimate_u(linker, 50_000, seed=3) == []
    assert _u(linker, "code")[0] == 0.004 and _u(linker, "code")[1] not in (None, 0.996)


def test_a_comparison_on_a_column_almost_no_record_holds_is_left_out_with_the_u_splink_would_leave(caplog):
    records = _records()
    held_once = [None] * records.num_rows
    held_once[5] = "x1"  # one record: no pair has it on both sides
    records = records.append_column("nhs", pa.array(held_once, pa.string()))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.ExactMatch("surname"), cl.ExactMatch("nhs")],
        blocking_rules_to_generate_predictions=[],
    )
    ours, splinks = make_linker(records, settings), make_linker(records, settings)
    with caplog.at_level(logging.INFO, logger="splink.internals.estimate_u"):
        estimate_u(ours, 50_000, seed=3, unfilled=["nhs"])
    sampled = [m.removeprefix("\nEstimating u for: ").split(" ")[0] for m in caplog.messages if "Estimating u for:" in m]
    assert sampled == ["surname"], "the unfilled comparison is not sampled"
    splinks.training.estimate_u_using_random_sampling(max_pairs=50_000, seed=3)
    assert _u(ours, "nhs") == _u(splinks, "nhs"), "sampling it would have set no u either"
    assert _u(ours, "surname") == _u(splinks, "surname")


HELD_CASES = [
    # (description, column a, column b, fewer than two records hold a value)
    ("no record holds either", [None, None, None], [None, None, None], True),
    ("one record holds one", ["x", None, None], [None, None, None], True),
    ("one record holds both", ["x", None, None], ["y", None, None], False),  # counted twice: left in, sampled as before
    ("two records hold one column each", ["x", None, None], [None, "y", None], False),
    ("two records hold one column", ["x", "z", None], [None, None, None], False),
]


@pytest.mark.parametrize(("description", "a", "b", "expected"), HELD_CASES, ids=[c[0] for c in HELD_CASES])
def test_held_by_fewer_than_two(description, a, b, expected):
    records = pa.table({"a": pa.array(a, pa.string()), "b": pa.array(b, pa.string())})
    assert held_by_fewer_than_two(records, ("a", "b")) is expected, description


def _rare_settings() -> SettingsCreator:
    # Same code (1 pair in 5,000) is rare and its u fixed; same town (1 in 8) and else are common.
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.CustomComparison(
                output_column_name="town",
                comparison_levels=[
                    cll.NullLevel("town"),
                    cll.ExactMatchLevel("code").configure(u_probability=0.0002, fix_u_probability=True),
                    cll.ExactMatchLevel("town"),
                    cll.ElseLevel(),
                ],
            ),
        ],
        blocking_rules_to_generate_predictions=[],
    )


def _chunks_run(caplog) -> int:
    return sum("Running chunk" in message for message in caplog.messages)


def test_a_rare_level_with_its_u_fixed_no_longer_keeps_sampling_from_stopping_early(caplog):
    from splink.internals import estimate_u as splink_estimate_u

    original = splink_estimate_u._MUCountsAccumulator
    ours, splinks = make_linker(_records(2_000, 5_000, 11), _rare_settings()), make_linker(_records(2_000, 5_000, 11), _rare_settings())
    with caplog.at_level(logging.INFO, logger="splink.internals.estimate_u"):
        estimate_u(ours, 200_000, seed=3)
        assert "Probe did not converge" not in " ".join(caplog.messages), "stopped on the probe: town and else seen 100 times"
        caplog.clear()
        splinks.training.estimate_u_using_random_sampling(max_pairs=200_000, seed=3)
        assert _chunks_run(caplog) == 10, "plain Splink waits for the fixed level too and runs every chunk"
    assert splink_estimate_u._MUCountsAccumulator is original, "Splink's own counts class put back"
    code, town, other = _u(ours, "town")
    assert code == 0.0002, "the fixed u kept"
    _, plain_town, plain_other = _u(splinks, "town")
    assert town == pytest.approx(plain_town, abs=0.03) and other == pytest.approx(plain_other, abs=0.03), (
        "the levels still sampled get about the u the full sample gives"
    )
