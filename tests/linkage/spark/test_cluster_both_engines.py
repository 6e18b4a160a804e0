"""Constrained clustering on Spark, component by component, gives what DuckDB's whole-population run gives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from linkage.config import ModelConfig, load_run_config
from linkage.resolve.cluster_rules import ADDRESS_RULE
from linkage.resolve.profiles import as_rows
from linkage.resolve.run import cluster_records, clusters_table, predict
from linkage.resolve.linker import model_input
from linkage.resolve.train import train_and_save
from tests.linkage.spark.conftest import REPO

pytestmark = pytest.mark.spark

Decided = dict[tuple[str, str], str]


@dataclass(frozen=True)
class Outcome:
    """A clustering as the tests compare it, whichever engine ran it."""

    people: set[frozenset[str]]
    bands: dict[tuple[str, str], tuple[str, str | None]]
    records: dict[str, tuple[str, float | None]]  # link strength, best match probability
    ambiguous: int


def _on_duckdb(records: pa.Table, pairs: pa.Table, decided: Decided, model: ModelConfig) -> Outcome:
    clustered = cluster_records(as_rows(records), pairs, decided, model)
    ids = records["unique_id"].to_pylist()
    people: dict[int, set[str]] = {}
    for uid, label in zip(ids, clustered.labels, strict=True):
        people.setdefault(label, set()).add(uid)
    table = clusters_table(clustered, {label: str(label) for label in people})
    return Outcome(
        people={frozenset(p) for p in people.values()},
        bands=_bands(clustered.pairs),
        records=_strengths(table),
        ambiguous=clustered.ambiguous,
    )


def _on_spark(api, records, pairs, decided: Decided, model: ModelConfig, given: pa.Table) -> Outcome:
    """Cluster on Spark; also check the pairs come back with every column, type and value they were given."""
    from pyspark.sql.types import StringType, StructField

    from linkage.spark import as_rows_spark, cluster_on_spark

    result = cluster_on_spark(api, as_rows_spark(records), pairs, decided, model)
    clusters = _collect(result.clusters)
    people: dict[str, set[str]] = {}
    for uid, key in zip(clusters["unique_id"].to_pylist(), clusters["cluster_key"].to_pylist(), strict=True):
        people.setdefault(key, set()).add(uid)
    assert all(key == min(members) for key, members in people.items()), "a person's key is its smallest record id"
    assert clusters.num_rows == records.count() == len(set(clusters["unique_id"].to_pylist()))
    assert result.pairs.schema.fields == [*pairs.schema.fields, StructField("band", StringType()), StructField("reason", StringType())]
    banded = _collect(result.pairs)
    kept = banded.drop_columns(["band", "reason"])
    assert kept.equals(given.sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")]).cast(kept.schema))
    return Outcome(
        people={frozenset(p) for p in people.values()}, bands=_bands(banded), records=_strengths(clusters), ambiguous=result.ambiguous
    )


def _collect(frame) -> pa.Table:
    """A Spark frame's rows as Arrow, ordered by its first two columns (Spark 3.5 has no toArrow)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    rows = frame.orderBy(*frame.columns[:2]).collect()
    return pa.Table.from_pylist([row.asDict() for row in rows], schema=to_arrow_schema(frame.schema))


def _bands(pairs: pa.Table) -> dict[tuple[str, str], tuple[str, str | None]]:
    columns = (pairs[c].to_pylist() for c in ("unique_id_l", "unique_id_r", "band", "reason"))
    return {(l, r): (band, reason) for l, r, band, reason in zip(*columns, strict=True)}


def _strengths(table: pa.Table) -> dict[str, tuple[str, float | None]]:
    columns = (table[c].to_pylist() for c in ("unique_id", "link_strength", "best_match_probability"))
    return {uid: (strength, best) for uid, strength, best in zip(*columns, strict=True)}


