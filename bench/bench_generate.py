"""Benchmark the synthetic extract generator.

Usage: python bench/bench_generate.py --people 1000000 [--seed 1] [--out DIR]
Prints elapsed seconds, records per source and peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from pathlib import Path

from synth import generate_extracts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        summary = generate_extracts(args.people, args.seed, out)
        # ru_maxrss is in KiB on Linux.
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        total = sum(summary.records.values())
        print(f"people: {summary.people}")
        print(f"seconds: {summary.seconds:.1f}")
        for source, n in summary.records.items():
            print(f"records[{source}]: {n}")
        print(f"records total: {total} ({total / summary.people:.3f} per person)")
        print(f"peak RSS: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
