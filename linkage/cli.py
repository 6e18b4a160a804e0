"""The ``mash`` command: generate, ingest and (later) link agency extracts."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from linkage.accountability.access import DEFAULT_USERS_FILE, USERS_ENV, UserRole, add_user, load_users, users_file
from linkage.config import RunConfig, load_run_config
from linkage.errors import MashError, described, frames

DEFAULT_CONFIG = Path("configs/run.yaml")

console = Console()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mash`` command line.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit status: 0 on success, 2 on a reported error, 1 on any other (a fault, a full
        disk), printed without its message, which could quote a record.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        args.handler(args)
    except MashError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except Exception as exc:  # not a reported error: its message may quote a record, so described() leaves it out
        hint = "" if isinstance(exc, OSError) else ". This is a fault in MASH Link: please report it" + (
            "" if args.verbose else " (run with -v to see where it happened)"
        )
        console.print(f"[bold red]error:[/] {described(exc)}{hint}.", highlight=False, soft_wrap=True, markup=False)
        if args.verbose:
            console.print("\n".join(frames(exc)), highlight=False, soft_wrap=True, markup=False)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mash",
        description="MASH Link: resolve people across police, social care and health extracts.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each SQL step and its timing")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate",
        help="write synthetic agency extracts with ground truth",
        description="Write synthetic police, social care and health extracts, and their ground truth, "
        "to try, test and benchmark MASH Link without real personal data.",
    )
    generate.add_argument("--people", type=int, default=20_000, help="population size (default 20000)")
    generate.add_argument("--seed", type=int, default=42, help="random seed; same seed, same files (default 42)")
    generate.add_argument("--out", type=Path, default=Path("data/extracts"), help="output directory (default data/extracts)")
    generate.add_argument(
        "--as-of", type=date.fromisoformat, default=date(2026, 11, 1),
        help="extract date, YYYY-MM-DD: events run up to it (default 2026-11-01)",
    )
    generate.add_argument(
        "--profile", default="default",
        help="error profile: clean (a quarter of the default errors), default, or harsh "
        "(police data on a bad day); recorded in truth/manifest.json (default: default)",
    )
    generate.set_defaults(handler=_generate)

    ingest = commands.add_parser(
        "ingest",
        help="check the extracts: read, validate and standardise them without changing the results",
        description="Read every source named by the run config, validate it, standardise it with named "
        "SQL steps into the store's ingest-check file, to inspect before a run; the live results are not touched. "
        "Unusable rows are quarantined with a reason; nulled values get a data-quality note.",
    )
    _config_args(ingest)
    ingest.set_defaults(handler=_ingest)

    run = commands.add_parser(
        "run",
        help="ingest, standardise, train (if no model yet), predict and cluster",
        description="The whole batch: ingest and standardise every source, train the Splink model if there is "
        "no current one, score candidate pairs, cluster them into people without breaking hard constraints, "
        "and build the golden person view. Every table is replaced at once at the end.",
    )
    _config_args(run)
    run.add_argument("--retrain", action="store_true", help="train a new model version first")
    run.add_argument(
        "--incremental", action="store_true",
        help="process only new, changed and withdrawn records against the last results, with the saved model",
    )
    run.add_argument(
        "--engine", choices=("duckdb", "spark"),
        help="where a full run computes (overrides the config's 'engine'; spark: see docs/scaling.md)",
    )
    run.set_defaults(handler=_run)

    train = commands.add_parser(
        "train",
        help="train a new model version on the store's records",
        description="Estimate the model's parameters (prior from deterministic rules, u by random sampling, "
        "m by EM) on the records in the store and save them as the next model version.",
    )
    _config_args(train)
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser(
        "evaluate",
        help="score the resolved people against ground truth",
        description="Compare resolved people with the generator's ground truth: precision, recall, F1, B-cubed, "
        "merged hard negatives, recall by source pair and the review band; writes a Markdown report with "
        "Splink's model charts.",
    )
    _config_args(evaluate)
    evaluate.add_argument("--truth", type=Path, help="ground truth directory (default: <extracts>/truth)")
    evaluate.add_argument("--report", type=Path, help="Markdown report path (default: <store dir>/evaluation/report.md)")
    evaluate.set_defaults(handler=_evaluate)

    flags = commands.add_parser(
        "flags",
        help="list safeguarding flags, most severe first",
        description="Safeguarding flags raised by the last run, most severe first: the person (name, DOB, id), the decision on the flag, the rule, the "
        "agencies whose records are the evidence, and the weakest link probability the flag relies on.",
    )
    _config_args(flags)
    flags.add_argument("--code", action="append", help="only this flag code (repeatable), e.g. serial_perpetrator")
    flags.add_argument("--agency", action="append", help="only flags with evidence from this agency (repeatable), e.g. police")
    flags.add_argument(
        "--status", action="append",
        help="only flags with this decision (repeatable): new (none recorded), under_review or actioned",
    )
    flags.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    flags.set_defaults(handler=_flags)

    blocking = commands.add_parser(
        "blocking",
        help="count the candidate pairs each blocking rule generates",
        description="Splink's blocking analysis of the model's prediction rules on the store's records: pairs "
        "each rule adds beyond the earlier ones, and the running total, to keep a large run within budget.",
    )
    _config_args(blocking)
    blocking.add_argument("--sample", type=float, default=1.0, help="share of records sampled per side (default 1.0: exact)")
    blocking.set_defaults(handler=_blocking)

    runs = commands.add_parser(
        "runs",
        help="list recent runs: status, inputs, counts and timings",
        description="The run history from the store's state database, newest first: each run's status, model version, "
        "records read and quarantined, people, merges and splits, flags raised and cleared, and duration.",
    )
    _config_args(runs)
    runs.add_argument("--limit", type=int, default=20, help="runs to show (default 20)")
    runs.set_defaults(handler=_runs)

    report = commands.add_parser(
        "report",
        help="write a run's linkage quality report (Markdown and charts)",
        description="Write the linkage quality report of the latest complete run (or of --run N, while its results "
        "file is kept): match weights of linked and unlinked pairs, agreement by field, the review band and its "
        "clearance, expected false and missed matches, results across thresholds, plausibility failures, and "
        "link rates by age band, sex and agency. Counts and rates only. It goes in <store>.reports/run-NNNNNN/, "
        "where 'mash runs' finds it.",
    )
    _config_args(report)
    report.add_argument("--run", type=int, help="the run to report on (default: the latest complete run)")
    report.set_defaults(handler=_report)

    export = commands.add_parser("export", help="write CSV exports", description="Write CSV exports from the store.")
    what = export.add_subparsers(title="exports", required=True, metavar="WHAT")
    links = what.add_parser(
        "links",
        help="the key file: one row per source record with its person id and link strength",
        description="One row per source record: source, record_id, person_id, link_strength "
        "(confirmed, strong or single) and best_match_probability. Cells are safe to open in a spreadsheet.",
    )
    _config_args(links)
    links.add_argument("--out", type=Path, required=True, help="CSV file to write")
    links.set_defaults(handler=_export_table, export="links")
    for name, text in (
        ("persons", "the golden view: one row per resolved person, with the fields in conflict"),
        ("flags", "one row per safeguarding flag, most severe first, with its rule and parameters"),
    ):
        table = what.add_parser(name, help=text, description=text[0].upper() + text[1:] + ". Spreadsheet-safe cells.")
        _config_args(table)
        table.add_argument("--out", type=Path, required=True, help="CSV file to write")
        table.set_defaults(handler=_export_table, export=name)
    graph = what.add_parser(
        "graph",
        help="the safeguarding graph for i2, Gephi or GraphML tools",
        description="Writes entities.csv and links.csv (i2 / Gephi import), graph.json and graph.graphml: the whole "
        "graph, or one person's neighbourhood with --person. Link strength: confirmed (>= 0.99), tentative (>= 0.9), "
        "unconfirmed.",
    )
    _config_args(graph)
    graph.add_argument("--out", type=Path, required=True, help="directory to write the files into")
    graph.add_argument("--person", help="only this person's neighbourhood (a person id such as MP0000042)")
    graph.add_argument("--depth", type=int, default=1, help="steps from the person (default 1)")
    graph.set_defaults(handler=_export_graph)

    encompass = what.add_parser(
        "encompass",
        help="the Operation Encompass list for schools: children present at DA incidents on one day, by area",
        description="One row per child present at a DA incident on --day (recorded as witness or involved, or living "
        "at the incident address): the school area (postcode district), name, DOB, age, address, how the child was "
        "there and the occurrence. Signed with a dashboard user's name and password; the user's role must allow "
        "'export_encompass', and refuge addresses are withheld unless it allows 'see_refuge_address'. The export "
        "is written to the audit log (who, when, purpose, day, areas, people) before the file; if it cannot be, "
        "no file is written.",
    )
    _config_args(encompass)
    encompass.add_argument("--day", type=date.fromisoformat, required=True, help="the incidents' date, YYYY-MM-DD")
    encompass.add_argument("--area", action="append", help="only this school area, a postcode district such as NT1 (repeatable)")
    encompass.add_argument("--out", type=Path, required=True, help="CSV file to write")
    encompass.add_argument("--user", required=True, help="your dashboard user name")
    encompass.add_argument("--purpose", required=True, help="why you export it, for the audit log (e.g. 'Encompass notifications')")
    encompass.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    encompass.add_argument("--users", type=Path, help=f"users file (default ${USERS_ENV} or {DEFAULT_USERS_FILE})")
    encompass.set_defaults(handler=_export_encompass)

    users = commands.add_parser("users", help="manage dashboard users", description="Manage the dashboard's users file.")
    users_what = users.add_subparsers(title="actions", required=True, metavar="ACTION")
    add_user = users_what.add_parser(
        "add",
        help="add a user (or reset one's role and password)",
        description="Add a user to the dashboard's users file with a role and a password, stored only as a salted "
        "scrypt hash. The password is asked for twice, or read from standard input with --password-stdin.",
    )
    add_user.add_argument("name", help="user name (letters, digits, '.', '_' or '-')")
    add_user.add_argument("--role", required=True, choices=[r.value for r in UserRole], help="the user's role")
    add_user.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    add_user.add_argument("--users", type=Path, help=f"users file (default ${USERS_ENV} or {DEFAULT_USERS_FILE})")
    add_user.set_defaults(handler=_users_add)

    dashboard = commands.add_parser(
        "dashboard",
        help="serve the dashboard (Streamlit) over the store",
        description="Serve the MASH dashboard: triage, person search and profile, family network, intelligence, "
        "linkage review, quality and the audit log. Users sign in with a name and password from the users file.",
    )
    _config_args(dashboard)
    dashboard.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    dashboard.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    dashboard.add_argument("--users", type=Path, help=f"users file (default ${USERS_ENV} or {DEFAULT_USERS_FILE})")
    dashboard.set_defaults(handler=_dashboard)
    return parser


def _config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="run config (default configs/run.yaml)")
    parser.add_argument("--store", type=Path, help="DuckDB store file (overrides the config's 'store')")
    parser.add_argument("--extracts", type=Path, help="extracts directory (overrides the config's 'extracts_dir')")


def _run_config(args: argparse.Namespace) -> RunConfig:
    return load_run_config(args.config, store=args.store, extracts_dir=args.extracts)


@contextmanager
def _reading(args: argparse.Namespace) -> Iterator[tuple[RunConfig, duckdb.DuckDBPyConnection]]:
    """The run config and a read-only connection to its current results, closed afterwards."""
    from linkage.store import open_results

    run = _run_config(args)
    con = open_results(run.store)
    try:
        yield run, con
    finally:
        con.close()


def _generate(args: argparse.Namespace) -> None:
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


def _ingest(args: argparse.Namespace) -> None:
    from linkage.ingest import ingest

    run = _run_config(args)
    with console.status("Ingesting...") as status:
        report = ingest(run, on_source=lambda name: status.update(f"Ingesting {name}..."))
    table = Table(title=f"Ingested into {report.store}")
    for heading in ("source", "file", "rows read", "records", "quarantined", "data-quality notes"):
        table.add_column(heading, justify="left" if heading in ("source", "file") else "right")
    for s in report.sources:
        table.add_row(s.source, Path(s.file).name, f"{s.rows_read:,}", f"{s.records:,}", f"{s.quarantined:,}", f"{s.notes:,}")
    console.print(table)
    _print_counts("Quarantined rows by reason", {(s.source, k): v for s in report.sources for k, v in s.quarantine_reasons.items()})
    _print_counts("Data-quality notes (value nulled)", {(s.source, k): v for s in report.sources for k, v in s.note_counts.items()})
    _print_mostly_nulled(report.sources)
    console.print(f"Done in {report.seconds:.1f}s.")


def _run(args: argparse.Namespace) -> None:
    from linkage.batch import run_all

    run = _run_config(args)
    if args.engine:
        run = run.model_copy(update={"engine": args.engine})
    with _Stages() as stages:
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
    console.print(f"Implausible people: {_implausible(report.counts)} (counted, not split: see docs/linkage.md).")
    raised = ", ".join(f"{code} {count:,}" for code, count in sorted(report.flags.counts.items())) or "none"
    console.print(f"Flags raised on {report.flags.people:,} people: {raised} (see 'mash flags').")
    _print_counts("Quarantined rows by reason", {(s.source, k): v for s in report.sources for k, v in s.quarantine_reasons.items()})
    for s in report.sources:
        if s.status != "loaded":
            kept = "kept its records from the last good run" if s.status == "kept" else "no earlier data to keep: it is absent"
            console.print(f"[bold yellow]{s.source} skipped:[/] {s.problem} ({kept}).", highlight=False, soft_wrap=True)
    for source, lines in report.counts.get("blank_rises", {}).items():
        for line in lines:
            console.print(f"[bold yellow]{source}: more blanks:[/] {line}.", highlight=False, soft_wrap=True)
    _print_mostly_nulled(report.sources)
    ids = report.counts
    console.print(
        f"Person ids: {ids.get('new_people', 0):,} new, {ids.get('merges', 0):,} merged, {ids.get('splits', 0):,} split, "
        f"{ids.get('withdrawn', 0):,} withdrawn (logged in 'person_id_events')."
    )
    console.print(f"Run {report.run_id} complete; results in {report.results_file} (see 'mash runs').")


def _print_mostly_nulled(sources) -> None:
    """Say loudly which mapped fields standardisation nulled on most of a source's records."""
    for s in sources:
        for line in s.mostly_nulled:
            console.print(
                f"[bold red]{s.source}: {line}[/] (the field is lost to linkage: check its YAML key; "
                "'extract_checks.max_nulled_share' sets when this is said).",
                highlight=False, soft_wrap=True,
            )


