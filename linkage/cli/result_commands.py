"""Commands that read a run's results: evaluate, flags, blocking, export."""

from __future__ import annotations

import argparse
import getpass
import sys

from rich.table import Table

from linkage.accountability.access import users_file
from linkage.cli.output import console
from linkage.cli.run_commands import reading, run_config
from linkage.errors import MashError


def evaluate(args: argparse.Namespace) -> None:
    """``mash evaluate``: score the results against ground truth; print and write the report."""
    from linkage.evaluate import evaluation_report, evaluation_tables, write_report
    from linkage.resolve import load_latest_model
    from linkage.resolve.charts import save_model_charts

    with reading(args) as (run, con):
        truth = args.truth or run.extracts_dir / "truth"
        report_path = args.report or run.store.parent / "evaluation" / "report.md"
        with console.status("Evaluating..."):
            sections = evaluation_report(con, truth)
            model = load_latest_model(run.store)
            charts = save_model_charts(con, model, report_path.parent) if model else {}
    for shown in evaluation_tables(sections):
        console.print(shown)
    console.print(f"Report: {write_report(sections, report_path, charts)}")


def flags(args: argparse.Namespace) -> None:
    """``mash flags``: the flags raised, most severe first."""
    from linkage.accountability.flag_decisions import decision_history, decisions_in_force, status_text
    from linkage.safeguard import list_flags
    from linkage.store import open_state

    with reading(args) as (run, con):
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


def blocking(args: argparse.Namespace) -> None:
    """``mash blocking``: candidate pairs per blocking rule."""
    from linkage.resolve.blocking import analyse_blocking

    with reading(args) as (run, con):
        with console.status("Counting candidate pairs..."):
            counts = analyse_blocking(con, run.model, args.sample)
    table = Table(title="Candidate pairs by blocking rule" + ("" if args.sample == 1 else f" (estimated from a {args.sample:.0%} sample)"))
    table.add_column("rule")
    table.add_column("adds", justify="right")
    table.add_column("total", justify="right")
    for count in counts:
        table.add_row(count.rule, f"{count.marginal:,}", f"{count.cumulative:,}")
    console.print(table)


def export_table(args: argparse.Namespace) -> None:
    """``mash export``: one results table to a file."""
    from linkage import export

    writers = {"links": export.export_links, "persons": export.export_persons, "flags": export.export_flags}
    with reading(args) as (run, con):
        rows = writers[args.export](con, args.out)
    console.print(f"Wrote {rows:,} rows ({args.export}) to {args.out}")


def export_graph(args: argparse.Namespace) -> None:
    """``mash export graph``: the safeguarding graph to a file."""
    from linkage.export import export_graph

    with reading(args) as (run, con):
        with console.status("Building the graph..."):
            files = export_graph(con, args.out, person_id=args.person, depth=args.depth)
    for kind, path in files.items():
        console.print(f"{kind}: {path}")


def export_encompass(args: argparse.Namespace) -> None:
    """``mash export encompass``: an Operation Encompass notification, audited."""
    from linkage.accountability import audit
    from linkage.accountability.access import authenticate
    from linkage.encompass import audited_encompass_csv
    from linkage.store import open_state

    run = run_config(args)
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
    with reading(args) as (run, con):
        data, found = audited_encompass_csv(
            con, run.store, user, args.purpose.strip(), args.day, args.area, file_name=args.out.name, page="cli",
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    console.print(f"Wrote {len(found.rows):,} children present at DA incidents on {args.day:%d/%m/%Y} to {args.out}", highlight=False)
    if found.window_start is not None and args.day < found.window_start:
        console.print(f"The flags cover incidents from {found.window_start:%d/%m/%Y} only (child_at_da_incident.window_days).")
