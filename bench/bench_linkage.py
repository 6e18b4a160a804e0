"""Time and score MASH Link against plain Splink on the same synthetic extracts.

Usage (from the repo root):
    .venv/bin/python bench/bench_linkage.py --people 200000 [--seed 42] [--workdir data/bench]
        [--skip-plain] [--skip-mash] [--json PATH]

Each model runs end to end (ingest, train, predict, cluster, ...) in its own child
process, so each peak RSS is that model's alone. Both ingest the same extracts with
the same code, so they resolve identical standardised records; each result is then
scored with ``linkage.evaluate`` against the generator's ground truth.
The plain model is defined in ``bench/plain_splink.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from linkage.config import load_run_config
from linkage.evaluate import evaluate
from linkage.store import connect, layout, results_path
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[1]
RUN_CONFIG = REPO / "configs" / "run.yaml"
MODELS = ("mash", "plain")
LABELS = {"mash": "MASH Link", "plain": "plain Splink"}
STAGES = ("ingest", "train", "predict", "cluster", "persons", "flags", "swap")
#: Columns compared to check both models resolved the same standardised records.
RECORD_CHECK_COLUMNS = ("unique_id", "forename", "surname", "dob", "nhs_number", "postcode")


# ---------------------------------------------------------------------------
# Paths and inputs


def extracts_dir(workdir: Path, people: int, seed: int) -> Path:
    """Where the extracts for (people, seed) live (shared with bench_ingest.py)."""
    return workdir / f"extracts_{people}_{seed}"


def store_path(workdir: Path, people: int, seed: int, model: str) -> Path:
    """The model's store; its directory holds nothing else but its model files."""
    return workdir / f"linkage_{people}_{seed}" / model / f"{model}.duckdb"


def ensure_extracts(
    extracts: Path, people: int, seed: int, generate: Callable[..., Any] = generate_extracts
) -> float | None:
    """Generate the extracts unless they already exist; returns seconds taken, or None if reused.

    ``generate`` is called as ``generate(people=, seed=, out_dir=)`` (another generator
    set-up, e.g. a profile, can be passed in).
    """
    if (extracts / "truth" / "manifest.json").exists():
        return None
    started = time.perf_counter()
    generate(people=people, seed=seed, out_dir=extracts)
    return time.perf_counter() - started


def fresh_store(store: Path) -> None:
    """Delete the store's directory (store, WAL, saved models) so nothing is reused."""
    shutil.rmtree(store.parent, ignore_errors=True)
    store.parent.mkdir(parents=True, exist_ok=True)


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


# ---------------------------------------------------------------------------
# Child processes: one model each


def run_mash(store: Path, extracts: Path, config: Path = RUN_CONFIG) -> dict[str, Any]:
    """MASH Link end to end with the run config (the shipped one by default); returns timings and counts."""
    from linkage.batch import run_all

    fresh_store(store)
    run = load_run_config(config, store=store, extracts_dir=extracts)
    started = time.perf_counter()
    report = run_all(run)
    wall = time.perf_counter() - started
    r = report.resolution
    return {
        "seconds": dict(report.seconds),
        "total_seconds": wall,
        "records": r.records,
        "scored_pairs": r.pairs,
        "people": r.people,
        "band_counts": r.band_counts,
    }


def run_plain(store: Path, extracts: Path, config: Path = RUN_CONFIG) -> dict[str, Any]:
    """Plain Splink end to end: its own ingest (the run config's sources), then train, predict, cluster and write."""
    import plain_splink
    from linkage.ingest import ingest

    fresh_store(store)
    run = load_run_config(config, store=store, extracts_dir=extracts)
    seconds: dict[str, float] = {}
    started = t = time.perf_counter()
    ingest(run)
    seconds["ingest"] = time.perf_counter() - t

    t = time.perf_counter()
    # The plain model works in the ingest-check file, beside MASH Link's own results.
    store = layout(store).ingest_check
    records = plain_splink.read_records(store)
    linker, work = plain_splink.make_linker(records)
    plain_splink.train(linker)
    seconds["train"] = time.perf_counter() - t

    t = time.perf_counter()
    predictions = plain_splink.predict(linker)
    seconds["predict"] = time.perf_counter() - t

    # Like MASH Link's cluster stage, this includes writing clusters and pairs to the store.
    t = time.perf_counter()
    clusters = plain_splink.cluster(linker, predictions)
    plain_splink.write_results(work, store, predictions, clusters)
    seconds["cluster"] = time.perf_counter() - t
    wall = time.perf_counter() - started
    return {
        "seconds": seconds,
        "total_seconds": wall,
        "records": records.num_rows,
        "scored_pairs": plain_splink.pair_count(work, predictions),
    }


