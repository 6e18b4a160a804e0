"""Count the model's blocking comparisons at two sizes and extrapolate them to a target size.

Usage (from the repo root), with the results of two linked stores of different sizes:
    .venv/bin/python bench/bench_blocking.py --store data/bench/linkage_200000_42/mash/mash.duckdb \
        --store data/bench/linkage_1000000_42/mash/mash.duckdb [--target 50000000]

(the stores ``bench/bench_linkage.py`` leaves; ``make bench`` runs it after them)

For each store, Splink's exact blocking analysis of the configured prediction rules
(``mash blocking``) gives the candidate pairs. A power law ``pairs = a * records ** b``
through the two sizes then estimates the pairs at ``--target`` records. The exponent
is between 1 (blocks that stay the same size as the population grows, such as an NHS
number) and 2 (blocks that grow with it, such as a year of birth).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from linkage.config import load_run_config
from linkage.resolve.blocking import analyse_blocking
from linkage.store import open_results

REPO = Path(__file__).resolve().parents[1]


def count(store: Path) -> dict:
    """Records and the blocking analysis of one store's current results."""
    run = load_run_config(REPO / "configs" / "run.yaml", store=store)
    started = time.perf_counter()
    with open_results(store) as con:
        (records,) = con.sql("SELECT count(*) FROM records").fetchall()[0]
        rules = analyse_blocking(con, run.model)
    return {
        "store": str(store),
        "records": records,
        "pairs": rules[-1].cumulative,
        "pairs_per_record": round(rules[-1].cumulative / records, 1),
        "rules": [{"rule": r.rule, "adds": r.marginal} for r in rules],
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, action="append", required=True, help="a linked store (give two)")
    parser.add_argument("--target", type=int, default=50_000_000, help="records to extrapolate to (default 50M)")
    args = parser.parse_args()
    if len(args.store) != 2:
        parser.error("give --store twice: two sizes fix the power law")
    small, large = sorted((count(s) for s in args.store), key=lambda c: c["records"])
    exponent = math.log(large["pairs"] / small["pairs"]) / math.log(large["records"] / small["records"])
    estimate = large["pairs"] * (args.target / large["records"]) ** exponent
    print(json.dumps({
        "measured": [small, large],
        "exponent": round(exponent, 3),
        "target_records": args.target,
        "estimated_pairs": int(estimate),
        "estimated_pairs_per_record": round(estimate / args.target, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