def _runs(args: argparse.Namespace) -> None:
    from linkage.history import list_runs
    from linkage.report import report_path
    from linkage.store import open_state

    run = _run_config(args)
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
                f"  {_count(c.get('linked_records'))} records linked; {c['people']:,} people "
                f"({_count(c.get('new_people'))} new, {_count(c.get('merges'))} merged, {_count(c.get('splits'))} split)"
                + (f"; flags {c['flags']:,} (+{c['flags_raised']:,} -{c['flags_cleared']:,})" if "flags_raised" in c else ""),
                highlight=False,
            )
        if r.status == "complete" and "implausible" in c:
            console.print(f"  implausible people: {_implausible(c)}", highlight=False)
        if (quality := report_path(run.store, r.run_id)).is_file():
            console.print(f"  quality report: {quality}", highlight=False, soft_wrap=True)
        for source, problem in c.get("skipped_sources", {}).items():
            console.print(f"  [yellow]{source} skipped:[/] {problem}", highlight=False, soft_wrap=True)
        for source, lines in c.get("mostly_nulled", {}).items():
            for line in lines:
                console.print(f"  [red]{source}: {line}[/]", highlight=False, soft_wrap=True)
        if r.error:
            console.print(f"  [red]{r.error}[/]", highlight=False, soft_wrap=True)


