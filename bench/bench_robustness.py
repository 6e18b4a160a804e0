"""Robustness: MASH Link and plain Splink over seeds and generator profiles, linkage and flags.

Usage (from the repo root):
    .venv/bin/python bench/bench_robustness.py [--people 200000] [--seeds 42,43,44]
        [--profiles clean,default,harsh] [--workdir data/bench] [--skip-plain] [--fresh] [--json PATH]

For each profile and seed the extracts are generated (or reused), then each model runs
in its own child process on them, as in ``bench/bench_linkage.py``: MASH Link's whole
``mash run`` (ingest to flags), and the plain Splink baseline (``bench/plain_splink.py``:
train, predict, connected components). The plain model's people then get the golden view
and the safeguarding flags through the same project code and rules MASH Link's run uses
(``build_person_tables``, ``build_flag_tables``). Both are scored the same way: linkage
with ``linkage.evaluate.evaluate``, serial-perpetrator and repeat-victim flags with
``linkage.evaluate.flag_accuracy``.

Flags run with the shipped ``configs/flags.yaml`` except its year windows, widened to
:data:`FLAG_WINDOW_YEARS` so they cover every generated record (events run from
2018-01-01 to the generator's as_of, 2026-11-01). The derived flags and run configs are
written under ``<workdir>/robustness/configs/``.

Each (profile, seed, model) result is kept as JSON under ``<workdir>/robustness/<profile>/``
and reused while people, seed, extracts, flag rules and the code are unchanged, so a long run can
resume; ``--fresh`` regenerates the extracts and reruns everything.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from bench_linkage import (
    LABELS, RUN_CONFIG, ensure_extracts, extracts_dir, machine, machine_line, results_file, run_child,
    score, store_path,
)
from graph import FlagRules
from linkage.config import load_run_config
from linkage.pipeline import create_table_from_arrow, fetch_arrow, run_sql
from linkage.evaluate import flag_accuracy
from linkage.resolve.persons import build_person_tables
from linkage.resolve.run import Clustered, clusters_table
from linkage.safeguard import build_flag_tables, rules_fingerprint
from linkage.store import connect
from robustness_table import TARGETS, markdown_table, table_rows
from synth import PROFILES as GENERATOR_PROFILES
from synth import generate_extracts
from synth.truth import SERIAL_LOOKBACK_YEARS

REPO = Path(__file__).resolve().parents[1]
PROFILES = tuple(GENERATOR_PROFILES)
MODELS = ("mash", "plain")
#: Flag settings widened so every generated record counts (events span under 9 years).
FLAG_WINDOW_YEARS = 10
WIDENED_FLAG_SETTINGS = {
    "serial_window_years": FLAG_WINDOW_YEARS,
    "lookback_years": FLAG_WINDOW_YEARS,
    "toxic_trio_window_years": FLAG_WINDOW_YEARS,
}
# ---------------------------------------------------------------------------
# Inputs: extracts per profile, and the widened flag rules


def profile_generator(profile: str) -> Callable[..., Any]:
    """``generate_extracts`` set up for one generator profile (clean, default or harsh)."""
    return functools.partial(generate_extracts, profile=profile)


def profile_dir(workdir: Path, profile: str) -> Path:
    """Where one profile's extracts, stores and cached results live."""
    return workdir / "robustness" / profile


def write_configs(workdir: Path) -> Path:
    """Write the widened flags YAML and a run config using it; returns the run config's path.

    Both are derived from the shipped ``configs/run.yaml`` and ``configs/flags.yaml``; every
    path in the run config is made absolute, so it may live anywhere.
    """
    target = workdir / "robustness" / "configs"
    target.mkdir(parents=True, exist_ok=True)
    shipped = RUN_CONFIG.parent
    flags = yaml.safe_load((shipped / "flags.yaml").read_text(encoding="utf-8"))
    flags.update(WIDENED_FLAG_SETTINGS)
    header = (f"# configs/flags.yaml with its year windows widened to {FLAG_WINDOW_YEARS} years "
              "(bench/bench_robustness.py writes this file)\n")
    (target / "flags.yaml").write_text(header + yaml.safe_dump(flags, sort_keys=False), encoding="utf-8")
    run = yaml.safe_load(RUN_CONFIG.read_text(encoding="utf-8"))
    run["model"] = str((shipped / run["model"]).resolve())
    run["sources"] = [str((shipped / s).resolve()) for s in run["sources"]]
    run["flags"] = str((target / "flags.yaml").resolve())
    path = target / "run.yaml"
    path.write_text("# configs/run.yaml with the widened flags (bench/bench_robustness.py writes this file)\n"
                    + yaml.safe_dump(run, sort_keys=False), encoding="utf-8")
    return path


def flag_rules(config: Path) -> FlagRules:
    """The flag rules a run config names (validated as ``mash run`` loads them)."""
    return load_run_config(config).flags


