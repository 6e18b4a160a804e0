"""Commands that make and inspect runs: generate, ingest, run, runs, report, train."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from rich.table import Table

from linkage.cli.output import Stages, console, count_text, implausible, print_counts, print_mostly_nulled
from linkage.config import RunConfig, load_run_config
from linkage.errors import MashError


def run_config(args: argparse.Namespace) -> RunConfig:
    """The run config named by the command's ``--config``, ``--store`` and ``--extracts``."""
    return load_run_config(args.config, store=args.store, extracts_dir=args.extracts)


@contextmanager
def reading(args: argparse.Namespace) -> Iterator[tuple[RunConfig, duckdb.DuckDBPyConnection]]:
    """The run config and a read-only connection to its current results, closed afterwards."""
    from linkage.store import open_results

    run = run_config(args)
    con = open_results(run.store)
    try:
        yield run, con
    finally:
        con.close()


def generate(args: argparse.Namespace) -> None:
    """``mash generate``: write synthetic extracts with ground truth."""
    from synth import ErrorRates, generate_extracts

    if args.people < 1:
        raise MashError("--people must be at least 1")
    try:
        ErrorRates.for_profile(args.profile)
    except ValueError as exc:
        raise MashError(f"--profile: {exc}") from None
    with console.status(f"Generating {args.people:,} people ({args.profile} errors)..."):
        summary = generate_extracts(
            people=args.people, seed=args.seed, out_dir=args.out, as_of=args.as_of, profile=args.profile,
        )
    table = Table(title=f"Synthetic extracts in {args.out}")
    table.add_column("source")
    table.add_column("records", justify="right")
    for source, count in summary.records.items():
        table.add_row(source, f"{count:,}")
    console.print(table)
    console.print(
        f"{summary.people:,} people, seed {args.seed}, {args.profile} errors, {summary.seconds:.1f}s. "
        f"Ground truth in {args.out / 'truth'}"
    )


def ingest(args: argparse.Namespace) -> None:
    """``mash ingest``: read, check and standardise the extracts into the ingest-check file."""
    from linkage.ingest import ingest

    run = run_config(args)
    with console.status("Ingesting...") as status:
        report = ingest(run, on_source=lambda name: status.update(f"Ingesting {name}..."))
    table = Table(title=f"Ingested into {report.store}")
    for heading in ("source", "file", "rows read", "records", "quarantined", "data-quality notes"):
        table.add_column(heading, justify="left" if heading in ("source", "file") else "right")
    for s in report.sources:
        table.add_row(s.source, Path(s.file).name, f"{s.rows_read:,}", f"{s.records:,}", f"{s.quarantined:,}", f"{s.notes:,}")
    console.print(table)
    print_counts("Quarantined rows by reason", {(s.source, k): v for s in report.sources for k, v in s.quarantine_reasons.items()})
    print_counts("Data-quality notes (value nulled)", {(s.source, k): v for s in report.sources for k, v in s.note_counts.items()})
    print_mostly_nulled(report.sources)
    console.print(f"Done in {report.seconds:.1f}s.")


def run(args: argparse.Namespace) -> None:
    """``mash run``: a full or incremental run, stage by stage, then its counts."""
    from linkage.batch import run_all

    run = run_config(args)
    if args.engine:
        run = run.model_copy(update={"engine": args.engine})
    with Stages() as stages:
        report = run_all(run, retrain=args.retrain, on_stage=stages.start, incremental=args.incremental)
    resolution = report.resolution
    table = Table(title=f"Resolved {resolution.records:,} records into {resolution.people:,} people")
    table.add_column("pairs by band")
    table.add_column("pairs", justify="right")
    for band, count in sorted(resolution.band_counts.items()):
        table.add_row(band, f"{count:,}")
    console.print(table)
    trained = "trained now" if resolution.trained else "reused"
    console.print(f"Model v{resolution.model.version} ({trained}): {resolution.model.path}")
    if resolution.profiles is not None and resolution.profiles < resolution.records:
        console.print(
            f"{resolution.records:,} records scored as {resolution.profiles:,} identity profiles "
            "(records identical to the model are scored once: see docs/linkage.md)."
        )
    console.print(f"{resolution.ambiguous_records:,} ambiguous records left unlinked for review.")
    console.print(f"Implausible people: {implausible(report.counts)} (counted, not split: see docs/linkage.md).")
    raised = ", ".join(f"{code} {count:,}" for code, count in sorted(report.flags.counts.items())) or "none"
    console.print(f"Flags raised on {report.flags.people:,} people: {raised} (see 'mash flags').")
    print_counts("Quarantined rows by reason", {(s.source, k): v for s in report.sources for k, v in s.quarantine_reasons.items()})
    for s in report.sources:
        if s.status != "loaded":
            kept = "kept its records from the last good run" if s.status == "kept" else "no earlier data to keep: it is absent"
            console.print(f"[bold yellow]{s.source} skipped:[/] {s.problem} ({kept}).", highlight=False, soft_wrap=True)
    for source, lines in report.counts.get("blank_rises", {}).items():
        for line in lines:
            console.print(f"[bold yellow]{source}: more blanks:[/] {line}.", highlight=False, soft_wrap=True)
    print_mostly_nulled(report.sources)
    ids = report.counts
    console.print(
        f"Person ids: {ids.get('new_people', 0):,} new, {ids.get('merges', 0):,} merged, {ids.get('splits', 0):,} split, "
        f"{ids.get('withdrawn', 0):,} withdrawn (logged in 'person_id_events')."
    )
    console.print(f"Run {report.run_id} complete; results in {report.results_file} (see 'mash runs').")