def _implausible(counts: dict) -> str:
    from linkage.resolve import PLAUSIBILITY_CHECKS

    found = counts.get("implausible", {})
    return "; ".join(f"{found[name]:,} {what}" for name, what in PLAUSIBILITY_CHECKS.items() if name in found)


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _report(args: argparse.Namespace) -> None:
    from linkage.report import write_report_for_run

    run = _run_config(args)
    with console.status("Measuring linkage quality..."):
        path, report = write_report_for_run(run, args.run)
    o = report.overview
    console.print(
        f"Run {report.run_id}: {o['records']:,} records, {o['people']:,} people, {o['pairs']:,} scored pairs; "
        f"review band {report.review['review']:,} pairs, {report.review['undecided']:,} not yet decided.",
        highlight=False,
    )
    console.print(f"Quality report: {path}", highlight=False, soft_wrap=True)


def _train(args: argparse.Namespace) -> None:
    from linkage.batch import retrain_model

    run = _run_config(args)
    with console.status("Training..."):
        model = retrain_model(run)
    console.print(f"Model v{model.version} trained on {model.records:,} records: {model.path}")


def _evaluate(args: argparse.Namespace) -> None:
    from linkage.evaluate import evaluation_report, evaluation_tables, write_report
    from linkage.resolve import load_latest_model
    from linkage.resolve.charts import save_model_charts

    with _reading(args) as (run, con):
        truth = args.truth or run.extracts_dir / "truth"
        report_path = args.report or run.store.parent / "evaluation" / "report.md"
        with console.status("Evaluating..."):
            sections = evaluation_report(con, truth)
            model = load_latest_model(run.store)
            charts = save_model_charts(con, model, report_path.parent) if model else {}
    for shown in evaluation_tables(sections):
        console.print(shown)
    console.print(f"Report: {write_report(sections, report_path, charts)}")


