"""Time a whole `mash run` on DuckDB and on local Spark, from the same extracts, and compare the results.

Usage: python bench/bench_spark_run.py --people 200000 [--seed 42] [--workdir data/bench] [--master local[2]]

The DuckDB run trains the model; the Spark run (``engine: spark``, a session started on
``--master``) scores with a copy of it, so differences come from the engine. Prints each
run's stage timings and whether the two runs give the same people, pairs and bands,
and flags.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import time
from pathlib import Path

import duckdb

from bench_linkage import ensure_extracts
from linkage.batch import RunReport, run_all
from linkage.config import load_run_config
from linkage.resolve.train import model_dir

REPO = Path(__file__).resolve().parents[1]

#: Results compared between the engines: name, SQL over one results file.
COMPARED = {
    "people (records per person)": "SELECT list(unique_id ORDER BY unique_id) AS p FROM clusters GROUP BY person_id ORDER BY p",
    "pairs, bands and reasons": "SELECT unique_id_l, unique_id_r, band, reason FROM pairs ORDER BY ALL",
    # Probabilities from Java's and C's logarithms may differ in the last bits.
    "flags": "SELECT flag_id, code, person_id, rule, parameters, score, round(weakest_link, 12) FROM flags ORDER BY flag_id",
    "flag evidence": "SELECT flag_id, unique_id FROM flag_evidence ORDER BY ALL",
    "golden view": "SELECT * FROM persons ORDER BY person_id",
}


def _timed(label: str, run) -> tuple[RunReport, float]:
    started = time.perf_counter()
    report = run_all(run)
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s; " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
    return report, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    extracts = args.workdir / f"extracts_{args.people}_{args.seed}"
    ensure_extracts(extracts, args.people, args.seed)
    work = args.workdir / f"spark_run_{args.people}_{args.seed}"
    shutil.rmtree(work, ignore_errors=True)
    base = load_run_config(REPO / "configs" / "run.yaml", store=work / "duckdb" / "mash.duckdb", extracts_dir=extracts)
    duck, duck_seconds = _timed("duckdb", base)

    spark_run = base.model_copy(update={
        "store": work / "spark" / "mash.duckdb", "engine": "spark",
        "spark": base.spark.model_copy(update={"master": args.master}),
    })
    shutil.copytree(model_dir(base.store), model_dir(spark_run.store))
    spark, spark_seconds = _timed(f"spark ({args.master})", spark_run)

    print(f"\n{platform.processor() or platform.machine()}, {args.people:,} people, {duck.resolution.records:,} records")
    print(f"| engine | whole run | {' | '.join(sorted(set(duck.seconds) | set(spark.seconds)))} |")
    for name, report, total in (("DuckDB", duck, duck_seconds), ("Spark", spark, spark_seconds)):
        stages = " | ".join(f"{report.seconds.get(k, 0):.1f}" for k in sorted(set(duck.seconds) | set(spark.seconds)))
        print(f"| {name} | {total:.1f} | {stages} |")
    with duckdb.connect(str(duck.results_file), read_only=True) as a, duckdb.connect(str(spark.results_file), read_only=True) as b:
        for name, sql in COMPARED.items():
            same = a.execute(sql).fetchall() == b.execute(sql).fetchall()
            print(f"{name}: {'identical' if same else 'DIFFERENT'}")
    print(f"people {duck.resolution.people:,} / {spark.resolution.people:,}; pairs {duck.resolution.pairs:,} / "
          f"{spark.resolution.pairs:,}; flags {duck.counts['flags']:,} / {spark.counts['flags']:,}")


if __name__ == "__main__":
    main()