def runs(args: argparse.Namespace) -> None:
    """``mash runs``: the run history, newest first."""
    from linkage.history import list_runs
    from linkage.report import report_path
    from linkage.store import open_state

    run = run_config(args)
    with open_state(run.store) as state:
        runs = list_runs(state, args.limit)
    if not runs:
        console.print(f"No runs recorded in {run.store} yet; run 'mash run'.")
        return
    console.print(f"Runs in {run.store}, newest first", style="bold")
    for r in runs:
        c = r.counts
        took = "" if r.took is None else f", took {r.took:.1f}s"
        model = "" if r.model_version is None else f", model v{r.model_version}"
        console.print(f"run {r.run_id}: {r.kind}, {r.status}, started {r.started_at:%Y-%m-%d %H:%M:%S}{took}{model}", highlight=False)
        sources = c.get("sources", {})
        if sources:
            read = sum(x.get("read", 0) for x in sources.values())
            quarantined = sum(x.get("quarantined", 0) for x in sources.values())
            line = f"  read {read:,} rows, {quarantined:,} quarantined"
            if "added" in c:
                line += f"; records {c['added']:,} added, {c['changed']:,} changed, {c['withdrawn_records']:,} withdrawn"
            console.print(line, highlight=False)
        if r.status != "complete" and "people" in c:
            # Its people and links were never kept: the previous results stayed current.
            console.print("  its results were not kept; the previous run's stayed current", highlight=False)
        elif "people" in c:
            console.print(
                f"  {count_text(c.get('linked_records'))} records linked; {c['people']:,} people "
                f"({count_text(c.get('new_people'))} new, {count_text(c.get('merges'))} merged, {count_text(c.get('splits'))} split)"
                + (f"; flags {c['flags']:,} (+{c['flags_raised']:,} -{c['flags_cleared']:,})" if "flags_raised" in c else ""),
                highlight=False,
            )
        if r.status == "complete" and "implausible" in c:
            console.print(f"  implausible people: {implausible(c)}", highlight=False)
        if (quality := report_path(run.store, r.run_id)).is_file():
            console.print(f"  quality report: {quality}", highlight=False, soft_wrap=True)
        for source, problem in c.get("skipped_sources", {}).items():
            console.print(f"  [yellow]{source} skipped:[/] {problem}", highlight=False, soft_wrap=True)
        for source, lines in c.get("mostly_nulled", {}).items():
            for line in lines:
                console.print(f"  [red]{source}: {line}[/]", highlight=False, soft_wrap=True)
        if r.error:
            console.print(f"  [red]{r.error}[/]", highlight=False, soft_wrap=True)


def report(args: argparse.Namespace) -> None:
    """``mash report``: write a run's linkage quality report."""
    from linkage.report import write_report_for_run

    run = run_config(args)
    with console.status("Measuring linkage quality..."):
        path, report = write_report_for_run(run, args.run)
    o = report.overview
    console.print(
        f"Run {report.run_id}: {o['records']:,} records, {o['people']:,} people, {o['pairs']:,} scored pairs; "
        f"review band {report.review['review']:,} pairs, {report.review['undecided']:,} not yet decided.",
        highlight=False,
    )
    console.print(f"Quality report: {path}", highlight=False, soft_wrap=True)


def train(args: argparse.Namespace) -> None:
    """``mash train``: retrain the model on the current extracts."""
    from linkage.batch import retrain_model

    run = run_config(args)
    with console.status("Training..."):
        model = retrain_model(run)
    console.print(f"Model v{model.version} trained on {model.records:,} records: {model.path}")