def _flags(args: argparse.Namespace) -> None:
    from linkage.accountability.flag_decisions import decision_history, decisions_in_force, status_text
    from linkage.safeguarding import list_flags
    from linkage.store import open_state

    with _reading(args) as (run, con):
        with open_state(run.store) as state:
            history = decision_history(state)
        decisions = decisions_in_force(con, history)
        total, rows = list_flags(
            con, codes=args.code, agencies=args.agency, limit=args.limit, decisions=decisions, statuses=args.status,
        )
    table = Table(title=f"{total:,} flags, most severe first" + (f" (showing {len(rows)})" if len(rows) < total else ""))
    table.add_column("sev", no_wrap=True)
    table.add_column("flag", overflow="fold")
    table.add_column("person", min_width=16, overflow="fold")
    table.add_column("decision", overflow="fold")
    table.add_column("evidence", overflow="fold")
    table.add_column("rule", ratio=1)
    for row in rows:
        agencies = ", ".join(row["agencies"]) + (" (cross-agency)" if row["cross_agency"] else "")
        score = "" if row["score"] is None else f"; score {row['score']:.1f}"
        born = f"born {row['dob']:%d/%m/%Y}" if row["dob"] else "DOB not known"
        person = f"{row['name'] or '(no name recorded)'}\n{born}\n{row['person_id']}"
        table.add_row(
            str(row["severity"]), row["code"].replace("_", " "), person, status_text(row["status"], row["outcome"]),
            f"{agencies}; link {row['weakest_link']:.2f}{score}", row["rule"],
        )
    console.print(table)
    console.print("link: the weakest match probability among the records the flag relies on. "
                  "decision: recorded on the person's profile in the dashboard.")


