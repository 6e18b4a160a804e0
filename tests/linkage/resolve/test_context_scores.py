"""Kept context scores: a pair found in the table gets exactly the scores Splink gives it, and only unseen pairs are scored."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import linkage.resolve.context as context_step
from linkage.resolve.context import Context
from linkage.resolve.context_scores import CONTEXT_SCORES, ContextScores
from linkage.resolve.profiles import collapse
from linkage.resolve.train import train_and_save

#: _score reads no DA incidents: the candidate pairs are given.
NO_EVENTS = pa.table({"unique_id": pa.array([], pa.string()), "event": pa.array([], pa.string()), "role": pa.array([], pa.string())})


@pytest.fixture(scope="module")
def trained(generated_input, tmp_path_factory):
    """Generated people's profiles and a model trained on them."""
    records, config = generated_input
    profiles = collapse(records, config)
    return profiles, train_and_save(tmp_path_factory.mktemp("context_scores") / "mash.duckdb", profiles.records, config)


@pytest.fixture
def scoring(trained, monkeypatch):
    """Profiles, candidate pairs, the context without kept scores, the model, and the sizes of the pair sets Splink scores."""
    profiles, model = trained
    n = profiles.records.num_rows
    # Candidate pairs as the step forms them (weak profile, other profile), some both ways round and repeated.
    weak = [i for i in range(0, n - 3, max(1, n // 300))]
    candidates = pa.table({"weak_profile": weak + weak[:20], "profile": [i + 3 for i in weak] + [i + 1 for i in weak[:20]]}).to_pandas()
    asked: list[int] = []
    predict = context_step._predict

    def counting(used, pairs, context):
        asked.append(pairs.num_rows)
        return predict(used, pairs, context)

    monkeypatch.setattr(context_step, "_predict", counting)
    return profiles, candidates, Context(NO_EVENTS, model.splink, model.term_frequency_tables()), model, asked


def _same(got: pa.Table, expected: pa.Table) -> None:
    assert got.column_names == expected.column_names
    for name in expected.column_names:
        assert got[name].to_pylist() == expected[name].to_pylist(), name


def _pairs(records: pa.Table, candidates) -> set[tuple[str, str]]:
    """The distinct record pairs of the candidates, lower id first."""
    ids = records["unique_id"].to_pylist()
    return {tuple(sorted((ids[a], ids[b]))) for a, b in zip(candidates.weak_profile, candidates.profile, strict=True)}


def test_kept_scores_equal_splinks_and_only_new_pairs_are_scored(scoring):
    profiles, candidates, context, model, asked = scoring
    # Every other pair moved on by one profile: half of the pairs already kept, half new.
    more = candidates.assign(profile=candidates.profile + candidates.index.to_series() % 2)
    expected = context_step._score(profiles.records, candidates, context)
    expected_more = context_step._score(profiles.records, more, context)
    del asked[:]
    with duckdb.connect() as con:
        kept = Context(context.events, context.splink, context.term_frequencies, scores=ContextScores.of(con, model, fresh=True))
        first = context_step._score(profiles.records, candidates, kept)
        rows = con.execute(f"SELECT count(*) FROM {CONTEXT_SCORES}").fetchall()[0][0]
        again = context_step._score(profiles.records, candidates, kept)
        mixed = context_step._score(profiles.records, more, kept)
    old, new = _pairs(profiles.records, candidates), _pairs(profiles.records, more)
    assert 0 < len(new - old) < len(new), "precondition: some pairs of the second set are kept, some new"
    assert rows == len(old), "each distinct pair kept once"
    assert asked == [len(old), len(new - old)], "only pairs not kept are scored"
    _same(first, expected)
    _same(again, expected)
    _same(mixed, expected_more)


def test_a_changed_record_or_another_model_is_scored_afresh(scoring):
    profiles, candidates, context, model, asked = scoring
    with duckdb.connect() as con:
        kept = Context(context.events, context.splink, context.term_frequencies, scores=ContextScores.of(con, model, fresh=True))
        context_step._score(profiles.records, candidates, kept)
        # One record's forename changes: only the pairs it is in are scored again.
        at = int(candidates.weak_profile.iloc[0])
        forename = profiles.records["forename"].to_pylist()
        forename[at] = (forename[at] or "") + "X"
        column = profiles.records.schema.get_field_index("forename")
        changed = profiles.records.set_column(column, "forename", pa.array(forename, pa.string()))
        got = context_step._score(changed, candidates, kept)
        changed_id = profiles.records["unique_id"][at].as_py()
        assert asked[-1] == sum(changed_id in pair for pair in _pairs(profiles.records, candidates))
        _same(got, context_step._score(changed, candidates, context))
        # Under another model nothing kept is used, and the other model's rows are let go.
        other = Context(context.events, context.splink, context.term_frequencies, scores=ContextScores(con, "another model", fresh=False))
        assert con.execute(f"SELECT count(*) FROM {CONTEXT_SCORES}").fetchall()[0][0] == 0
        context_step._score(profiles.records, candidates, other)
        assert asked[-1] == len(_pairs(profiles.records, candidates))


def test_keys_hash_every_model_column_but_the_id(trained):
    records = trained[0].records.slice(0, 200)
    with duckdb.connect() as con:
        scores = ContextScores(con, "m", fresh=True)
        keys = scores.keys(records).to_pylist()
        column = records.schema.get_field_index("unique_id")
        renamed = records.set_column(column, "unique_id", pc.binary_join_element_wise(records["unique_id"], pa.scalar("-other"), ""))
        assert scores.keys(renamed).to_pylist() == keys, "the id is no part of the key"
        contents = [repr(sorted(row.items())) for row in records.drop_columns(["unique_id"]).to_pylist()]
        assert len(set(keys)) == len(set(contents)), "records differing in any model column differ in key"