def child_main(model: str, store: Path, extracts: Path, out: Path, config: Path = RUN_CONFIG) -> None:
    """Entry point of a child process: run one model, write its figures as JSON."""
    result = run_mash(store, extracts, config) if model == "mash" else run_plain(store, extracts, config)
    result["peak_rss_bytes"] = peak_rss_bytes()
    out.write_text(json.dumps(result), encoding="utf-8")


def run_child(model: str, store: Path, extracts: Path, config: Path = RUN_CONFIG) -> dict[str, Any]:
    """Run one model in a fresh Python process and return what it measured."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable, str(Path(__file__).resolve()),
            "--child", model, "--child-store", str(store), "--child-extracts", str(extracts), "--child-out", str(out),
            "--child-config", str(config),
        ]
        done = subprocess.run(command, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{LABELS[model]} child process failed with exit code {done.returncode}")
        return json.loads(out.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# Scoring


def results_file(model: str, store: Path) -> Path:
    """The file holding a model's results: MASH Link's current results, or plain Splink's ingest-check file."""
    return results_path(store) if model == "mash" else layout(store).ingest_check


def score(results: Path, truth_dir: Path) -> dict[str, Any]:
    """Evaluate a results file's ``clusters`` and ``pairs`` against the truth (read-only)."""
    con = connect(results, read_only=True)
    try:
        e = evaluate(con, truth_dir)
    finally:
        con.close()
    hard = {h.kind: {"merged": h.merged, "pairs": h.pairs, "share": h.share} for h in e.hard_negatives}
    serial = e.serial_perpetrators
    return {
        "precision": e.cluster_pairs.precision,
        "recall": e.cluster_pairs.recall,
        "f1": e.cluster_pairs.f1,
        "bcubed_f1": e.bcubed.f1,
        "hard_negatives": hard,
        "review_people": e.review.people_touched,
        "review_share": e.review.share,
        "records_evaluated": e.counts.records_evaluated,
        "true_people": e.counts.true_people,
        "resolved_people": e.counts.resolved_people,
        "serial_split": None if serial is None else {"split": serial.split, "people": serial.people},
    }


def records_digest(results: Path) -> tuple[int, int]:
    """(count, order-independent hash) of the records' linkage columns."""
    con = duckdb.connect(str(results), read_only=True)
    try:
        row = con.sql(
            f"SELECT count(*), coalesce(sum(hash({', '.join(RECORD_CHECK_COLUMNS)})), 0) FROM records"
        ).fetchall()[0]
    finally:
        con.close()
    return int(row[0]), int(row[1])


# ---------------------------------------------------------------------------
# Report


def machine() -> dict[str, Any]:
    """The machine and software the figures come from."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory = None
    return {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "duckdb": duckdb.__version__,
        "splink": version("splink"),
        "pandas": version("pandas"),  # 2 or 3 changes some steps' time (the bench extra holds it below 3)
        "date": datetime.now(UTC).date().isoformat(),
    }


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _hard(result: dict[str, Any], kind: str) -> str:
    h = result["accuracy"]["hard_negatives"][kind]
    return f"{h['merged']:,}/{h['pairs']:,} ({pct(h['share'])})"


def report_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, ...]]:
    """(measure, value per model...) rows for the printed table."""
    models = list(results)
    rows: list[tuple[str, ...]] = []
    for stage in STAGES:
        rows.append((f"{stage} (s)", *(_secs(results[m]["seconds"].get(stage)) for m in models)))
    rows.append(("total wall (s)", *(_secs(results[m]["total_seconds"]) for m in models)))
    rows.append(("peak RSS (GiB)", *(f"{results[m]['peak_rss_bytes'] / 2**30:.2f}" for m in models)))
    rows.append(("", *("" for _ in models)))
    rows.append(("records", *(f"{results[m]['records']:,}" for m in models)))
    rows.append(("scored pairs", *(f"{results[m]['scored_pairs']:,}" for m in models)))
    if all("accuracy" in results[m] for m in models):
        acc = {m: results[m]["accuracy"] for m in models}
        rows.append(("resolved people", *(f"{acc[m]['resolved_people']:,}" for m in models)))
        rows.append(("true people", *(f"{acc[m]['true_people']:,}" for m in models)))
        rows.append(("cluster-pair precision", *(pct(acc[m]["precision"]) for m in models)))
        rows.append(("cluster-pair recall", *(pct(acc[m]["recall"]) for m in models)))
        rows.append(("cluster-pair F1", *(pct(acc[m]["f1"]) for m in models)))
        rows.append(("B-cubed F1", *(pct(acc[m]["bcubed_f1"]) for m in models)))
        for kind, label in (("twin", "twins merged"), ("junior_senior", "junior/senior merged"),
                            ("namesake", "namesakes merged")):
            rows.append((label, *(_hard(results[m], kind) for m in models)))
        rows.append(("people in review band",
                     *(f"{acc[m]['review_people']:,} ({pct(acc[m]['review_share'])})" for m in models)))
        rows.append(("serial perpetrators split",
                     *("n/a" if acc[m]["serial_split"] is None
                       else f"{acc[m]['serial_split']['split']:,}/{acc[m]['serial_split']['people']:,}"
                       for m in models)))
    return rows


def print_table(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> None:
    """Print rows as a plain aligned text table."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))))
    print(line)
    for row in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