def _assert_same(spark: Outcome, duck: Outcome) -> None:
    assert spark.people == duck.people
    assert spark.bands.keys() == duck.bands.keys()
    assert {k: v for k, v in spark.bands.items() if duck.bands[k] != v} == {}
    assert spark.records.keys() == duck.records.keys()
    assert {k: (v, duck.records[k]) for k, v in spark.records.items() if duck.records[k] != v} == {}
    assert spark.ambiguous == duck.ambiguous


# --- The generated set: a model trained and pairs scored on DuckDB, clustered on both engines ---


@dataclass(frozen=True)
class Scored:
    """DuckDB's model input and scored pairs, the same on Spark, and DuckDB's clustering without decisions."""

    records: pa.Table
    pairs: pa.Table
    spark_records: object
    spark_pairs: object
    model: ModelConfig
    baseline: Outcome


@pytest.fixture(scope="module")
def scored(both_engines, spark, tmp_path_factory) -> Scored:
    from linkage.spark import model_input_spark

    root: Path = tmp_path_factory.mktemp("cluster")
    with duckdb.connect(str(both_engines.duckdb.store), read_only=True) as con:
        records = model_input(con, "records")
    config = both_engines.run.model
    trained = train_and_save(root / "mash.duckdb", records, config)
    pairs = predict(records, trained, config.thresholds.review)
    pq.write_table(pairs, root / "pairs.parquet")
    return Scored(
        records=records,
        pairs=pairs,
        spark_records=model_input_spark(spark, both_engines.spark["records"]),
        spark_pairs=spark.read.parquet(str(root / "pairs.parquet")),
        model=config,
        baseline=_on_duckdb(records, pairs, {}, config),
    )


def _first(scored: Scored, band: str) -> tuple[str, str]:
    """The first pair, by ids, in a band when no analyst has decided anything."""
    return next(pair for pair, (found, _) in sorted(scored.baseline.bands.items()) if found == band)


def _unpaired(scored: Scored, count: int) -> list[str]:
    """The first records, by id, on no scored pair: each its own component."""
    paired = {uid for pair in scored.baseline.bands for uid in pair}
    return [uid for uid in scored.records["unique_id"].to_pylist() if uid not in paired][:count]


def _across_components(scored: Scored) -> tuple[str, str]:
    """A record on no pair and the left record of the first linked pair: two components."""
    (alone,) = _unpaired(scored, 1)
    linked = _first(scored, "link")[0]
    return (min(alone, linked), max(alone, linked))


def _refused_in_order(scored: Scored) -> Decided:
    """Confirm b-c, then a-b, and reject a-c: the rejection refuses whichever confirmation comes second."""
    a, b, c = _unpaired(scored, 3)
    return {(b, c): "confirm", (a, b): "confirm", (a, c): "reject"}


def _all_together(scored: Scored) -> Decided:
    """Several decisions at once, the order-sensitive ones last."""
    return {
        _first(scored, "review"): "confirm",
        _first(scored, "link"): "reject",
        _across_components(scored): "confirm",
        **_refused_in_order(scored),
    }


DECISIONS: list[tuple[str, Callable[[Scored], Decided], bool]] = [
    ("no decisions", lambda s: {}, False),
    ("confirm the first pair in the review band", lambda s: {_first(s, "review"): "confirm"}, True),
    ("reject the first linked pair", lambda s: {_first(s, "link"): "reject"}, True),
    ("confirm two records no scored pair joins: one component", lambda s: {_across_components(s): "confirm"}, True),
    ("reject two records no scored pair joins: one component, nothing else changes", lambda s: {_across_components(s): "reject"}, False),
    ("confirm two records on no scored pair: a component without pairs", lambda s: {tuple(_unpaired(s, 2)): "confirm"}, True),
    ("a rejection refuses the later of two confirmations, in the analysts' order", _refused_in_order, True),
    ("all of these together", _all_together, True),
]


