"""The prior from the trained model's scores of the candidate pairs (``linkage.resolve.prior``)."""

from __future__ import annotations

import csv
import math
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from linkage.resolve.prior import CANDIDATE_THRESHOLD, candidate_prior
from linkage.resolve.profiles import collapse
from linkage.resolve.linker import ArrowModelData


def _weights(rows: list[tuple[float, float]], first_prior: float) -> pa.Table:
    """Candidate rows from (log2 Bayes factor, record pairs): match weights as Splink gives them under ``first_prior``."""
    odds = math.log2(first_prior / (1 - first_prior))
    return pa.table({
        "match_weight": [factor + odds if not math.isinf(factor) else factor for factor, _ in rows],
        "pairs": [float(pairs) for _, pairs in rows],
    })


CASES = [
    # (description, rows (log2 Bayes factor, record pairs), first prior, possible pairs, expected prior)
    ("clear matches and clear non-matches: the matches over all pairs, wherever the first prior was",
     [(40.0, 100), (-30.0, 10_000)], 1e-7, 1e6, 1e-4),
    ("the same from a first prior far too high",
     [(40.0, 100), (-30.0, 10_000)], 1e-2, 1e6, 1e-4),
    ("pairs certain to match (an identity profile's own) count in full",
     [(math.inf, 50), (-30.0, 10_000)], 1e-3, 1e6, 5e-5),
    ("a pair whose Bayes factor is the inverse odds of the prior counts half",
     [(math.log2((1 - 1e-4) / 1e-4), 200)], 1e-6, 1e6, 1e-4),
]


@pytest.mark.parametrize(("description", "rows", "first", "possible", "expected"), CASES, ids=[c[0] for c in CASES])
def test_candidate_prior_fixed_point(description, rows, first, possible, expected):
    assert candidate_prior(_weights(rows, first), first, possible) == pytest.approx(expected, rel=1e-3), description


SAMPLED = [
    # (description, rows (log2 Bayes factor, record pairs) seen in the sample, share of rows kept, expected prior)
    ("pairs between kept rows were kept with the share squared: each counts for its inverse",
     [(40.0, 25), (-30.0, 2_500)], 0.5, 1e-4),
    ("a kept row's own pairs (certain) were kept with the share: each counts for its inverse",
     [(math.inf, 25), (-30.0, 2_500)], 0.5, 5e-5),
]


@pytest.mark.parametrize(("description", "rows", "share", "expected"), SAMPLED, ids=[c[0] for c in SAMPLED])
def test_sampled_counts_stand_for_all_rows(description, rows, share, expected):
    assert candidate_prior(_weights(rows, 1e-3), 1e-3, 1e6, sampled=share) == pytest.approx(expected, rel=1e-3), description


def test_nothing_to_estimate_from_keeps_the_first_prior():
    empty = pa.table({"match_weight": pa.array([], pa.float64()), "pairs": pa.array([], pa.float64())})
    assert candidate_prior(empty, 3e-5, 1e6) == 3e-5


@pytest.fixture(scope="module")
def trained(generated_input):
    from linkage.resolve.train import train

    records, model = generated_input
    return train(records, model)


def test_trained_prior_is_near_the_truth(generated_input, generated_extracts, trained):
    """On 5,000 generated people the prior is within a fifth of the true share of matching record pairs."""
    records, _ = generated_input
    with (generated_extracts / "extracts" / "truth" / "records.csv").open(newline="") as f:
        person = {f"{r['source']}:{r['record_id']}": r["person_id"] for r in csv.DictReader(f)}
    sizes = Counter(person[uid] for uid in records["unique_id"].to_pylist())
    n = records.num_rows
    true = sum(k * (k - 1) / 2 for k in sizes.values()) / (n * (n - 1) / 2)
    assert trained["probability_two_random_records_match"] == pytest.approx(true, rel=0.2)


def test_profiles_stand_for_their_records(generated_input, trained):
    """Scored over identity profiles (each weighted by its records, its own pairs certain) or over the records, the
    candidate pairs give the same prior: a profile's records are identical to the model."""
    records, model = generated_input
    profiles = collapse(records, model)
    assert profiles.records.num_rows < records.num_rows, "the generated data has records identical to the model"
    first = trained["probability_two_random_records_match"]
    priors = []
    for data in (ArrowModelData(records), ArrowModelData(profiles.records, np.asarray(profiles.sizes))):
        weights = data.candidate_weights(data.linker(trained), CANDIDATE_THRESHOLD)
        priors.append(candidate_prior(weights, first, records.num_rows * (records.num_rows - 1) / 2))
    assert priors[1] == pytest.approx(priors[0], rel=0.02)


