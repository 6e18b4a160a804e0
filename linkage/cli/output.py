"""What the ``mash`` commands print: the console, stage progress, counts tables."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table


console = Console()


class Stages:
    """A progress line per stage: a spinner while it runs, its time when done."""

    def __init__(self) -> None:
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console)
        self._task: TaskID | None = None

    def __enter__(self) -> Stages:
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


def print_counts(title: str, counts: dict[tuple[str, str], int]) -> None:
    """A table of counts by source and reason, or 'none'."""
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


def print_mostly_nulled(sources) -> None:
    """Say loudly which mapped fields standardisation nulled on most of a source's records."""
    for s in sources:
        for line in s.mostly_nulled:
            console.print(
                f"[bold red]{s.source}: {line}[/] (the field is lost to linkage: check its YAML key; "
                "'extract_checks.max_nulled_share' sets when this is said).",
                highlight=False, soft_wrap=True,
            )


def implausible(counts: dict) -> str:
    """The plausibility checks' counts as one line."""
    from linkage.resolve import PLAUSIBILITY_CHECKS

    found = counts.get("implausible", {})
    return "; ".join(f"{found[name]:,} {what}" for name, what in PLAUSIBILITY_CHECKS.items() if name in found)


def count_text(value: int | None) -> str:
    """A count with thousands separators, or '?' when not recorded."""
    return "?" if value is None else f"{value:,}"