@pytest.mark.parametrize("description, decide, changes", DECISIONS, ids=[d for d, _, _ in DECISIONS])
def test_spark_clusters_the_generated_set_as_duckdb_does(spark_api, scored, description, decide, changes):
    decided = decide(scored)
    duck = _on_duckdb(scored.records, scored.pairs, decided, scored.model)
    assert (duck != scored.baseline) == changes, "the decisions change the outcome as the case says"
    spark = _on_spark(spark_api, scored.spark_records, scored.spark_pairs, decided, scored.model, scored.pairs)
    _assert_same(spark, duck)


def test_the_generated_set_has_every_kind_of_outcome(scored):
    """The comparisons above are only as good as the mix of outcomes they compare."""
    records, pairs, baseline = scored.records.num_rows, scored.pairs.num_rows, scored.baseline
    assert records > 1000 and pairs > 1000
    assert sum(len(p) > 1 for p in baseline.people) > 200
    assert {band for band, _ in baseline.bands.values()} == {"link", "review", "supported", "distinct"}
    reasons = {reason for _, reason in baseline.bands.values()}
    assert {"different NHS numbers", "dates of birth years apart", ADDRESS_RULE, "forenames differ and no identifier matches"} <= reasons
    assert baseline.ambiguous > 0
    assert {strength for strength, _ in baseline.records.values()} == {"single", "strong"}


# --- Hand-built cases: a few records and pairs, each showing one rule ---

_RECORD_SCHEMA = pa.schema([
    ("unique_id", pa.string()), ("nhs_number", pa.string()), ("pnc_id", pa.string()), ("birth_year", pa.int64()),
    ("dob", pa.date32()), ("postcode_outward", pa.string()), ("agency", pa.string()), ("forename", pa.string()),
    ("event_day", pa.int64()), ("source", pa.string()), ("middle_names", pa.string()),
])
_PAIR_SCHEMA = pa.schema([
    ("unique_id_l", pa.string()), ("unique_id_r", pa.string()), ("match_weight", pa.float64()), ("match_probability", pa.float64()),
    ("gamma_forename", pa.int32()), ("gamma_nhs_number", pa.int32()), ("gamma_pnc_id", pa.int32()), ("mw_forename", pa.float64()),
    ("gamma_partner", pa.int32()),
])


def _pair(left: str, right: str, weight: float, nhs: int = -1) -> dict:
    """A scored pair whose forenames agree, with its NHS number comparison level (-1: one is missing)."""
    return {
        "unique_id_l": left, "unique_id_r": right, "match_weight": weight, "match_probability": 1 / (1 + 2 ** -weight),
        "gamma_forename": 4, "gamma_nhs_number": nhs, "gamma_pnc_id": -1, "mw_forename": 3.5, "gamma_partner": -1,
    }


@dataclass(frozen=True)
class Case:
    records: list[dict]
    pairs: list[dict]
    people: set[frozenset[str]]
    ambiguous: int
    bands: dict[tuple[str, str], str]