def test_a_random_share_of_the_rows_gives_nearly_the_same_prior(generated_input, trained):
    """Scored among half the identity profiles (a quarter of the pairs) and scaled up, the candidate pairs give the
    prior they give over all rows, to within sampling error (about 5% at these 3,900 profiles, measured over six
    seeds): unscaled it would be about four times too low."""
    records, model = generated_input
    profiles = collapse(records, model)
    data = ArrowModelData(profiles.records, np.asarray(profiles.sizes))
    first = trained["probability_two_random_records_match"]
    possible = records.num_rows * (records.num_rows - 1) / 2
    full = candidate_prior(data.candidate_weights(data.linker(trained), CANDIDATE_THRESHOLD), first, possible)
    half = data.sample(0.5, seed=42)
    assert 0.4 < half.table.num_rows / data.table.num_rows < 0.6
    sampled = candidate_prior(half.candidate_weights(half.linker(trained), CANDIDATE_THRESHOLD), first, possible, sampled=0.5)
    assert sampled == pytest.approx(full, rel=0.15)


def _scored_under(trained: dict, prior: float, data: ArrowModelData, threshold: float) -> pa.Table:
    """The pairs ``predict`` gives at ``threshold`` with the trained model under another prior."""
    from linkage.resolve.linker import scored_pairs

    return scored_pairs(data.linker({**trained, "probability_two_random_records_match": prior}).inference.predict(threshold_match_probability=threshold))


@pytest.mark.parametrize("factor", [4.0, 0.25], ids=["prior four times higher", "prior four times lower"])
def test_kept_candidate_pairs_rescored_under_another_prior_are_what_predict_gives(generated_input, trained, factor):
    """The pairs the prior's scoring pass keeps, rescored under the final prior, are the predict stage's pairs
    exactly (ids, weights, probabilities, gammas), so it need not predict them again."""
    from splink.internals.misc import prob_to_match_weight

    records, model = generated_input
    profiles = collapse(records, model)
    data = ArrowModelData(profiles.records, np.asarray(profiles.sizes))
    first = trained["probability_two_random_records_match"]
    review = model.thresholds.review
    data.candidate_weights(data.linker(trained), CANDIDATE_THRESHOLD, prob_to_match_weight(review) - 10.0)
    rescored = data.kept["candidates"].rescored(first * factor, review)
    direct = _scored_under(trained, first * factor, data, review)
    assert direct.num_rows > 100
    assert rescored.equals(direct)


def test_kept_pairs_are_not_rescored_when_the_prior_moved_past_what_was_kept(generated_input, trained):
    """Kept down to 2 match-weight units under the review threshold: a prior 8 times higher needs pairs 3 units
    under it, which were not kept, so the predict stage must predict (None); 2 times higher is still covered."""
    from splink.internals.misc import prob_to_match_weight

    records, model = generated_input
    data = ArrowModelData(records)
    first = trained["probability_two_random_records_match"]
    review = model.thresholds.review
    data.candidate_weights(data.linker(trained), CANDIDATE_THRESHOLD, prob_to_match_weight(review) - 2.0)
    kept = data.kept["candidates"]
    assert kept.rescored(first * 8, review) is None
    assert kept.rescored(first * 2, review).equals(_scored_under(trained, first * 2, data, review))


def test_nothing_is_kept_unless_asked(generated_input, trained):
    records, _ = generated_input
    data = ArrowModelData(records)
    data.candidate_weights(data.linker(trained), CANDIDATE_THRESHOLD)
    assert data.kept == {}


def test_the_duckdb_engine_predicts_after_training_from_the_pairs_training_scored(generated_extracts, generated_input, tmp_path, monkeypatch):
    """Right after training, the engine's predict stage gives the pairs a fresh prediction with the saved model
    gives, without predicting; any other profiles or model are predicted as before."""
    from pathlib import Path

    import linkage.engine.duckdb_engine as duckdb_engine
    from linkage.config import load_run_config

    records, model = generated_input
    repo = Path(__file__).resolve().parents[3]
    run = load_run_config(repo / "configs" / "run.yaml", store=tmp_path / "mash.duckdb", extracts_dir=generated_extracts / "extracts")
    profiles = collapse(records, model)
    engine = duckdb_engine.DuckDBEngine(run)
    trained_model = engine.train(profiles)
    fresh = duckdb_engine.DuckDBEngine(run).predict(profiles, trained_model)

    def refused(*args, **kwargs):
        raise AssertionError("predicted again")

    with monkeypatch.context() as patched:
        patched.setattr(duckdb_engine, "predict", refused)
        assert engine.predict(profiles, trained_model).equals(fresh)
    assert engine.predict(profiles, trained_model).equals(fresh), "used once: the next call predicts"
