"""Splink on Spark scores Jaro-Winkler as DuckDB does, unless the jar's is asked for."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from linkage.spark.splink_api import JARO_WINKLER, duckdb_jaro_winkler

DATA = Path(__file__).resolve().parents[3] / "synth" / "data"
#: A pair the jar scores 0.478 and DuckDB 0.533: Jaro's matching window differs between them.
DIFFERENT = ("GRACE", "MATERNITY")


def _name_pairs(count: int) -> list[tuple[str, str]]:
    """Random name pairs and one-letter misspellings, as the generator's names are."""
    names = []
    for file, column in (("forenames.csv", "forename"), ("surnames.csv", "surname")):
        with (DATA / file).open(encoding="utf-8") as handle:
            names += [row[column].upper() for row in csv.DictReader(handle)]
    rng = random.Random(3)
    pairs = [(rng.choice(names), rng.choice(names)) for _ in range(count)]
    for name in rng.sample(names, min(count, len(names))):
        at = rng.randrange(len(name))
        pairs.append((name, name[:at] + rng.choice("AEIOUY") + name[at + 1 :]))
    return pairs


def test_duckdb_jaro_winkler_is_duckdbs():
    pairs = _name_pairs(3000) + [("A", None), (None, "A")]
    con = duckdb.connect()
    con.register("name_pairs", pa.table({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}))
    expected = [row[0] for row in con.execute("SELECT jaro_winkler_similarity(a, b) FROM name_pairs").fetchall()]
    got = [duckdb_jaro_winkler(a, b) for a, b in pairs]
    assert [(p, g, e) for p, g, e in zip(pairs, got, expected, strict=True) if g != pytest.approx(e, abs=1e-12)] == []


@pytest.mark.spark
def test_the_session_calls_duckdbs_jaro_winkler_unless_the_jars_is_asked_for(spark, tmp_path):
    from linkage.spark import splink_api

    def session_value() -> float:
        return spark.sql(f"SELECT {JARO_WINKLER}(:a, :b) AS jw", args={"a": DIFFERENT[0], "b": DIFFERENT[1]}).first()["jw"]

    duckdb_value = duckdb.sql("SELECT jaro_winkler_similarity($a, $b)", params={"a": DIFFERENT[0], "b": DIFFERENT[1]}).fetchall()[0][0]
    try:
        splink_api(spark, tmp_path / "jar", jaro_winkler="jar")
        assert abs(session_value() - duckdb_value) > 0.05
    finally:
        splink_api(spark, tmp_path / "duckdb")
    assert session_value() == pytest.approx(duckdb_value, abs=1e-12)