def _blocking(args: argparse.Namespace) -> None:
    from linkage.resolve.blocking import analyse_blocking

    with _reading(args) as (run, con):
        with console.status("Counting candidate pairs..."):
            counts = analyse_blocking(con, run.model, args.sample)
    table = Table(title="Candidate pairs by blocking rule" + ("" if args.sample == 1 else f" (estimated from a {args.sample:.0%} sample)"))
    table.add_column("rule")
    table.add_column("adds", justify="right")
    table.add_column("total", justify="right")
    for count in counts:
        table.add_row(count.rule, f"{count.marginal:,}", f"{count.cumulative:,}")
    console.print(table)


def _export_table(args: argparse.Namespace) -> None:
    from linkage import export

    writers = {"links": export.export_links, "persons": export.export_persons, "flags": export.export_flags}
    with _reading(args) as (run, con):
        rows = writers[args.export](con, args.out)
    console.print(f"Wrote {rows:,} rows ({args.export}) to {args.out}")


def _export_graph(args: argparse.Namespace) -> None:
    from linkage.export import export_graph

    with _reading(args) as (run, con):
        with console.status("Building the graph..."):
            files = export_graph(con, args.out, person_id=args.person, depth=args.depth)
    for kind, path in files.items():
        console.print(f"{kind}: {path}")


