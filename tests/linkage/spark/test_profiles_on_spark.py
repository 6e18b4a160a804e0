"""Identity profiles on Spark: a person repeated many times is scored once, with the results of scoring rows.

The generated 1,200-person set plus one police record repeated :data:`COPIES` more times
with fresh record ids (a prolific nominal's identical rows), as DuckDB's and Spark's
model input. Spark's profiles are DuckDB's (same representatives and sizes); counts for
training weigh each profile by its records, as DuckDB's do; the pairs Spark scores are
between profiles plus each profile's own pair, DuckDB's pairs; and the people, link
strengths and best probabilities are those of scoring every row on Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from linkage.config import ModelConfig
from linkage.resolve.portable import render_settings
from linkage.resolve.profiles import Profiles, collapse, self_pairs
from linkage.resolve.run import cluster_records, clusters_table, predict
from linkage.resolve.linker import ArrowModelData, model_input
from linkage.resolve.train import TrainedModel, train_and_save

pytestmark = pytest.mark.spark

#: Extra copies of the repeated record: its rows alone would make comb(COPIES + 1, 2) pairs.
COPIES = 200


@dataclass(frozen=True)
class Repeated:
    """The set with one record repeated, as DuckDB's profiles and model, and Spark's model input."""

    person: list[str]  # the repeated record's id and its copies' ids
    config: ModelConfig
    records: pa.Table  # DuckDB's model input
    profiles: Profiles
    model: TrainedModel
    spark_input: object
    out: Path


@pytest.fixture(scope="module")
def repeated(both_engines, spark, tmp_path_factory) -> Repeated:
    from linkage.spark import model_input_spark

    root: Path = tmp_path_factory.mktemp("repeated")
    config = both_engines.run.model
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS ingested (READ_ONLY)", [str(both_engines.duckdb.store)])
        (chosen,) = con.execute(
            "SELECT min(unique_id) FROM ingested.records WHERE agency = 'police' AND dob IS NOT NULL AND pnc_id IS NOT NULL "
            "AND forename IS NOT NULL AND NOT coalesce(domestic_abuse, false)"
        ).fetchone()
        con.execute(
            "CREATE TABLE records AS SELECT * FROM ingested.records UNION ALL "
            "SELECT r.* REPLACE (r.unique_id || '~copy' || lpad(CAST(i AS VARCHAR), 3, '0') AS unique_id) "
            "FROM ingested.records AS r, range($copies) AS t(i) WHERE r.unique_id = $chosen",
            {"copies": COPIES, "chosen": chosen},
        )
        # As a Spark run hands the records to Spark (SparkEngine.profiles).
        con.execute("COPY records TO ? (FORMAT parquet)", [str(root / "records.parquet")])
        records = model_input(con, "records", config)
    person = [uid for uid in records["unique_id"].to_pylist() if uid.startswith(chosen)]
    assert len(person) == COPIES + 1
    profiles = collapse(records, config)
    model = train_and_save(root / "mash.duckdb", ArrowModelData(profiles.records, profiles.sizes), config)
    return Repeated(
        person=person, config=config, records=records, profiles=profiles, model=model,
        spark_input=model_input_spark(spark, root / "records.parquet"), out=root,
    )


def _rows(frame) -> list[tuple]:
    return sorted(tuple(row) for row in frame.collect())


def test_spark_profiles_are_duckdbs(repeated):
    from linkage.spark import collapse_spark

    profiles = collapse_spark(repeated.spark_input, repeated.config)
    members = repeated.profiles.members()
    assert _rows(profiles.members) == sorted(zip(members["unique_id"].to_pylist(), members["profile_id"].to_pylist(), strict=True))
    # The repeated person is one profile, under its lowest id, of all its records.
    of_person = {row for row in _rows(profiles.members) if row[0] in set(repeated.person)}
    assert {profile for _, profile in of_person} == {repeated.person[0]}
    profiles.release()


def test_records_an_analyst_decided_on_keep_profiles_of_their_own(repeated):
    from linkage.spark import collapse_spark

    apart = set(repeated.person[5:7])
    profiles = collapse_spark(repeated.spark_input, repeated.config, keep_apart=apart)
    expected = collapse(repeated.records, repeated.config, keep_apart=apart).members()
    found = _rows(profiles.members)
    assert found == sorted(zip(expected["unique_id"].to_pylist(), expected["profile_id"].to_pylist(), strict=True))
    assert {(uid, uid) for uid in apart} <= set(found)
    profiles.release()


def test_training_counts_are_of_records(repeated, spark_api):
    """Counts over the weighted profiles are the rows' counts, and DuckDB's over its profiles."""
    from linkage.spark import SparkModelData, collapse_spark
    from linkage.spark.profiles import SIZE

    profiles = collapse_spark(repeated.spark_input, repeated.config)
    weighted = SparkModelData(profiles.sized, spark_api, SIZE)
    rows = SparkModelData(repeated.spark_input, spark_api)
    duck = ArrowModelData(repeated.profiles.records, repeated.profiles.sizes)
    assert weighted.rows() == rows.rows() == duck.rows() == repeated.profiles.unique_ids.length()
    for column in ("surname", "pnc_id", "source"):
        counts = _counts(weighted.value_counts(column))
        assert counts == _counts(rows.value_counts(column)) == _counts(duck.value_counts(column)), column
    names = ["forename", "surname", "dob"]
    assert _counts(weighted.value_counts_of(names)) == _counts(rows.value_counts_of(names)) == _counts(duck.value_counts_of(names))

    # Candidate pairs: a pair of profiles for size_l * size_r record pairs, a profile's own pairs as certain.
    model = repeated.model
    settings = render_settings(model.splink, model.config, spark_api.sql_dialect.sql_dialect_str)
    spark_weights = _weights(weighted.candidate_weights(weighted.linker(settings, model.term_frequency_tables()), 0.01))
    duck_weights = _weights(duck.candidate_weights(duck.linker(model.splink, model.term_frequency_tables()), 0.01))
    assert spark_weights == duck_weights
    own = float((repeated.profiles.sizes * (repeated.profiles.sizes - 1) / 2).sum())
    assert spark_weights[float("inf")] == own >= comb(COPIES + 1, 2)
    # A sample keeps whole profiles: every kept row keeps its profile's size.
    sample = weighted.sample(0.5, seed=3)
    sizes = dict(_rows(profiles.sized.select("unique_id", SIZE)))
    assert all(sizes[uid] == size for uid, size in _rows(sample.frame.select("unique_id", SIZE)))
    profiles.release()


def _counts(table: pa.Table) -> list[tuple]:
    return sorted(tuple(row.values()) for row in table.to_pylist())


def _weights(table: pa.Table) -> dict[float, float]:
    return {w: p for w, p in zip(table["match_weight"].to_pylist(), table["pairs"].to_pylist(), strict=True)}


@dataclass(frozen=True)
class Outcome:
    people: set[frozenset[str]]
    records: dict[str, tuple[str, float | None]]
    pairs: dict[tuple[str, str], tuple]


def _outcome_spark(clustered) -> Outcome:
    people: dict[str, set[str]] = {}
    records = {}
    for uid, key, strength, best in _rows(clustered.clusters):
        people.setdefault(key, set()).add(uid)
        records[uid] = (strength, None if best is None else round(best, 12))
    pairs = {
        (row["unique_id_l"], row["unique_id_r"]): (row["band"], row["reason"], round(row["match_weight"], 9))
        for row in clustered.pairs.collect()
    }
    return Outcome({frozenset(p) for p in people.values()}, records, pairs)


def test_spark_scores_profiles_with_the_results_of_scoring_rows(repeated, spark, spark_api):
    from linkage.spark import as_rows_spark, cluster_on_spark, collapse_spark, own_pairs_on_spark, predict_on_spark

    config, model, out = repeated.config, repeated.model, repeated.out
    review = config.thresholds.review

    # DuckDB: profiles scored and clustered (linkage.resolve.run.resolve's path).
    duck_pairs = pa.concat_tables([
        predict(repeated.profiles.records, model, review),
        self_pairs(repeated.profiles, model.splink, model.term_frequency_tables(), review),
    ], promote_options="default").sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")])
    duck = cluster_records(repeated.profiles, duck_pairs, {}, config)
    ids = duck.unique_ids.to_pylist()
    names = {}
    for uid, label in zip(ids, duck.labels, strict=True):
        names.setdefault(label, uid)
    duck_table = clusters_table(duck, names)

    # Spark, as profiles.
    profiles = collapse_spark(repeated.spark_input, config)
    between = predict_on_spark(spark_api, model, profiles.records, out / "pairs", review)
    own = own_pairs_on_spark(spark_api, model, profiles, out / "own_pairs", review)
    scored = spark.read.parquet(str(out / "pairs"), str(out / "own_pairs"))
    as_profiles = _outcome_spark(cluster_on_spark(spark_api, profiles, scored, {}, config))

    # Spark, as rows.
    rows_scored = predict_on_spark(spark_api, model, repeated.spark_input, out / "row_pairs", review)
    as_rows = _outcome_spark(cluster_on_spark(spark_api, as_rows_spark(repeated.spark_input), spark.read.parquet(str(out / "row_pairs")), {}, config))

    # The same people, link strengths and best probabilities, whether scored as rows or profiles.
    assert as_profiles.people == as_rows.people
    assert as_profiles.records == as_rows.records
    person = frozenset(repeated.person)
    assert any(person <= p for p in as_profiles.people), "the repeated record's copies should be one person"

    # DuckDB's people and pairs.
    duck_people: dict[str, set[str]] = {}
    for uid, person_id in zip(ids, duck_table["person_id"].to_pylist(), strict=True):
        duck_people.setdefault(person_id, set()).add(uid)
    assert as_profiles.people == {frozenset(p) for p in duck_people.values()}
    duck_best = duck_table["best_match_probability"].to_pylist()
    assert as_profiles.records == {
        uid: (strength, None if best is None else round(best, 12))
        for uid, strength, best in zip(ids, duck_table["link_strength"].to_pylist(), duck_best, strict=True)
    }
    duck_banded = {
        (row["unique_id_l"], row["unique_id_r"]): (row["band"], row["reason"], round(row["match_weight"], 9))
        for row in duck.pairs.to_pylist()
    }
    assert as_profiles.pairs == duck_banded

    # Pairs scored between profiles: of the repeated person's own records, only its two lowest ids;
    # every other pair is between representatives, scored as the row pair it stands for.
    inside = {pair for pair in as_profiles.pairs if pair[0] in person and pair[1] in person}
    assert inside == {(repeated.person[0], repeated.person[1])}
    rows_inside = [pair for pair in as_rows.pairs if pair[0] in person and pair[1] in person]
    assert len(rows_inside) == comb(COPIES + 1, 2)
    assert between + own == len(as_profiles.pairs) <= rows_scored - comb(COPIES + 1, 2) + 1
    members = profiles.listed.select("unique_id", "_profile_members").collect()
    representatives = {row[0] for row in members}
    own_pairs = {(row[1][0], row[1][1]) for row in members if len(row[1]) > 1}
    for pair, (_, _, weight) in as_profiles.pairs.items():
        assert pair in own_pairs or set(pair) <= representatives, pair
        assert as_rows.pairs[pair][2] == pytest.approx(weight, abs=1e-9)
    profiles.release()


def test_training_on_spark_profiles_gives_duckdbs_model(repeated, spark_api):
    """Trained on the weighted profiles, Spark's model is DuckDB's (trained on its profiles), within the
    tolerances of ``test_model_both_engines``: exact u and the prior are counts of records (the repeated
    PNC ID counts 201 times, not once), sampled u and m follow each engine's hash of the ids."""
    from linkage.spark import collapse_spark, train_on_spark
    from linkage.spark.profiles import SIZE

    profiles = collapse_spark(repeated.spark_input, repeated.config)
    spark_model = train_on_spark(spark_api, profiles.sized, repeated.config, repeated.out / "spark" / "mash.duckdb", weight=SIZE)
    profiles.release()
    duck, spark = repeated.model.splink, spark_model.splink
    assert spark["probability_two_random_records_match"] == pytest.approx(duck["probability_two_random_records_match"], rel=0.01)
    exact = 0
    for duck_comparison, spark_comparison in zip(duck["comparisons"], spark["comparisons"], strict=True):
        name = duck_comparison["output_column_name"]
        for level, (d, s) in enumerate(zip(duck_comparison["comparison_levels"], spark_comparison["comparison_levels"], strict=True)):
            if d.get("fix_u_probability"):
                exact += 1
                assert s["u_probability"] == pytest.approx(d["u_probability"], rel=1e-12), (name, level)
            elif "u_probability" in d:
                assert 1 / 1.5 < s["u_probability"] / d["u_probability"] < 1.5, (name, level)
            if d.get("m_probability", 0) >= 1e-6:
                assert s["m_probability"] == pytest.approx(d["m_probability"], rel=0.05), (name, level)
    assert exact, "no exact u compared"
