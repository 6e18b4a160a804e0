"""Linkage quality: model charts, score distribution, evaluation against ground truth, run history."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from linkage.history import list_runs
from linkage.pipeline import run_sql
from linkage.resolve import TrainedModel, evaluate
from linkage.resolve.charts import model_chart_specs
from linkage.safeguarding import flag_accuracy, meets_flag_targets


@dataclass(frozen=True)
class EvaluationFrames:
    """An evaluation against the generator's truth, as tables.

    Attributes:
        headline: measure, value, target, met.
        pairs: level (cluster pairs, link band, link + review bands), precision, recall, f1,
            true_positives, predicted, actual.
        hard_negatives: kind, pairs, merged, share, target, met.
        source_pairs: source_l, source_r, true_pairs, same_cluster, recall.
        flags: code, flagged, true_positive, truth, found, precision, recall, met (empty without flags).
    """

    headline: pd.DataFrame
    pairs: pd.DataFrame
    hard_negatives: pd.DataFrame
    source_pairs: pd.DataFrame
    flags: pd.DataFrame


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


def evaluation_frames(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> EvaluationFrames:
    """Evaluate the results against the generator's ground truth (``linkage.resolve.evaluate``).

    Args:
        con: A results cursor (the evaluation writes only temporary tables).
        truth_dir: The extracts' ``truth/`` directory.

    Returns:
        The evaluation's tables, with flag precision and recall where flags exist.

    Raises:
        ExtractError: A truth file is missing.
    """
    e = evaluate(con, truth_dir)
    headline = [
        ("Cluster-pair precision", e.cluster_pairs.precision, None, None),
        ("Cluster-pair recall", e.cluster_pairs.recall, None, None),
        ("Cluster-pair F1", e.cluster_pairs.f1, None, None),
        ("B-cubed F1", e.bcubed.f1, None, None),
        ("People touched by the review band", e.review.share, f"< {e.review.target:.0%}", e.review.meets_target),
    ]
    headline += [
        (f"Hard negatives merged: {h.kind}", h.share, f"<= {h.target:.0%}", h.meets_target) for h in e.hard_negatives
    ]
    if e.serial_perpetrators is not None:
        s = e.serial_perpetrators
        headline.append(("Serial perpetrators split across people", s.split / s.people if s.people else None, None, None))
    levels = (
        ("cluster pairs", e.cluster_pairs), ("link band", e.link_pairs), ("link + review bands", e.link_and_review_pairs),
    )
    flags = pd.DataFrame(columns=["code", "flagged", "true_positive", "truth", "found", "precision", "recall", "met"])
    has_flags = run_sql(con, "quality_has_flags", "SELECT count(*) FROM flags").fetchone()[0]
    if has_flags:
        accuracy = flag_accuracy(con, truth_dir)
        flags = pd.DataFrame(
            [
                {"code": code, **{k: r[k] for k in ("flagged", "true_positive", "truth", "found", "precision", "recall")},
                 "met": meets_flag_targets(r)}
                for code, r in accuracy.items()
            ]
        )
    return EvaluationFrames(
        headline=pd.DataFrame(headline, columns=["measure", "value", "target", "met"]),
        pairs=pd.DataFrame(
            [
                {"level": name, "precision": p.precision, "recall": p.recall, "f1": p.f1,
                 "true_positives": p.true_positives, "predicted": p.predicted, "actual": p.actual}
                for name, p in levels
            ]
        ),
        hard_negatives=pd.DataFrame(
            [
                {"kind": h.kind, "pairs": h.pairs, "merged": h.merged, "share": h.share, "target": h.target,
                 "met": h.meets_target}
                for h in e.hard_negatives
            ]
        ),
        source_pairs=pd.DataFrame(
            [
                {"source_l": s.source_l, "source_r": s.source_r, "true_pairs": s.true_pairs,
                 "same_cluster": s.same_cluster, "recall": s.recall}
                for s in e.source_pairs
            ]
        ),
        flags=flags,
    )


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
