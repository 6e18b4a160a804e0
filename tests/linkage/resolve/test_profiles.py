"""Identity profiles: scoring and clustering profiles gives what scoring every row gives."""

from __future__ import annotations

import datetime
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest

from linkage.resolve.profiles import as_rows, collapse, profile_key, self_pairs
from linkage.resolve.run import cluster_records, clusters_table, predict
from linkage.resolve.train import train_and_save
from tests.linkage.resolve.conftest import model_record

#: How many extra copies (fresh record ids) of every n-th record: most records once, some
#: twice to five times, one 60 times (a prolific nominal).
COPIES = {7: 1, 11: 2, 13: 4}
MANY = 60


#: Hand-made records added to the generated ones, each then repeated: a father and son of one
#: name (different NHS numbers, DOBs 30 years apart) and a police record of that name with no
#: DOB or identifier at their address, which matches both (ambiguous: left unlinked, each
#: copy apart); and a record with only a surname, which no rule blocks with its copies.
def hand_made() -> list[dict]:
    home = {"postcode": "ZQ1 1AA", "sex": "male"}
    health = {"source": "health", "agency": "health"}
    return [
        model_record("zz-father-gp", "JOHN", "ZQUARTON", dob=datetime.date(1960, 3, 4), nhs_number="9434765919", **home, **health),
        model_record("zz-father-police", "JOHN", "ZQUARTON", dob=datetime.date(1960, 3, 4), pnc_id="80/123456A", **home),
        model_record("zz-son-gp", "JOHN", "ZQUARTON", dob=datetime.date(1990, 3, 4), nhs_number="9434765870", **home, **health),
        model_record("zz-son-police", "JOHN", "ZQUARTON", dob=datetime.date(1990, 3, 4), pnc_id="08/654321B", **home),
        model_record("zz-no-dob", "JOHN", "ZQUARTON", dob=None, **home),
        model_record("zz-surname-only", None, "ZQWEAKLEY", dob=None, postcode=None),
    ]


def with_copies(records: pa.Table) -> pa.Table:
    """The model input with rows repeated under fresh record ids, ordered by id as ``model_input`` gives it."""
    made = pa.Table.from_pylist([{c: row.get(c) for c in records.column_names} for row in hand_made()], schema=records.schema)
    records = pa.concat_tables([records, made])
    extra = [(records.num_rows - 2, f"zz-no-dob~copy{c:03d}") for c in range(3)]
    extra += [(records.num_rows - 1, f"zz-surname-only~copy{c:03d}") for c in range(3)]
    for position in range(records.num_rows):
        copies = sum(n for every, n in COPIES.items() if position % every == 0)
        if position == 100:
            copies = MANY
        extra.extend((position, f"{records['unique_id'][position].as_py()}~copy{c:03d}") for c in range(copies))
    positions, ids = zip(*extra, strict=True)
    copied = records.take(pa.array(positions))
    copied = copied.set_column(copied.column_names.index("unique_id"), "unique_id", pa.array(ids, pa.string()))
    both = pa.concat_tables([records, copied])
    return both.sort_by("unique_id")


@pytest.fixture(scope="module")
def duplicated(generated_input, tmp_path_factory):
    """5,000 generated people's records with repeated rows, and a model trained on their profiles."""
    records, config = generated_input
    rows = with_copies(records)
    profiles = collapse(rows, config)
    model = train_and_save(tmp_path_factory.mktemp("profiles") / "mash.duckdb", profiles.records, config)
    return rows, config, model


def resolve_rows(rows, model, config, decided):
    """Score and cluster every record as a row (each record its own profile)."""
    return cluster_records(as_rows(rows), predict(rows, model, config.thresholds.review), decided, config)


def resolve_profiles(rows, model, config, decided):
    """Score and cluster identity profiles, then expand them to records."""
    profiles = collapse(rows, config, keep_apart={uid for pair in decided for uid in pair})
    review = config.thresholds.review
    pairs = predict(profiles.records, model, review)
    own = self_pairs(profiles, model.splink, model.term_frequency_tables(), review)
    assert own is not None, "the set has profiles of several records"
    return profiles, cluster_records(profiles, pa.concat_tables([pairs, own], promote_options="default"), decided, config)


