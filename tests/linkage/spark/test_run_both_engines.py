"""A whole ``mash run`` with ``engine: spark`` gives the results ``engine: duckdb`` gives.

Both runs read the same generated extracts (with the hard rows of the
standardisation tests) and score with the same model, trained by the DuckDB run, so
any difference comes from the engine: same tables and types, same records and
quarantine, same people, same pairs and bands, same golden view, same flags.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from linkage.batch import RunReport, run_all
from linkage.config import RunConfig
from linkage.errors import ExtractError, MashError
from linkage.resolve.train import model_dir
from linkage.store import layout

pytestmark = pytest.mark.spark

#: Decimal places floating-point columns are compared to.
DIGITS = 12
#: Columns that differ between any two runs, whatever the engine.
RUN_STAMPS = {"source_loads": ("loaded_at",), "review_decisions": ("decided_at",)}
@dataclass(frozen=True)
class TwoRuns:
    duckdb: RunReport
    spark: RunReport
    spark_run: RunConfig


def _store_run(run: RunConfig, store: Path, **changes) -> RunConfig:
    return run.model_copy(update={"store": store, **changes})


@pytest.fixture(scope="module")
def two_runs(both_engines, spark, tmp_path_factory) -> TwoRuns:
    root = tmp_path_factory.mktemp("two_runs")
    # Relational context (linkage.resolve.context), the shared co-participant (linkage.resolve.coparticipants), the
    # established look-alike forename rule, which reads the model's term frequencies, the people's addresses
    # settling review pairs, which read the model's postcode weight, and the generations rule, which reads records
    # of one name and postcode across components, are DuckDB only (docs/scaling.md): both engines run without them.
    model = both_engines.run.model.model_copy(
        update={"constraints": both_engines.run.model.constraints.model_copy(
            update={"context_links": False, "distinct_forename_share": None, "coparticipant_settles_review": False,
                    "people_addresses_settle_review": False, "undated_generation_gap": None})}
    )
    duck_run = _store_run(both_engines.run.model_copy(update={"model": model}), root / "duckdb" / "mash.duckdb")
    duck = run_all(duck_run)
    spark_run = _store_run(
        duck_run, root / "spark" / "mash.duckdb", engine="spark",
        spark=both_engines.run.spark.model_copy(update={"keep_outputs": True}),
    )
    # The DuckDB run's model, so that both score with the same parameters.
    shutil.copytree(model_dir(duck_run.store), model_dir(spark_run.store))
    return TwoRuns(duckdb=duck, spark=run_all(spark_run), spark_run=spark_run)


def _connect(report: RunReport) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(report.results_file), read_only=True)


def _schema(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal "
        "ORDER BY table_name, column_index"
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        tables.setdefault(table, []).append((column, kind))
    return tables


def _rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> list[tuple]:
    # Probabilities come from Java's and C's logarithms, which may differ in the last bits
    # (weights agree within 1e-9 below); every other value must be equal.
    kept = [
        f'round("{c}", {DIGITS})' if kind == "DOUBLE" else f'"{c}"'
        for c, kind in columns if c not in RUN_STAMPS.get(table, ())
    ]
    # Ordered by every column: row order is not part of any table's meaning (flag ids are a column).
    return con.execute(f"SELECT {', '.join(kept)} FROM {table} ORDER BY ALL").fetchall()


def test_the_spark_run_used_spark_and_kept_its_parquet(two_runs):
    work = two_runs.spark_run.store.with_name("mash.spark") / f"run-{two_runs.spark.run_id:06d}"
    for table in ("standardised", "pairs", "clusters", "banded_pairs", "graph_events.parquet", "graph_people.parquet"):
        assert (work / table).exists(), table
    assert not two_runs.spark.resolution.trained, "the Spark run should score with the DuckDB run's model"
    assert two_runs.spark.resolution.model.version == two_runs.duckdb.resolution.model.version


def test_same_tables_with_the_same_types(two_runs):
    with _connect(two_runs.duckdb) as duck, _connect(two_runs.spark) as spark:
        assert _schema(spark) == _schema(duck)


def test_same_rows_in_every_table(two_runs):
    """Every results table, row for row: people, pairs and bands, golden view, ids and flags."""
    with _connect(two_runs.duckdb) as duck, _connect(two_runs.spark) as spark:
        schema = _schema(duck)
        assert set(schema) >= {"records", "pairs", "clusters", "persons", "flags", "flag_evidence"}
        differing = {}
        for table, columns in schema.items():
            if table in ("record_hashes", "column_blanks"):
                continue  # DuckDB's row hashes and blank counts; a Spark run leaves them empty (checked below)
            if table == "pairs":
                continue  # weights compared with a tolerance below
            ours, theirs = _rows(duck, table, columns), _rows(spark, table, columns)
            if ours != theirs:
                differing[table] = (len(ours), len(theirs), next((a, b) for a, b in zip(ours, theirs) if a != b) if len(ours) == len(theirs) else None)
        assert not differing
        # 1,200 people raise two flag codes; test_flags_both_engines compares every code on 5,000.
        (codes,) = spark.execute("SELECT count(DISTINCT code) FROM flags").fetchall()[0]
        assert codes >= 2, "too few flags raised for the comparison to mean much"
        assert spark.execute("SELECT count(*) FROM record_hashes").fetchall() == [(0,)]
        assert spark.execute("SELECT count(*) FROM column_blanks").fetchall() == [(0,)]


def test_same_pairs_bands_and_weights(two_runs):
    with _connect(two_runs.duckdb) as duck, _connect(two_runs.spark) as spark:
        columns = _schema(duck)["pairs"]
        exact = [(c, kind) for c, kind in columns if not c.startswith(("match_weight", "match_probability", "mw_", "tf_"))]
        assert _rows(spark, "pairs", exact) == _rows(duck, "pairs", exact)
        assert {"band", "reason"} <= {c for c, _ in exact}
        ids = [("unique_id_l", "VARCHAR"), ("unique_id_r", "VARCHAR")]
        weights = [(c, "weight") for c, kind in columns if (c, kind) not in exact]
        ours, theirs = _rows(duck, "pairs", ids + weights), _rows(spark, "pairs", ids + weights)
        gaps = [abs(a - b) for x, y in zip(ours, theirs, strict=True) for a, b in zip(x[2:], y[2:], strict=True) if a is not None]
        assert len(gaps) > 1000 and max(gaps) < 1e-9


def test_reports_agree(two_runs):
    duck, spark = two_runs.duckdb, two_runs.spark
    for key in ("records", "pairs", "people", "linked_records", "implausible", "flags", "new_people", "merges", "splits"):
        assert spark.counts.get(key) == duck.counts.get(key), key
    assert spark.resolution.band_counts == duck.resolution.band_counts
    assert spark.resolution.ambiguous_records == duck.resolution.ambiguous_records
    assert spark.flags.counts == duck.flags.counts


def test_incremental_runs_are_refused_on_spark(two_runs):
    with pytest.raises(MashError, match="incremental runs are DuckDB only"):
        run_all(two_runs.spark_run, incremental=True)


def test_a_bad_extract_stops_a_spark_run_and_the_results_stay(two_runs, tmp_path):
    extracts = tmp_path / "extracts"
    shutil.copytree(two_runs.spark_run.extracts_dir, extracts)
    (extracts / "police.csv").write_text("")
    before = layout(two_runs.spark_run.store).current()
    with pytest.raises(ExtractError, match="police.csv"):
        run_all(two_runs.spark_run.model_copy(update={"extracts_dir": extracts}))
    assert layout(two_runs.spark_run.store).current() == before


def test_an_incremental_duckdb_run_continues_from_spark_results(two_runs, tmp_path):
    """A Spark run leaves no row hashes, so the next incremental run re-reads every row: same results."""
    store = tmp_path / "mash.duckdb"
    shutil.copytree(two_runs.spark_run.store.parent, store.parent, dirs_exist_ok=True)
    later = run_all(two_runs.spark_run.model_copy(update={"store": store, "engine": "duckdb"}), incremental=True)
    assert later.counts["changed"] + later.counts["added"] > 0
    with _connect(two_runs.duckdb) as duck, _connect(later) as updated:
        for table in ("records", "clusters", "persons", "flags", "flag_evidence", "person_ids"):
            columns = _schema(duck)[table]
            assert _rows(updated, table, columns) == _rows(duck, table, columns), table
        assert updated.execute("SELECT count(*) FROM record_hashes").fetchall() == duck.execute("SELECT count(*) FROM record_hashes").fetchall()
