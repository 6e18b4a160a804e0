"""The ``mash`` command's parser and entry point; each command's handler lives in a module of its kind."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from linkage.accountability.access import DEFAULT_USERS_FILE, USERS_ENV, UserRole
from linkage.cli import result_commands, run_commands, serve_commands
from linkage.cli.output import console
from linkage.errors import MashError, described, frames


DEFAULT_CONFIG = Path("configs/run.yaml")


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
    generate.set_defaults(handler=run_commands.generate)

    ingest = commands.add_parser(
        "ingest",
        help="check the extracts: read, validate and standardise them without changing the results",
        description="Read every source named by the run config, validate it, standardise it with named "
        "SQL steps into the store's ingest-check file, to inspect before a run; the live results are not touched. "
        "Unusable rows are quarantined with a reason; nulled values get a data-quality note.",
    )
    _config_args(ingest)
    ingest.set_defaults(handler=run_commands.ingest)

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
    run.set_defaults(handler=run_commands.run)

    train = commands.add_parser(
        "train",
        help="train a new model version on the store's records",
        description="Estimate the model's parameters (prior from deterministic rules, u by random sampling, "
        "m by EM) on the records in the store and save them as the next model version.",
    )
    _config_args(train)
    train.set_defaults(handler=run_commands.train)

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
    evaluate.set_defaults(handler=result_commands.evaluate)

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
    flags.set_defaults(handler=result_commands.flags)

    blocking = commands.add_parser(
        "blocking",
        help="count the candidate pairs each blocking rule generates",
        description="Splink's blocking analysis of the model's prediction rules on the store's records: pairs "
        "each rule adds beyond the earlier ones, and the running total, to keep a large run within budget.",
    )
    _config_args(blocking)
    blocking.add_argument("--sample", type=float, default=1.0, help="share of records sampled per side (default 1.0: exact)")
    blocking.set_defaults(handler=result_commands.blocking)

    runs = commands.add_parser(
        "runs",
        help="list recent runs: status, inputs, counts and timings",
        description="The run history from the store's state database, newest first: each run's status, model version, "
        "records read and quarantined, people, merges and splits, flags raised and cleared, and duration.",
    )
    _config_args(runs)
    runs.add_argument("--limit", type=int, default=20, help="runs to show (default 20)")
    runs.set_defaults(handler=run_commands.runs)

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
    report.set_defaults(handler=run_commands.report)

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
    links.set_defaults(handler=result_commands.export_table, export="links")
    for name, text in (
        ("persons", "the golden view: one row per resolved person, with the fields in conflict"),
        ("flags", "one row per safeguarding flag, most severe first, with its rule and parameters"),
    ):
        table = what.add_parser(name, help=text, description=text[0].upper() + text[1:] + ". Spreadsheet-safe cells.")
        _config_args(table)
        table.add_argument("--out", type=Path, required=True, help="CSV file to write")
        table.set_defaults(handler=result_commands.export_table, export=name)
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
    graph.set_defaults(handler=result_commands.export_graph)

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
    encompass.set_defaults(handler=result_commands.export_encompass)

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
    add_user.set_defaults(handler=serve_commands.users_add)

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
    dashboard.set_defaults(handler=serve_commands.serve_dashboard)
    return parser


def _config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="run config (default configs/run.yaml)")
    parser.add_argument("--store", type=Path, help="DuckDB store file (overrides the config's 'store')")
    parser.add_argument("--extracts", type=Path, help="extracts directory (overrides the config's 'extracts_dir')")