def machine_line(m: dict[str, Any]) -> str:
    """One line naming the machine and software (from :func:`machine`)."""
    memory = "" if m["memory_gib"] is None else f", {m['memory_gib']:.0f} GiB RAM"
    return (f"machine: {m['machine']}, {m['cpus']} CPUs{memory}, {m['python']}, "
            f"DuckDB {m['duckdb']}, Splink {m['splink']}, pandas {m.get('pandas', '?')}; date {m['date']}")


def print_report(summary: dict[str, Any]) -> None:
    """Print the machine, the per-model table and the MASH / plain ratios."""
    print()
    print(machine_line(summary["machine"]))
    print(f"people: {summary['people']:,} (seed {summary['seed']}); extracts: {summary['extracts']}")
    if summary.get("same_records") is not None:
        print(f"both models resolved identical standardised records: {'yes' if summary['same_records'] else 'NO'}")
    print()
    results = summary["models"]
    print_table(report_rows(results), ("measure", *(LABELS[k] for k in results)))
    print()
    if "mash" in results:
        print(f"MASH Link peak RSS: {results['mash']['peak_rss_bytes'] / 2**30:.2f} GiB")
    if summary.get("time_ratio") is not None:
        print(f"total time, MASH Link / plain Splink: {summary['time_ratio']:.2f}x")
    print("notes: the plain model's review band is 0.5 <= p < 0.9 (MASH Link: its configured thresholds);")
    print("       the plain cluster stage includes writing clusters and pairs, as MASH Link's does.")


# ---------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments (the --child* ones are internal)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--skip-plain", action="store_true", help="do not run the plain Splink baseline")
    parser.add_argument("--skip-mash", action="store_true", help="do not run MASH Link")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--child-store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-extracts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-config", type=Path, default=RUN_CONFIG, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    """Generate (or reuse) extracts, run each model in a child, score, print."""
    args = parse_args()
    if args.child:
        child_main(args.child, args.child_store, args.child_extracts, args.child_out, args.child_config)
        return
    models = [m for m in MODELS if not getattr(args, f"skip_{m}")]
    if not models:
        raise SystemExit("nothing to run: both --skip-mash and --skip-plain given")

    extracts = extracts_dir(args.workdir, args.people, args.seed)
    generated = ensure_extracts(extracts, args.people, args.seed)
    print(f"extracts: {extracts} ({'reused' if generated is None else f'generated in {generated:.1f}s'})", flush=True)

    results: dict[str, dict[str, Any]] = {}
    for model in models:
        store = store_path(args.workdir, args.people, args.seed, model)
        print(f"running {LABELS[model]} ...", flush=True)
        results[model] = run_child(model, store, extracts)
        print(f"  done in {results[model]['total_seconds']:.1f}s; scoring ...", flush=True)
        results[model]["accuracy"] = score(results_file(model, store), extracts / "truth")

    summary: dict[str, Any] = {
        "machine": machine(),
        "people": args.people,
        "seed": args.seed,
        "extracts": str(extracts),
        "models": results,
        "same_records": None,
        "time_ratio": None,
    }
    if len(results) == 2:
        digests = {m: records_digest(results_file(m, store_path(args.workdir, args.people, args.seed, m))) for m in results}
        summary["same_records"] = digests["mash"] == digests["plain"]
        summary["time_ratio"] = results["mash"]["total_seconds"] / results["plain"]["total_seconds"]
    print_report(summary)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
