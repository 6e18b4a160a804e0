"""Time an incremental run of a few new records against a large linked population.

Usage (from the repo root):
    .venv/bin/python bench/bench_incremental.py --people 1000000 [--new 1000] [--pick random|latest]
        [--repeats 3] [--seed 42] [--workdir data/bench]

Holds ``--new`` rows back from the generated extracts (spread over the sources in
proportion to their size), runs a full ``mash run`` on the rest, then an incremental
run on the complete extracts, and prints both timings by stage. ``--pick random``
holds back rows from anywhere in the files; ``--pick latest`` holds back each file's
last rows, whose events are the newest, so the data's latest date moves and every
existing flag with evidence across a window's start is re-checked too (the nightly
case with today's records). The incremental run is repeated ``--repeats`` times from the
same starting point (the store is copied back before each); pending writes are flushed to
disk before each timed run, as a nightly run finds them a day after the last.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import shutil
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench_linkage import ensure_extracts, extracts_dir, machine, peak_rss_bytes
from linkage.batch import run_all
from linkage.config import load_run_config
from linkage.store import open_results

REPO = Path(__file__).resolve().parents[1]
CSV_SOURCES = ("police.csv", "social_care.csv")


def hold_back(source: Path, target: Path, new: int, pick: str, seed: int) -> dict[str, int]:
    """Copy the extracts to ``target`` without ``new`` of their rows; returns rows held back per file."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    lines = {name: (source / name).read_text(encoding="utf-8").splitlines(keepends=True) for name in CSV_SOURCES}
    health = pq.read_table(source / "health.parquet")
    sizes = {**{name: len(rows) - 1 for name, rows in lines.items()}, "health.parquet": health.num_rows}
    total = sum(sizes.values())
    counts = {name: round(new * size / total) for name, size in sizes.items()}
    rng = random.Random(seed)

    def dropped(name: str) -> set[int]:
        if pick == "latest":
            return set(range(sizes[name] - counts[name], sizes[name]))
        return set(rng.sample(range(sizes[name]), counts[name]))

    for name, rows in lines.items():
        gone = dropped(name)
        (target / name).write_text(rows[0] + "".join(r for i, r in enumerate(rows[1:]) if i not in gone), encoding="utf-8")
    gone = dropped("health.parquet")
    pq.write_table(health.take([i for i in range(health.num_rows) if i not in gone]), target / "health.parquet")
    return counts


def latest_event(store: Path) -> str:
    with open_results(store) as con:
        return str(con.sql("SELECT max(event_date) FROM records").fetchall()[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1000, help="records held back for the incremental run (default 1000)")
    parser.add_argument("--pick", choices=("random", "latest"), default="random")
    parser.add_argument("--repeats", type=int, default=3, help="incremental runs from the same start (default 3)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    parser.add_argument(
        "--reuse", action="store_true",
        help="start from the workdir's saved full run ('start') if there is one, instead of running it again",
    )
    args = parser.parse_args()

    extracts = extracts_dir(args.workdir, args.people, args.seed)
    ensure_extracts(extracts, args.people, args.seed)
    work = args.workdir / f"incremental_{args.people}_{args.seed}_{args.pick}"
    store = work / "store" / "mash.duckdb"
    start = work / "start"
    run = load_run_config(REPO / "configs" / "run.yaml", store=store, extracts_dir=work / "partial")
    full_stages: dict[str, float] = {}
    full_seconds = None
    if not (args.reuse and start.is_dir()):
        held = hold_back(extracts, work / "partial", args.new, args.pick, args.seed)
        shutil.rmtree(store.parent, ignore_errors=True)
        print(f"full run on the extracts less {sum(held.values()):,} rows {held} ...", flush=True)
        os.sync()
        started = time.perf_counter()
        full = run_all(run)
        full_seconds = round(time.perf_counter() - started, 1)
        full_stages = {k: round(v, 1) for k, v in full.seconds.items()}
        shutil.rmtree(start, ignore_errors=True)
        shutil.copytree(store.parent, start)
    else:
        print(f"starting from the saved full run in {start}", flush=True)
    shutil.rmtree(store.parent, ignore_errors=True)
    shutil.copytree(start, store.parent)
    before = latest_event(store)

    timings, cpu = [], []
    for repeat in range(args.repeats):
        print(f"incremental run {repeat + 1} of {args.repeats} on the complete extracts ...", flush=True)
        shutil.rmtree(store.parent)
        shutil.copytree(start, store.parent)
        os.sync()
        started, started_cpu = time.perf_counter(), time.process_time()
        report = run_all(run.model_copy(update={"extracts_dir": extracts}), incremental=True)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    incremental_seconds = statistics.median(timings)

    summary: dict[str, Any] = {
        "machine": machine(),
        "people": args.people,
        "pick": args.pick,
        "records": report.resolution.records,
        "full_run_seconds": full_seconds,
        "full_run_stages": full_stages,
        "incremental_seconds": round(incremental_seconds, 1),
        "incremental_runs_seconds": [round(t, 1) for t in timings],
        "incremental_runs_cpu_seconds": [round(t, 1) for t in cpu],
        "incremental_stages_last_run": {k: round(v, 2) for k, v in report.seconds.items()},
        "incremental_flag_stages_last_run": {k: round(v, 2) for k, v in report.flags.seconds.items()},
        "latest_event_moved": before != latest_event(store),
        "counts": {k: v for k, v in report.counts.items() if k != "sources"},
        "peak_rss_gib": round(peak_rss_bytes() / 2**30, 2),
    }
    print(json.dumps(summary, indent=1, default=str))


if __name__ == "__main__":
    main()