def partition(clustered) -> set[frozenset[str]]:
    groups = defaultdict(set)
    for uid, label in zip(clustered.unique_ids.to_pylist(), clustered.labels, strict=True):
        groups[label].add(uid)
    return {frozenset(group) for group in groups.values()}


def person_columns(clustered) -> dict[str, tuple]:
    """Link strength and best in-person probability per record (person ids by a label's lowest record)."""
    table = clustered_table(clustered)
    return {
        uid: (strength, None if best is None else round(best, 12))
        for uid, strength, best in zip(*(table[c].to_pylist() for c in ("unique_id", "link_strength", "best_match_probability")), strict=True)
    }


def clustered_table(clustered):
    return clusters_table(clustered, {label: str(label) for label in set(clustered.labels)})


def first_duplicate_pair(rows) -> tuple[str, str]:
    """Two records identical to the model (the MANY-times repeated record and its first copy)."""
    uid = rows["unique_id"].to_pylist()
    copy = next(u for u in uid if u.endswith("~copy000"))
    return copy.split("~")[0], copy


CASES = [
    ("the run's model config", {}, None),
    ("the place rule on: the event day joins the profile key", {"place_needs_history": True}, None),
    ("an analyst rejects a pair of identical records", {}, "reject"),
    ("an analyst confirms a pair of identical records", {}, "confirm"),
]


@pytest.mark.parametrize(("description", "constraints", "decision"), CASES, ids=[c[0] for c in CASES])
def test_profiles_cluster_records_as_rows_do(duplicated, description, constraints, decision):
    rows, config, model = duplicated
    config = config.model_copy(update={"constraints": config.constraints.model_copy(update=constraints)})
    decided = {first_duplicate_pair(rows): decision} if decision else {}
    profiles, by_profile = resolve_profiles(rows, model, config, decided)
    by_row = resolve_rows(rows, model, config, decided)
    assert profiles.records.num_rows < rows.num_rows * 0.8, "the copies collapse"
    assert partition(by_profile) == partition(by_row), description
    groups = partition(by_profile)
    for made in ("zz-no-dob", "zz-surname-only"):
        assert frozenset({made}) in groups, f"{made}: its copies are left apart, as rows would be"
    assert person_columns(by_profile) == person_columns(by_row), description
    if decision == "reject":
        left, right = first_duplicate_pair(rows)
        labels = dict(zip(by_profile.unique_ids.to_pylist(), by_profile.labels, strict=True))
        assert labels[left] != labels[right], "the rejection keeps two identical records apart"


def test_each_row_pair_scores_as_its_profiles_pair(duplicated):
    rows, config, model = duplicated
    profiles, _ = resolve_profiles(rows, model, config, {})
    profile_id = dict(zip(*(profiles.members()[c].to_pylist() for c in ("unique_id", "profile_id")), strict=True))
    by_row = predict(rows, model, config.thresholds.review)
    between = predict(profiles.records, model, config.thresholds.review)
    own = self_pairs(profiles, model.splink, model.term_frequency_tables(), config.thresholds.review)
    expected = {(l, r): p for l, r, p in zip(*(between[c].to_pylist() for c in ("unique_id_l", "unique_id_r", "match_probability")), strict=True)}
    own_probability = {profile_id[l]: p for l, p in zip(own["unique_id_l"].to_pylist(), own["match_probability"].to_pylist(), strict=True)}
    seen = set()
    for l, r, p in zip(*(by_row[c].to_pylist() for c in ("unique_id_l", "unique_id_r", "match_probability")), strict=True):
        a, b = sorted((profile_id[l], profile_id[r]))
        if a == b:
            assert p == pytest.approx(own_probability[a], abs=1e-12), "a pair inside a profile scores as its own pair"
        else:
            assert p == pytest.approx(expected[(a, b)], abs=1e-12), "a row pair scores as its profiles' pair"
            seen.add((a, b))
    assert seen == set(expected), "every profile pair stands for row pairs, and only those"
    assert by_row.num_rows > between.num_rows + own.num_rows, "the rows score many more pairs"


