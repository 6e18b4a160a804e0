"""What the flag benchmarks share: a generated population linked by a full run, and their command line.

``bench_children_flags.py``, ``bench_shared_addresses.py`` and ``bench_specss.py`` each
generate extracts for a seed and error profile, run ``mash run`` on them and score the
stored flags against the generator's truth; the set-up and the arguments are here once.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_linkage import machine, machine_line
from linkage.batch import run_all
from linkage.config import RunConfig, load_run_config
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class LinkedRun:
    """A generated population after one full run.

    Attributes:
        run: The run config (its store holds the results).
        extracts: The generated extracts; their truth is in ``extracts / "truth"``.
        seconds: How long ``mash run`` took.
    """

    run: RunConfig
    extracts: Path
    seconds: float


def linked_run(label: str, people: int, seed: int, workdir: Path, profile: str = "default") -> LinkedRun:
    """Generate extracts under ``workdir/<label>-<people>-<seed>-<profile>`` and run ``mash run`` on them."""
    root = workdir / f"{label}-{people}-{seed}-{profile}"
    extracts = root / "extracts"
    generate_extracts(people=people, seed=seed, out_dir=extracts, profile=profile)
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=extracts)
    started = time.perf_counter()
    run_all(run)
    return LinkedRun(run, extracts, time.perf_counter() - started)


def seeds_main(description: str, measure: Callable[[int, int, Path, str], Any], show: Callable[[int, Any], None]) -> None:
    """Parse ``--people --seeds --profile --workdir``, print the machine, then measure and show each seed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43])
    parser.add_argument("--profile", default="default", help="generator error profile: clean, default or harsh")
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    args = parser.parse_args()
    print(machine_line(machine()))
    for seed in args.seeds:
        show(seed, measure(args.people, seed, args.workdir, args.profile))


def show_figures(seed: int, figures: dict[str, Any]) -> None:
    """Print one seed's figures, one per line."""
    for name, value in figures.items():
        print(f"seed {seed}: {name} = {value:.4f}" if isinstance(value, float) else f"seed {seed}: {name} = {value}")
