"""Time ingestion and standardisation of generated extracts, with peak memory.

Usage: python bench/bench_ingest.py --people 1000000 [--seed 42] [--workdir data/bench]
"""

from __future__ import annotations

import argparse
import platform
import resource
from pathlib import Path

from bench_linkage import ensure_extracts
from linkage.config import load_run_config
from linkage.ingest import ingest

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    args = parser.parse_args()

    extracts = args.workdir / f"extracts_{args.people}_{args.seed}"
    generated = ensure_extracts(extracts, args.people, args.seed)
    if generated is not None:
        print(f"generate: {generated:.1f}s")
    store = args.workdir / f"bench_{args.people}.duckdb"
    store.unlink(missing_ok=True)
    run = load_run_config(REPO / "configs" / "run.yaml", store=store, extracts_dir=extracts)
    report = ingest(run)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"people: {args.people:,}")
    for s in report.sources:
        print(f"  {s.source:12s} rows {s.rows_read:>9,}  records {s.records:>9,}  quarantined {s.quarantined:>7,}  notes {s.notes:>8,}")
    total = sum(s.rows_read for s in report.sources)
    print(f"ingest + standardise: {report.seconds:.1f}s for {total:,} rows ({total / report.seconds:,.0f} rows/s)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GiB")


if __name__ == "__main__":
    main()
