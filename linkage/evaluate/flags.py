"""Safeguarding flags scored against the generator's truth: precision and recall per flag."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from graph import evaluate_flags
from linkage.errors import ExtractError
from linkage.pipeline import fetch_arrow, run_sql

__all__ = ["FLAG_TARGETS", "flag_accuracy", "meets_flag_targets"]

#: Targets for flags scored against the generator's truth (issue 13: serial perpetrators on the harsh profile).
FLAG_TARGETS = {"precision": 0.97, "recall": 0.97}


def flag_accuracy(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict[str, dict[str, float | int]]:
    """Precision and recall of the stored flags the generator's truth can score.

    Args:
        con: The store connection.
        truth_dir: The generator's ``truth/`` directory.

    Returns:
        Per flag code: flagged, true/false positives, truth, found, precision, recall
        (``graph.evaluate_flags``); only the flags whose truth marker ``people.csv`` has.

    Raises:
        ExtractError: A truth file is missing.
    """
    paths = {name: Path(truth_dir) / f"{name}.csv" for name in ("records", "people")}
    for path in paths.values():
        if not path.is_file():
            raise ExtractError(str(path), "ground-truth file not found (written by 'mash generate' under truth/)")
    flagged = run_sql(con, "flagged_people", "SELECT CAST(code AS VARCHAR), person_id FROM flags").fetchall()
    events = fetch_arrow(con, "flag_events", "SELECT unique_id, person_id FROM clusters").to_pandas()
    truth_records = pd.read_csv(paths["records"], dtype=str)
    truth_people = pd.read_csv(paths["people"], dtype=str)
    return evaluate_flags(flagged, events, truth_records, truth_people)


def meets_flag_targets(figures: dict[str, float | int]) -> bool:
    """Whether one flag's precision and recall both reach :data:`FLAG_TARGETS`."""
    return figures["precision"] >= FLAG_TARGETS["precision"] and figures["recall"] >= FLAG_TARGETS["recall"]