def _export_encompass(args: argparse.Namespace) -> None:
    from linkage.accountability import audit
    from linkage.accountability.access import authenticate
    from linkage.encompass import audited_encompass_csv
    from linkage.store import open_state

    run = _run_config(args)
    if len(args.purpose.strip()) < 5:
        raise MashError("give a purpose of at least a few words, such as 'Encompass notifications for schools'")
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else getpass.getpass(f"Password for {args.user}: ")
    # As at the dashboard's sign-in: every attempt is on record before it is answered, and a lockout holds.
    with open_state(run.store) as state:
        locked = audit.locked_until(state, args.user)
        if locked is not None:
            audit.record_locked_sign_in(state, args.user)
    if locked is not None:
        raise MashError(f"too many failed sign-ins under this name: try again after {locked:%H:%M}; nothing was exported")
    user = authenticate(args.users or users_file(), args.user, password)
    if user is None:
        with open_state(run.store) as state:
            audit.record_failed_sign_in(state, args.user)
        raise MashError("wrong user name or password; nothing was exported")
    with _reading(args) as (run, con):
        data, found = audited_encompass_csv(
            con, run.store, user, args.purpose.strip(), args.day, args.area, file_name=args.out.name, page="cli",
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    console.print(f"Wrote {len(found.rows):,} children present at DA incidents on {args.day:%d/%m/%Y} to {args.out}", highlight=False)
    if found.window_start is not None and args.day < found.window_start:
        console.print(f"The flags cover incidents from {found.window_start:%d/%m/%Y} only (child_at_da_incident.window_days).")


def _users_add(args: argparse.Namespace) -> None:
    path = args.users or users_file()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise MashError("the passwords differ; nothing was changed")
    add_user(path, args.name, args.role, password)
    console.print(f"User {args.name} ({args.role}) saved in {path}")


# A calm light theme: the default red primary colour reads as an alarm on every button.
_DASHBOARD_THEME = ("--theme.base", "light", "--theme.primaryColor", "#1d5c8a")


def _dashboard(args: argparse.Namespace) -> None:
    import dashboard  # the package only, to find app.py in an installed checkout; Streamlit runs in the server

    run = _run_config(args)
    users = (args.users or users_file()).resolve()
    load_users(users)  # a missing or malformed users file is reported here, not at sign-in
    app = Path(dashboard.__file__).resolve().parent / "app.py"
    env = {**os.environ, "MASH_CONFIG": str(args.config.resolve()), "MASH_STORE": str(Path(run.store).resolve()), USERS_ENV: str(users)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port), "--server.address", args.address, "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
        "--client.disableDataExport", "true", "--client.showErrorDetails", "none",
        *_DASHBOARD_THEME,
    ]
    _require_free_port(args.address, args.port)
    console.print(f"Dashboard on http://{args.address}:{args.port} (store {run.store}, users {users}); Ctrl+C to stop.")
    sys.stdout.flush()
    # Become the Streamlit server, so a supervisor's SIGTERM or Ctrl+C reaches it directly.
    os.execve(sys.executable, command, env)


def _require_free_port(address: str, port: int) -> None:
    """Refuse a port something already listens on, before printing a URL that would not be ours."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise MashError(
                f"cannot serve on {address}:{port} ({exc.strerror}); is a dashboard already running? "
                "Choose another port with --port (make demo PORT=8600)."
            ) from None


class _Stages:
    """A progress line per stage: a spinner while it runs, its time when done."""

    def __init__(self) -> None:
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console)
        self._task: TaskID | None = None

    def __enter__(self) -> _Stages:
        self._progress.__enter__()
        return self

    def start(self, name: str) -> None:
        self._finish()
        self._task = self._progress.add_task(name, total=1)

    def _finish(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=1)

    def __exit__(self, *exc: object) -> None:
        self._finish()
        self._progress.__exit__(*exc)


def _print_counts(title: str, counts: dict[tuple[str, str], int]) -> None:
    if not counts:
        console.print(f"{title}: none")
        return
    table = Table(title=title)
    table.add_column("source")
    table.add_column("reason")
    table.add_column("rows", justify="right")
    for (source, reason), count in counts.items():
        table.add_row(source, reason, f"{count:,}")
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