CASES = {
    # W, a police record with no NHS number or DOB, scores well against A's person and against B, whose NHS
    # numbers differ: within the ambiguity margin of each other, so W is left unlinked for review.
    "a weak record between two people with different NHS numbers": Case(
        records=[
            {"unique_id": "a1", "nhs_number": "9434765919", "birth_year": 1980, "postcode_outward": "SE15", "agency": "social_care", "forename": "JOHN"},
            {"unique_id": "a2", "nhs_number": "9434765919", "birth_year": 1980, "postcode_outward": "SE15", "agency": "police", "forename": "JOHN"},
            {"unique_id": "b1", "nhs_number": "9434765870", "birth_year": 1981, "postcode_outward": "SE15", "agency": "social_care", "forename": "JOHN"},
            {"unique_id": "c1", "birth_year": 1990, "postcode_outward": "N1", "agency": "police", "forename": "ANN"},
            {"unique_id": "c2", "birth_year": 1990, "postcode_outward": "N1", "agency": "social_care", "forename": "ANN"},
            {"unique_id": "d1", "birth_year": 2001, "agency": "police", "forename": "SAM"},
            {"unique_id": "w1", "postcode_outward": "SE15", "agency": "police", "forename": "JOHN"},
        ],
        pairs=[_pair("a1", "a2", 14.0, nhs=1), _pair("a1", "w1", 10.0), _pair("b1", "w1", 9.0), _pair("c1", "c2", 8.0)],
        people={frozenset({"a1", "a2"}), frozenset({"b1"}), frozenset({"c1", "c2"}), frozenset({"d1"}), frozenset({"w1"})},
        ambiguous=1,
        bands={("a1", "a2"): "link", ("a1", "w1"): "review", ("b1", "w1"): "review", ("c1", "c2"): "link"},
    ),
    # W (a police record in a third area) scores exactly as well against two GP registrations in different
    # postcode areas, with no identifier agreeing: whichever pair comes first by ids links, and the other
    # goes to review (the address rule).
    "a tie between two edges, broken by the pairs' order by ids": Case(
        records=[
            {"unique_id": "g1", "birth_year": 1975, "postcode_outward": "SE15", "agency": "health", "forename": "MARY"},
            {"unique_id": "g2", "birth_year": 1975, "postcode_outward": "LS6", "agency": "health", "forename": "MARY"},
            {"unique_id": "w2", "birth_year": 1975, "postcode_outward": "BD1", "agency": "police", "forename": "MARY"},
        ],
        pairs=[_pair("g1", "w2", 9.0), _pair("g2", "w2", 9.0)],
        people={frozenset({"g1", "w2"}), frozenset({"g2"})},
        ambiguous=0,
        bands={("g1", "w2"): "link", ("g2", "w2"): "review"},
    ),
    # The same tie with no postcode on W: nothing says which registration it belongs with, so it joins
    # neither (ambiguous) and both pairs go to review.
    "a record with no postcode between GP registrations in two areas is ambiguous": Case(
        records=[
            {"unique_id": "g1", "birth_year": 1975, "postcode_outward": "SE15", "agency": "health", "forename": "MARY"},
            {"unique_id": "g2", "birth_year": 1975, "postcode_outward": "LS6", "agency": "health", "forename": "MARY"},
            {"unique_id": "w2", "birth_year": 1975, "agency": "police", "forename": "MARY"},
        ],
        pairs=[_pair("g1", "w2", 9.0), _pair("g2", "w2", 9.0)],
        people={frozenset({"g1"}), frozenset({"g2"}), frozenset({"w2"})},
        ambiguous=1,
        bands={("g1", "w2"): "review", ("g2", "w2"): "review"},
    ),
}


@pytest.mark.parametrize("description", list(CASES))
def test_spark_clusters_hand_built_cases_as_duckdb_does(spark_api, description):
    from pyspark.sql.pandas.types import from_arrow_schema

    case, model = CASES[description], load_run_config(REPO / "configs" / "run.yaml").model
    records = pa.Table.from_pylist(case.records, schema=_RECORD_SCHEMA)
    pairs = pa.Table.from_pylist(case.pairs, schema=_PAIR_SCHEMA)
    duck = _on_duckdb(records, pairs, {}, model)
    assert (duck.people, duck.ambiguous, {k: band for k, (band, _) in duck.bands.items()}) == (case.people, case.ambiguous, case.bands)
    spark = spark_api.spark
    # Given in the reverse order: the Spark route must not rely on the order its input arrives in.
    spark_records = spark.createDataFrame(records.to_pylist()[::-1], from_arrow_schema(records.schema))
    spark_pairs = spark.createDataFrame(pairs.to_pylist()[::-1], from_arrow_schema(pairs.schema))
    _assert_same(_on_spark(spark_api, spark_records, spark_pairs, {}, model, pairs), duck)
