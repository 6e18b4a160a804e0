"""Time training and scoring the model on DuckDB and on local Spark, from the same records.

Usage: python bench/bench_spark_model.py --people 1200 [--seed 11] [--workdir data/bench] [--cores 2]

Records are standardised once by DuckDB (ingest) and written as Parquet, as Spark's
standardisation writes them; each engine then trains a model and scores all pairs with
the DuckDB-trained one, with DuckDB's Jaro-Winkler and then with the jar's, and the pairs
are compared with DuckDB's. Spark runs in local mode with the session :func:`linkage.spark.local_session`
builds (shuffle partitions 4, Splink's intermediate tables checkpointed as Parquet).
"""

from __future__ import annotations

import argparse
import platform
import shutil
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from bench_linkage import ensure_extracts
from linkage.config import load_run_config
from linkage.ingest import ingest
from linkage.resolve.run import predict
from linkage.resolve.linker import model_input
from linkage.resolve.train import train_and_save

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()

    extracts = args.workdir / f"extracts_{args.people}_{args.seed}"
    ensure_extracts(extracts, args.people, args.seed)
    work = args.workdir / f"spark_model_{args.people}_{args.seed}"
    shutil.rmtree(work, ignore_errors=True)
    run = load_run_config(REPO / "configs" / "run.yaml", store=work / "store" / "mash.duckdb", extracts_dir=extracts)
    report = ingest(run)
    records_parquet = work / "records.parquet"
    with duckdb.connect(str(report.store), read_only=True) as con:
        con.execute(f"COPY records TO '{records_parquet}' (FORMAT parquet)")
        records = model_input(con, "records")
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    duck_model = train_and_save(work / "duckdb" / "mash.duckdb", records, run.model)
    seconds["duckdb train"] = time.perf_counter() - started
    started = time.perf_counter()
    duck_pairs = predict(records, duck_model, run.model.thresholds.review)
    seconds["duckdb predict"] = time.perf_counter() - started

    from linkage.spark import local_session, model_input_spark, predict_on_spark, splink_api, train_on_spark

    started = time.perf_counter()
    spark = local_session(work / "spark", cores=args.cores)
    api = splink_api(spark, work / "checkpoints")
    seconds["spark session start"] = time.perf_counter() - started
    spark_input = model_input_spark(spark, records_parquet)
    started = time.perf_counter()
    train_on_spark(api, spark_input, run.model, work / "spark_model" / "mash.duckdb")
    seconds["spark train"] = time.perf_counter() - started
    started = time.perf_counter()
    predict_on_spark(api, duck_model, spark_input, work / "pairs", run.model.thresholds.review)
    seconds["spark predict"] = time.perf_counter() - started
    splink_api(spark, work / "checkpoints", jaro_winkler="jar")
    started = time.perf_counter()
    predict_on_spark(api, duck_model, spark_input, work / "pairs_jar", run.model.thresholds.review)
    seconds["spark predict (jar JW)"] = time.perf_counter() - started
    spark.stop()

    print(f"machine: {platform.machine()}, {args.cores} Spark cores, Python {platform.python_version()}")
    print(f"people: {args.people:,}  records: {records.num_rows:,}  pairs scored by DuckDB: {duck_pairs.num_rows:,}")
    for stage, value in seconds.items():
        print(f"  {stage:24s} {value:7.1f}s")
    for name in ("pairs", "pairs_jar"):
        print(f"Spark {name}: " + compare(duck_pairs, pq.read_table(work / name)))


def compare(duck: pa.Table, spark: pa.Table) -> str:
    """How Spark's pairs differ from DuckDB's: pairs on one side only, other levels, largest weight gap."""
    key = ("unique_id_l", "unique_id_r")
    gammas = [c for c in duck.column_names if c.startswith("gamma_")]
    con = duckdb.connect()
    con.register("duck", duck)
    con.register("spark", spark)
    only, other_levels, gap = con.execute(
        f"SELECT count(*) FILTER (d.unique_id_l IS NULL OR s.unique_id_l IS NULL), "
        f"count(*) FILTER ({' OR '.join(f'd.{g} <> s.{g}' for g in gammas)}), "
        f"max(abs(d.match_weight - s.match_weight)) FILTER ({' AND '.join(f'd.{g} = s.{g}' for g in gammas)}) "
        f"FROM duck d FULL JOIN spark s USING ({', '.join(key)})"
    ).fetchall()[0]
    return f"{spark.num_rows:,} pairs, {only} on one engine only, {other_levels} with other levels, largest weight gap otherwise {gap:.1e}"


if __name__ == "__main__":
    main()