def test_profile_key_is_what_the_model_and_clustering_read(generated_input):
    records, config = generated_input
    key = profile_key(records.column_names, config)
    assert "unique_id" not in key and "event_day" not in key
    assert {"partner_pnc", "partner_first", "partner_last", "partner_name", "agency", "source", "postcode_outward"} <= set(key)
    placed = config.model_copy(update={"constraints": config.constraints.model_copy(update={"place_needs_history": True})})
    assert "event_day" in profile_key(records.column_names, placed)


def test_records_differing_in_one_keyed_column_are_two_profiles(generated_input):
    records, config = generated_input
    first = records.slice(0, 1)
    for column in profile_key(records.column_names, config):
        other = first.set_column(first.column_names.index("unique_id"), "unique_id", pa.array(["zz-other"], pa.string()))
        changed = pa.array([None if other[column][0].is_valid else _some(first[column].type)], first[column].type)
        other = other.set_column(other.column_names.index(column), column, changed)
        profiles = collapse(pa.concat_tables([first, other]), config)
        assert profiles.records.num_rows == 2, column
        np.testing.assert_array_equal(profiles.sizes, [1, 1])


def _some(kind: pa.DataType):
    """A non-null value of a column type, for a record whose value was null."""
    if pa.types.is_list(kind):
        return ["X"]
    if pa.types.is_integer(kind):
        return 1
    if pa.types.is_date(kind):
        return datetime.date(2000, 1, 2)
    if pa.types.is_boolean(kind):
        return True
    return "X"


def test_records_sharing_a_key_hash_but_not_a_key_are_still_told_apart(generated_input, monkeypatch):
    """Every record given one hash (a collision everywhere): the check finds it and groups by the keys."""
    from linkage.resolve import profiles as module

    records, config = generated_input
    rows = with_copies(records.slice(0, 400))
    expected = collapse(rows, config)
    real = module.fetch_arrow

    def one_hash(con, step, sql, params=None):
        result = real(con, step, sql, params)
        if step == "profiles:key hashes":
            return pa.table({"h": pa.array(np.zeros(result.num_rows, dtype=np.uint64))})
        return result

    monkeypatch.setattr(module, "fetch_arrow", one_hash)
    got = collapse(rows, config)
    assert got.records.num_rows == expected.records.num_rows > 1
    np.testing.assert_array_equal(got.profile_of, expected.profile_of)


def test_collapse_needs_records_in_id_order(generated_input):
    records, config = generated_input
    with pytest.raises(ValueError, match="ordered by unique_id"):
        collapse(records.slice(0, 10).take(pa.array([1, 0, *range(2, 10)])), config)


@pytest.mark.parametrize("factor", [1.0, 8.0, 0.125], ids=["same prior", "kept under a prior 8 times lower", "8 times higher"])
def test_own_pairs_scored_by_the_kept_linker_are_a_new_linkers(duplicated, factor):
    """Each profile's own pair, scored by the linker training's prior pass kept (under its own prior), is
    exactly what a linker built for the twins under the model's prior gives: ids, weights, probabilities, gammas."""
    from splink.internals.misc import prob_to_match_weight

    from linkage.resolve.linker import ArrowModelData
    from linkage.resolve.prior import CANDIDATE_THRESHOLD

    rows, config, model = duplicated
    profiles = collapse(rows, config)
    review = config.thresholds.review
    tf = model.term_frequency_tables()
    prior = model.splink["probability_two_random_records_match"]
    data = ArrowModelData(profiles.records, profiles.sizes)
    kept_under = {**model.splink, "probability_two_random_records_match": prior / factor}
    data.candidate_weights(data.linker(kept_under, tf), CANDIDATE_THRESHOLD, prob_to_match_weight(review) - 10.0)
    kept = data.kept["candidates"]
    built = self_pairs(profiles, model.splink, tf, review)
    scored = self_pairs(profiles, model.splink, tf, review, kept)
    assert built.num_rows > 50
    assert scored.equals(built)
    assert self_pairs(profiles, model.splink, tf, review, kept).equals(built), "the kept linker scores them again alike"