def manifest_digest(extracts: Path) -> str:
    """A digest of the generator's manifest (people, seed, rates, counts, version)."""
    return hashlib.sha256((extracts / "truth" / "manifest.json").read_bytes()).hexdigest()[:16]


def serial_truth_beyond_window(truth: Path, rules: FlagRules) -> int:
    """True perpetrators with 2+ victims over all the data whom ``is_serial_perpetrator`` does not mark.

    The generator marks serial perpetrators over its own window (``SERIAL_LOOKBACK_YEARS``). Widened flags
    count victims over all the data, so any such perpetrator is a false positive that no
    linkage error caused; it should be 0.
    """
    edges = pd.read_csv(truth / "da_edges.csv", dtype=str)
    people = pd.read_csv(truth / "people.csv", dtype=str)
    victims = edges.groupby("perpetrator_id")["victim_id"].nunique()
    ever = set(victims.index[victims >= rules.serial_min_victims])
    marked = set(people.loc[people["is_serial_perpetrator"].str.lower() == "true", "person_id"])
    return len(ever - marked)


# ---------------------------------------------------------------------------
# The plain model's people through the project's golden-view and flag code


def plain_clusters(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The plain ``clusters`` with link strength and best in-person probability, as a MASH Link run writes them.

    Built with ``linkage.resolve.run.clusters_table`` from the plain model's clusters and
    scored pairs (no analyst decisions, so no link is 'confirmed').
    """
    clusters = fetch_arrow(con, "plain_clusters", "SELECT unique_id, person_id FROM clusters ORDER BY unique_id")
    (records,) = run_sql(con, "plain_records", "SELECT count(*) FROM records").fetchall()[0]
    if clusters.num_rows != records:
        raise SystemExit(f"plain clusters hold {clusters.num_rows:,} records of {records:,}")
    pairs = fetch_arrow(con, "plain_pairs", "SELECT unique_id_l, unique_id_r, match_probability, band FROM pairs")
    index = {u: i for i, u in enumerate(clusters["unique_id"].to_pylist())}
    label_of: dict[str, int] = {}
    labels = [label_of.setdefault(p, len(label_of)) for p in clusters["person_id"].to_pylist()]
    left = np.fromiter((index[u] for u in pairs["unique_id_l"].to_pylist()), dtype=np.int64, count=pairs.num_rows)
    right = np.fromiter((index[u] for u in pairs["unique_id_r"].to_pylist()), dtype=np.int64, count=pairs.num_rows)
    grouped = np.asarray(labels, dtype=np.int64)
    inside = grouped[left] == grouped[right]
    probability = pairs["match_probability"].to_numpy(zero_copy_only=False)
    best = np.full(len(labels), np.nan)
    for side in (left, right):
        np.fmax.at(best, side[inside], probability[inside])
    clustered = Clustered(
        unique_ids=clusters["unique_id"], labels=labels, pairs=pairs, best=best,
        confirmed=np.zeros(len(labels), dtype=bool), ambiguous=0,
    )
    return clusters_table(clustered, {label: person for person, label in label_of.items()})


def flag_plain(results: Path, rules: FlagRules) -> dict[str, float]:
    """Build ``persons`` and the flags over the plain model's people in its results file; returns seconds."""
    seconds: dict[str, float] = {}
    con = connect(results)
    try:
        started = time.perf_counter()
        create_table_from_arrow(con, "clusters", plain_clusters(con))
        build_person_tables(con, "records", "clusters", suffix="")
        seconds["persons"] = time.perf_counter() - started
        started = time.perf_counter()
        build_flag_tables(con, rules, suffix="")
        seconds["flags"] = time.perf_counter() - started
        run_sql(con, "checkpoint", "CHECKPOINT")
    finally:
        con.close()
    return seconds


def score_flags(results: Path, truth: Path) -> dict[str, dict[str, float | int]]:
    """Serial-perpetrator and repeat-victim precision and recall of a results file's flags."""
    con = connect(results, read_only=True)
    try:
        return flag_accuracy(con, truth)
    finally:
        con.close()


# ---------------------------------------------------------------------------
# One (profile, seed, model): run and score, or reuse the cached result


def run_one(base: Path, people: int, seed: int, model: str, config: Path, rules: FlagRules) -> dict[str, Any]:
    """Run one model on one seed's extracts and score its linkage and flags."""
    extracts = extracts_dir(base, people, seed)
    store = store_path(base, people, seed, model)
    run = run_child(model, store, extracts, config)
    results = results_file(model, store)
    if model == "plain":
        extra = flag_plain(results, rules)
        run["seconds"].update(extra)
        run["total_seconds"] += sum(extra.values())
    return {
        "run": run,
        "total_seconds": run["total_seconds"],
        "accuracy": score(results, extracts / "truth"),
        "flags": score_flags(results, extracts / "truth"),
    }


def code_digest(model: str) -> str:
    """A digest of the code a model's result depends on, so a cached result is not reused after it changes.

    MASH Link: every tracked Python file and config of the checkout (``git ls-files``) with
    its current contents; plain Splink: its model file.
    """
    repo = Path(__file__).resolve().parent.parent
    if model == "plain":
        files = [repo / "bench" / "plain_splink.py"]
    else:
        listed = subprocess.run(
            ["git", "ls-files", "linkage", "graph", "configs"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.split()
        files = sorted(repo / f for f in listed)
    digest = hashlib.sha256()
    for file in files:
        if file.is_file():
            digest.update(file.relative_to(repo).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cached(path: Path, key: dict[str, Any], fresh: bool) -> dict[str, Any] | None:
    """The cached result at ``path`` if it was made under ``key`` (and ``--fresh`` was not given)."""
    if fresh or not path.is_file():
        return None
    result = json.loads(path.read_text(encoding="utf-8"))
    return result if result.get("key") == key else None


# ---------------------------------------------------------------------------
# Command line


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in _csv(s)], default=[42, 43, 44],
                        help="comma-separated seeds (default 42,43,44)")
    parser.add_argument("--profiles", type=_csv, default=list(PROFILES),
                        help=f"comma-separated generator profiles (default {','.join(PROFILES)})")
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--skip-plain", action="store_true", help="do not run the plain Splink baseline")
    parser.add_argument("--fresh", action="store_true", help="regenerate extracts and rerun everything (ignore the cache)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.profiles) - set(PROFILES))
    if unknown:
        parser.error(f"unknown profile(s) {unknown}; use {', '.join(PROFILES)}")
    return args


def main() -> None:
    """Generate or reuse extracts, run or reuse each model's result, print the table."""
    args = parse_args()
    started = time.perf_counter()
    generators = {profile: profile_generator(profile) for profile in args.profiles}  # fails fast
    models = [m for m in MODELS if not (m == "plain" and args.skip_plain)]
    config = write_configs(args.workdir)
    rules = flag_rules(config)
    widened = ", ".join(f"{k} {v}" for k, v in WIDENED_FLAG_SETTINGS.items())
    print(f"flags: configs/flags.yaml with {widened} (years), so every record from 2018-01-01 to the "
          f"generator's as_of counts; run config {config}", flush=True)

    results: list[dict[str, Any]] = []
    for profile in args.profiles:
        base = profile_dir(args.workdir, profile)
        for seed in args.seeds:
            extracts = extracts_dir(base, args.people, seed)
            if args.fresh:
                shutil.rmtree(extracts, ignore_errors=True)
            generated = ensure_extracts(extracts, args.people, seed, generators[profile])
            print(f"[{profile} seed {seed}] extracts {extracts} "
                  f"({'reused' if generated is None else f'generated in {generated:.1f}s'})", flush=True)
            beyond = serial_truth_beyond_window(extracts / "truth", rules)
            if beyond:
                print(f"  WARNING: {beyond:,} true perpetrators have {rules.serial_min_victims}+ victims over all the "
                      f"data but are not marked serial in the truth (its window is {SERIAL_LOOKBACK_YEARS} years): each is a serial false "
                      "positive no linkage error caused", flush=True)
            for model in models:
                key = {"profile": profile, "seed": seed, "model": model, "people": args.people,
                       "extracts": manifest_digest(extracts), "flag_rules": rules_fingerprint(rules), "code": code_digest(model)}
                path = base / f"result_{args.people}_{seed}_{model}.json"
                result = cached(path, key, args.fresh)
                if result is None:
                    print(f"  running {LABELS[model]} ...", flush=True)
                    result = {**key, "key": key, **run_one(base, args.people, seed, model, config, rules)}
                    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
                    print(f"  {LABELS[model]} done in {result['total_seconds']:.1f}s", flush=True)
                else:
                    print(f"  {LABELS[model]}: cached result reused ({path.name})", flush=True)
                results.append(result)

    rows = table_rows(results, args.profiles, models)
    print()
    print(machine_line(machine()))
    print(f"people: {args.people:,}; seeds {', '.join(map(str, args.seeds))}; profiles {', '.join(args.profiles)}")
    print(f"flags raised with {widened} (years; configs/flags.yaml otherwise), scored against truth/people.csv")
    print()
    print(markdown_table(rows))
    print()
    print("Targets (" + "; ".join(label for label, _ in TARGETS.values()) + ") are judged on the worst seed.")
    print("twins, father/son, namesakes: merged share (merged pairs / pairs). review band: people touched by review")
    print("pairs / resolved people; plain Splink's review band is 0.5 <= p < 0.9. total s: the model's run (plain:")
    print("ingest, train, predict, cluster, plus the golden view and flags built over its clusters).")
    print(f"whole bench: {time.perf_counter() - started:.1f}s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {"machine": machine(), "people": args.people, "seeds": args.seeds, "profiles": args.profiles,
                   "flag_settings": WIDENED_FLAG_SETTINGS, "results": results, "table": markdown_table(rows)}
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
