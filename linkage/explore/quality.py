"""Linkage quality: model charts, score distribution, run history (scoring against truth: ``linkage.evaluate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from linkage.history import list_runs
from linkage.pipeline import run_sql
from linkage.resolve import TrainedModel
from linkage.resolve.charts import model_chart_specs


def model_charts(con: duckdb.DuckDBPyConnection, model: TrainedModel) -> dict[str, dict[str, Any]]:
    """Splink's match-weights and m/u charts for a trained model, as Vega-Lite specs by title."""
    return model_chart_specs(con, model)


def band_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Scored pairs per band, and records per link strength.

    Returns:
        kind ('band' or 'link strength'), value, count.
    """
    return run_sql(
        con,
        "quality_counts",
        "SELECT 'band' AS kind, band AS value, count(*) AS count FROM pairs GROUP BY band "
        "UNION ALL SELECT 'link strength', link_strength, count(*) FROM clusters GROUP BY link_strength "
        "ORDER BY kind, count DESC",
    ).df()


def score_distribution(con: duckdb.DuckDBPyConnection, width: float = 1.0) -> pd.DataFrame:
    """How many scored pairs fall in each match-weight interval, by band.

    Args:
        con: A results cursor.
        width: Interval width in match weight (bits).

    Returns:
        weight (interval start), band, pairs.
    """
    return run_sql(
        con,
        "quality_score_distribution",
        "SELECT floor(match_weight / $width) * $width AS weight, band, count(*) AS pairs FROM pairs "
        "GROUP BY ALL ORDER BY weight, band",
        {"width": float(width)},
    ).df()


def run_history(state_con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The latest runs, newest first, with counts and durations (``linkage.history.list_runs``).

    Args:
        state_con: A state connection.
        limit: Most runs.

    Returns:
        run_id, kind, status, started_at, finished_at, seconds (total), model_version,
        records, people, pairs, flags, stage_seconds (dict), error.
    """
    rows = []
    for run in list_runs(state_con, limit):
        rows.append({
            "run_id": run.run_id, "kind": run.kind, "status": run.status, "started_at": run.started_at,
            "finished_at": run.finished_at, "seconds": run.took, "model_version": run.model_version,
            "records": run.counts.get("records"), "people": run.counts.get("people"), "pairs": run.counts.get("pairs"),
            "flags": run.counts.get("flags"), "stage_seconds": {k: round(v, 1) for k, v in run.seconds.items()},
            "error": run.error,
        })
    columns = ["run_id", "kind", "status", "started_at", "finished_at", "seconds", "model_version", "records", "people",
               "pairs", "flags", "stage_seconds", "error"]
    return pd.DataFrame(rows, columns=columns)


def truth_dir(state_con: duckdb.DuckDBPyConnection) -> Path | None:
    """The ground truth beside the extracts the latest complete run read, if there is any.

    Only generated extracts have a ``truth/`` directory (``mash generate`` writes it).

    Args:
        state_con: A state connection.

    Returns:
        The directory holding ``records.csv`` and ``people.csv``, or None.
    """
    for run in list_runs(state_con, 50):
        if run.status != "complete":
            continue
        for source in run.inputs.values():
            candidate = Path(source.get("file", "")).parent / "truth"
            if (candidate / "records.csv").is_file() and (candidate / "people.csv").is_file():
                return candidate
        return None
    return None
