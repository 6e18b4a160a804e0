"""u from random pairs in hash buckets over every record: the share over all pairs when they fit, close to it when not; fixed and unfilled comparisons left out."""

from __future__ import annotations


import numpy as np
import pytest
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator

from linkage.resolve.linker import make_linker
from linkage.resolve.fixed_u import held_by_fewer_than_two
from linkage.resolve.u_sampling import buckets_for, estimate_u


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


def _exact_u(values: list[str | None], link_sources: list[str] | None = None) -> float:
    """Share of all (cross-source, when given) pairs of records holding a value that agree: u over every pair."""
    agree = total = 0
    for i, a in enumerate(values):
        for j in range(i + 1, len(values)):
            b = values[j]
            if a is None or b is None or (link_sources and link_sources[i] == link_sources[j]):
                continue
            total += 1
            agree += a == b
    return agree / total


def test_when_every_pair_fits_u_is_the_share_over_all_pairs_and_fixed_comparisons_are_left_out():
    records = _records(300)
    linker = make_linker(records, _settings())
    left_out = estimate_u(linker, 50_000, seed=3)  # 44,850 pairs: one bucket
    assert left_out == ["code"]
    assert _u(linker, "code") == [0.004, 0.996], "the fixed u kept"
    for comparison in ("surname", "town"):
        same, _ = _u(linker, comparison)
        assert same == pytest.approx(_exact_u(records[comparison].to_pylist()), rel=1e-12), comparison
    assert [c.output_column_name for c in linker._settings_obj.comparisons] == ["surname", "code", "town"], "all kept, in order"


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
    assert _u(linker, "code") == [0.004, pytest.approx(0.996, rel=1e-12)], "the else level takes what the fixed level leaves"


def test_a_fixed_level_still_takes_its_pairs_from_a_later_sampled_level():
    # The fixed exact level is tested only on pairs the sampled first-letter level takes; those
    # pairs must still go to it, or the first-letter u would hold every exact pair too.
    records = _records(300)
    surnames = [f"{s}{i % 3}" for i, s in enumerate(records["surname"].to_pylist())]  # s12 and s15 share a first letter
    records = records.set_column(records.column_names.index("surname"), "surname", pa.array(surnames, pa.string()))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.CustomComparison(
                output_column_name="surname",
                comparison_levels=[
                    cll.NullLevel("surname"),
                    cll.ExactMatchLevel("surname").configure(u_probability=0.01, fix_u_probability=True),
                    cll.CustomLevel("left(surname_l, 2) = left(surname_r, 2)", "First two letters agree"),
                    cll.ElseLevel(),
                ],
            ),
        ],
        blocking_rules_to_generate_predictions=[],
    )
    linker = make_linker(records, settings)
    estimate_u(linker, 50_000, seed=3)  # 44,850 pairs: one bucket, every pair counted
    pairs = [(a, b) for i, a in enumerate(surnames) for b in surnames[i + 1:]]
    only_letters = sum(a != b and a[:2] == b[:2] for a, b in pairs) / len(pairs)
    assert _u(linker, "surname") == [0.01, pytest.approx(only_letters, rel=1e-12), pytest.approx(0.99 - only_letters, rel=1e-12)]


def test_a_comparison_on_a_column_almost_no_record_holds_is_left_out_with_the_u_splink_would_leave():
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
    estimate_u(ours, 200_000, seed=3, unfilled=["nhs"])  # 179,700 pairs: one bucket
    splinks.training.estimate_u_using_random_sampling(max_pairs=50_000, seed=3)
    assert _u(ours, "nhs") == _u(splinks, "nhs"), "sampling it would have set no u either"
    assert _u(ours, "surname")[0] == pytest.approx(_exact_u(records["surname"].to_pylist()), rel=1e-12)


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


BUCKET_CASES = [
    # (description, records per source, max_pairs, link only, buckets)
    ("every pair fits: one bucket", [300], 50_000, False, 1),
    ("a million records, two million pairs: about four records a bucket", [1_000_000], 2_000_000, False, 249_999),
    ("ten thousand records, two million pairs", [10_000], 2_000_000, False, 24),
    ("link only counts pairs across sources", [5_000, 5_000], 2_000_000, True, 12),
    ("link only, three sources", [1_000, 1_000, 2_000], 1_000_000, True, 5),
    ("fewer pairs than asked: still one bucket", [10], 2_000_000, False, 1),
]


@pytest.mark.parametrize(("description", "counts", "max_pairs", "link_only", "expected"), BUCKET_CASES, ids=[c[0] for c in BUCKET_CASES])
def test_buckets_for(description, counts, max_pairs, link_only, expected):
    assert buckets_for(counts, max_pairs, link_only) == expected, description


def test_pairs_in_buckets_give_about_the_u_of_all_pairs_repeatably():
    records = _records(3_000, seed=5)  # 4.5M pairs
    exact = _exact_u(records["surname"].to_pylist())
    found = {}
    for seed in (3, 3, 4):
        linker = make_linker(records, _settings())
        estimate_u(linker, 200_000, seed=seed)  # 22 buckets of about 136 records
        found.setdefault(seed, []).append(_u(linker, "surname")[0])
    assert found[3][0] == found[3][1], "the same seed, the same buckets, the same u"
    assert found[4][0] != found[3][0], "another seed, other buckets"
    for seed, (u, *_) in found.items():
        # About 5,000 agreeing pairs of 200,000 (1 in 40): a few per cent of sampling error.
        assert u == pytest.approx(exact, rel=0.1), seed


def test_link_only_counts_only_pairs_across_sources():
    # Every record of source a is s1; half of b's are s1: across sources half the pairs agree,
    # within a all do; counting within-source pairs would raise u far above a half.
    n = 200
    records = pa.table({
        "unique_id": [f"r{i:04d}" for i in range(2 * n)],
        "source_dataset": ["a"] * n + ["b"] * n,
        "surname": ["s1"] * n + ["s1" if i % 2 else "s2" for i in range(n)],
    })
    settings = SettingsCreator(link_type="link_only", comparisons=[cl.ExactMatch("surname")], blocking_rules_to_generate_predictions=[])
    linker = make_linker(records, settings)
    estimate_u(linker, 100_000, seed=1)
    assert _u(linker, "surname")[0] == pytest.approx(0.5, rel=1e-12)


def test_null_pairs_are_left_out_of_u_and_a_level_no_pair_reaches_is_not_observed():
    # Every level of every comparison counted from one grouping of the pairs: a comparison's
    # nulls must not dilute its u, and a level no pair reaches must stay without a u (as Splink leaves it).
    records = _records(300)
    towns = records["town"].to_pylist()
    towns = [None if i % 3 == 0 else town for i, town in enumerate(towns)]
    records = records.set_column(records.column_names.index("town"), "town", pa.array(towns, pa.string()))
    records = records.append_column("serial", pa.array([f"x{i}" for i in range(records.num_rows)], pa.string()))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.ExactMatch("surname"), cl.ExactMatch("town"), cl.ExactMatch("serial")],
        blocking_rules_to_generate_predictions=[],
    )
    linker = make_linker(records, settings)
    estimate_u(linker, 50_000, seed=3)  # 44,850 pairs: one bucket, every pair counted
    same, different = _u(linker, "town")
    assert same == pytest.approx(_exact_u(towns), rel=1e-12), "the share among pairs holding a town on both sides"
    assert same + different == pytest.approx(1.0, rel=1e-12)
    assert _u(linker, "serial") == [None, 1.0], "no two records share a serial: that level is not observed"
