"""Run history in the state database: each run's inputs, config, model, counts and timings."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from linkage.config import RunConfig
from linkage.errors import described
from linkage.pipeline import run_sql
from linkage.store import layout

_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class RunRecord:
    """One row of the run history."""

    run_id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    model_version: int | None
    inputs: dict[str, Any]
    counts: dict[str, Any]
    seconds: dict[str, float]
    error: str | None

    @property
    def took(self) -> float | None:
        """Seconds from start to finish, or None while running (or if it never finished)."""
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


def input_files(run: RunConfig) -> dict[str, dict[str, Any]]:
    """Each source's extract file: path, size and SHA-256 (absent files are reported as such)."""
    files = {}
    for source in run.sources:
        path = run.extract_path(source)
        if not path.exists():
            files[source.name] = {"file": str(path), "missing": True}
            continue
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        files[source.name] = {"file": str(path), "bytes": path.stat().st_size, "sha256": digest.hexdigest()}
    return files


def config_json(run: RunConfig) -> str:
    """The run config as JSON, as the run used it."""
    return run.model_dump_json()


def start_run(state: duckdb.DuckDBPyConnection, run: RunConfig, kind: str, inputs: dict[str, Any]) -> int:
    """Record a run as started and return its id (one more than the last)."""
    config = config_json(run)
    (run_id,) = run_sql(state, "next_run_id", "SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()
    run_sql(
        state,
        "record_run_start",
        "INSERT INTO runs (run_id, kind, status, started_at, results_file, config_hash, config, inputs) "
        "VALUES ($id, $kind, 'running', now(), $file, $hash, $config, $inputs)",
        {
            "id": run_id, "kind": kind, "file": layout(run.store).results_file(run_id).name,
            "hash": hashlib.sha256(config.encode()).hexdigest()[:16], "config": config, "inputs": json.dumps(inputs),
        },
    )
    return int(run_id)


def finish_run(
    state: duckdb.DuckDBPyConnection, run_id: int, model_version: int | None, counts: dict[str, Any], seconds: dict[str, float]
) -> None:
    """Record a run as complete, with its counts per stage and timings."""
    run_sql(
        state,
        "record_run_finish",
        "UPDATE runs SET status = 'complete', finished_at = now(), model_version = $model, counts = $counts, "
        "seconds = $seconds WHERE run_id = $id",
        {"id": run_id, "model": model_version, "counts": json.dumps(counts), "seconds": json.dumps(seconds)},
    )


def fail_run(state: duckdb.DuckDBPyConnection, run_id: int, error: BaseException, counts: dict[str, Any]) -> None:
    """Record a run as failed, with the error's type and message (:func:`linkage.errors.described`: no values)."""
    message = described(error)[:2000]
    run_sql(
        state,
        "record_run_failure",
        "UPDATE runs SET status = 'failed', finished_at = now(), error = $error, counts = $counts WHERE run_id = $id",
        {"id": run_id, "error": message, "counts": json.dumps(counts)},
    )


def close_abandoned(state: duckdb.DuckDBPyConnection, current_file: str | None) -> int:
    """Mark runs still 'running' as killed: called under the run lock, so none is running.

    A run killed after switching readers to its file but before recording that is
    marked complete, since its results are the current ones.

    Returns:
        How many runs were closed.
    """
    rows = run_sql(state, "find_abandoned_runs", "SELECT run_id, results_file FROM runs WHERE status = 'running'").fetchall()
    for run_id, results_file in rows:
        status = "complete" if current_file and results_file == current_file else "killed"
        run_sql(
            state,
            "close_abandoned_run",
            "UPDATE runs SET status = $status, error = CASE WHEN $status = 'killed' "
            "THEN 'the run stopped before completing (killed or crashed); its results were discarded' END "
            "WHERE run_id = $id",
            {"status": status, "id": run_id},
        )
    return len(rows)


def results_counts(state: duckdb.DuckDBPyConnection, results_file: str) -> dict[str, Any] | None:
    """The counts of the completed run whose results are in ``results_file``, or None if none recorded them."""
    rows = run_sql(
        state, "find_results_counts",
        "SELECT counts FROM runs WHERE results_file = $file AND status = 'complete' ORDER BY run_id DESC LIMIT 1",
        {"file": results_file},
    ).fetchall()
    return json.loads(rows[0][0]) if rows and rows[0][0] else None


def list_runs(state: duckdb.DuckDBPyConnection, limit: int = 20) -> list[RunRecord]:
    """The latest runs, newest first."""
    rows = run_sql(
        state,
        "list_runs",
        "SELECT run_id, kind, status, started_at, finished_at, model_version, inputs, counts, seconds, error "
        "FROM runs ORDER BY run_id DESC LIMIT $limit",
        {"limit": limit},
    ).fetchall()
    return [
        RunRecord(
            run_id=r[0], kind=r[1], status=r[2], started_at=r[3], finished_at=r[4], model_version=r[5],
            inputs=json.loads(r[6]) if r[6] else {}, counts=json.loads(r[7]) if r[7] else {},
            seconds=json.loads(r[8]) if r[8] else {}, error=r[9],
        )
        for r in rows
    ]
