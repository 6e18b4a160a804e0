"""A written report's figures kept as JSON beside its Markdown, so a run's report can be shown again after its results go."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from linkage.errors import MashError
from linkage.report.build import QualityReport
from linkage.store import layout

#: The figures' file name inside a run's report directory.
FIGURES_FILE = "report.json"
#: Bumped when the file's layout changes; a file of another version is refused, not misread.
FIGURES_VERSION = 1

_RUN_DIR = re.compile(r"run-(\d{6})")


def report_figures(report: QualityReport) -> str:
    """The report's figures as JSON text (counts and rates only, as the report itself)."""
    data: dict[str, Any] = {"version": FIGURES_VERSION}
    for f in fields(QualityReport):
        value = getattr(report, f.name)
        if isinstance(value, pd.DataFrame):
            data[f.name] = json.loads(value.to_json(orient="split", index=False, double_precision=15))
        elif isinstance(value, date):
            data[f.name] = value.isoformat()
        else:
            data[f.name] = value
    return json.dumps(data, indent=1)


def read_report_figures(path: Path) -> QualityReport:
    """A report back from the figures :func:`report_figures` wrote.

    Args:
        path: A ``report.json``.

    Returns:
        The report, its tables as they were written.

    Raises:
        MashError: The file cannot be read or is not a report's figures of this version.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != FIGURES_VERSION:
            raise MashError(f"{path}: written by another version of MASH Link (figures version {data.get('version')}); "
                            "run 'mash report' again while that run's results are kept")
        values = {}
        for f in fields(QualityReport):
            value = data[f.name]
            if isinstance(value, dict) and set(value) == {"columns", "data"}:
                value = pd.DataFrame(value["data"], columns=value["columns"])
            elif f.name == "as_of":
                value = date.fromisoformat(value)
            values[f.name] = value
        return QualityReport(**values)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MashError(f"{path}: not a quality report's figures ({type(exc).__name__})") from None


def saved_reports(store: str | Path) -> dict[int, Path]:
    """The runs whose report ``mash report`` has written, newest first: run id to its figures file."""
    root = layout(store).report_dir(0).parent
    found = {}
    for figures in root.glob(f"run-*/{FIGURES_FILE}"):
        if match := _RUN_DIR.fullmatch(figures.parent.name):
            found[int(match.group(1))] = figures
    return dict(sorted(found.items(), reverse=True))
