"""Where a store keeps its files: the state database, one results file per run, the run lock.

A store named ``data/mash.duckdb`` is laid out as::

    data/mash.duckdb              state: review decisions, audit log, run history
    data/mash.runs/run-000012.duckdb   the results of run 12 (records, people, flags...)
    data/mash.runs/CURRENT        the name of the results file readers open
    data/mash.runs/run.lock       held by the run in progress
    data/mash.reports/run-000012/ run 12's quality report (``mash report``)
    data/mash.session-key         the dashboard's secret for signing session tokens

A run writes a new results file and switches ``CURRENT`` to it only when complete, so
a run killed at any point leaves the previous results intact and readable. DuckDB
lets one process write a file and refuses readers from other processes meanwhile;
keeping each run in its own file is what lets the dashboard read during a run.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from linkage.errors import MashError

#: Results files kept besides the current one, for readers still on an older one.
KEEP_PREVIOUS = 1


@dataclass(frozen=True)
class StoreLayout:
    """The files of one store, named after its state database."""

    state: Path

    @property
    def runs_dir(self) -> Path:
        """The directory of results files."""
        return self.state.with_name(self.state.stem + ".runs")

    @property
    def pointer(self) -> Path:
        """The file naming the current results file."""
        return self.runs_dir / "CURRENT"

    @property
    def lock(self) -> Path:
        """The lock file a run holds."""
        return self.runs_dir / "run.lock"

    @property
    def session_key(self) -> Path:
        """The secret the dashboard signs session tokens with (owner-only, created on first use)."""
        return self.state.with_name(self.state.stem + ".session-key")

    @property
    def ingest_check(self) -> Path:
        """Scratch file ``mash ingest`` writes its tables to, outside any run."""
        return self.runs_dir / "ingest-check.duckdb"

    def report_dir(self, run_id: int) -> Path:
        """Where a run's quality report and its charts are kept (outside ``runs_dir``: kept when its results go)."""
        return self.state.with_name(self.state.stem + ".reports") / f"run-{run_id:06d}"

    def results_file(self, run_id: int) -> Path:
        """The results file of a run."""
        return self.runs_dir / f"run-{run_id:06d}.duckdb"

    def current(self) -> Path | None:
        """The results file readers should open, or None before the first complete run."""
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.runs_dir / name
        return path if name and path.exists() else None

    def switch_to(self, results: Path) -> None:
        """Point readers at a complete results file, atomically (rename over the pointer)."""
        staged = self.pointer.with_suffix(".next")
        with staged.open("w", encoding="utf-8") as out:
            out.write(results.name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(staged, self.pointer)
        directory = os.open(self.runs_dir, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def stale_results(self) -> list[Path]:
        """Results files neither current nor among the last kept ones: left by failed or killed runs, or old."""
        current = self.current()
        files = sorted(self.runs_dir.glob("run-*.duckdb"))
        if current is None:
            return files
        older = [f for f in files if f.name < current.name]
        keep = {current, *older[len(older) - KEEP_PREVIOUS:]} if KEEP_PREVIOUS else {current}
        return [f for f in files if f not in keep]


def layout(store: str | Path) -> StoreLayout:
    """The layout of the store whose state database is ``store``."""
    return StoreLayout(Path(store))


def remove_results_file(path: Path) -> None:
    """Delete a results file and its write-ahead log, if present."""
    for part in (path, path.with_name(path.name + ".wal")):
        part.unlink(missing_ok=True)


class RunInProgress(Exception):
    """Raised inside :func:`run_lock` when another run holds the lock (converted by callers)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


@contextmanager
def run_lock(store: str | Path) -> Iterator[None]:
    """Hold the store's run lock for the duration of a run.

    The lock is an ``flock`` on a file, so the operating system releases it when the
    holding process dies, even by ``kill -9``; the next run then starts cleanly.

    Raises:
        RunInProgress: Another process holds the lock; ``holder`` says which and since when.
        MashError: The lock file cannot be written (a full disk).
    """
    where = layout(store)
    where.runs_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(where.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise RunInProgress(holder) from None
        holder = f"process {os.getpid()} since {datetime.now():%Y-%m-%d %H:%M:%S}".encode()
        try:
            os.pwrite(handle, holder, 0)
            os.ftruncate(handle, len(holder))
        except OSError as exc:
            fcntl.flock(handle, fcntl.LOCK_UN)
            raise MashError(
                f"{where.lock}: cannot write the run lock ({exc.strerror}); nothing has been changed. "
                "Free some space on that disk (or fix its permissions) and run again."
            ) from None
        try:
            yield
        finally:
            os.ftruncate(handle, 0)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)
