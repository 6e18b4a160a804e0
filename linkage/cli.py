"""The ``mash`` command: generate, ingest and (later) link agency extracts."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from linkage.config import load_run_config
from linkage.errors import MashError

DEFAULT_CONFIG = Path("configs/run.yaml")

console = Console()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mash`` command line.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        The exit status: 0 on success, 2 on a reported error.
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
    generate.set_defaults(handler=_generate)

    ingest = commands.add_parser(
        "ingest",
        help="read, validate and standardise the extracts into the store",
        description="Read every source named by the run config, validate it, standardise it with named "
        "SQL steps and replace the store's records in one go. Unusable rows are quarantined with a reason; "
        "nulled values get a data-quality note.",
    )
    _config_args(ingest)
    ingest.set_defaults(handler=_ingest)
    return parser


def _config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="run config (default configs/run.yaml)")
    parser.add_argument("--store", type=Path, help="DuckDB store file (overrides the config's 'store')")
    parser.add_argument("--extracts", type=Path, help="extracts directory (overrides the config's 'extracts_dir')")


def _generate(args: argparse.Namespace) -> None:
    from linkage.synth import generate_extracts

    if args.people < 1:
        raise MashError("--people must be at least 1")
    with console.status(f"Generating {args.people:,} people..."):
        summary = generate_extracts(people=args.people, seed=args.seed, out_dir=args.out, as_of=args.as_of)
    table = Table(title=f"Synthetic extracts in {args.out}")
    table.add_column("source")
    table.add_column("records", justify="right")
    for source, count in summary.records.items():
        table.add_row(source, f"{count:,}")
    console.print(table)
    console.print(f"{summary.people:,} people, seed {args.seed}, {summary.seconds:.1f}s. Ground truth in {args.out / 'truth'}")


def _ingest(args: argparse.Namespace) -> None:
    from linkage.ingest import ingest

    run = load_run_config(args.config, store=args.store, extracts_dir=args.extracts)
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
    console.print(f"Done in {report.seconds:.1f}s.")


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
