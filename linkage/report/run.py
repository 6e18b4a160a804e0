"""The quality report of a run in a store's history: which results, decisions and model it reads, where it goes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from linkage.config import RunConfig
from linkage.config.model import ModelConfig
from linkage.errors import MashError
from linkage.explore.explain import level_labels
from linkage.history import RunRecord, list_runs
from linkage.pipeline import fetch_arrow, run_sql
from linkage.report.build import QualityReport, quality_report
from linkage.report.markdown import REPORT_FILE, write_quality_report
from linkage.resolve.train import load_model, model_dir
from linkage.store import connect, layout, open_state

#: Runs looked through for the one asked for (the history keeps every run; results files only the last two).
_HISTORY = 10_000


def report_path(store: str | Path, run_id: int) -> Path:
    """Where run ``run_id``'s quality report is (or would be) written."""
    return layout(store).report_dir(run_id) / REPORT_FILE


def report_for_run(run: RunConfig, run_id: int | None = None) -> tuple[QualityReport, RunRecord]:
    """Build the quality report of a run whose results file is still kept.

    The run's own model settings (thresholds, plausibility) are read from the config it
    recorded; the analysts' decisions are the state database's, as they stand now, so the
    review band's clearance counts decisions made since the run.

    Args:
        run: The run config (its store; its model settings if the run recorded none).
        run_id: The run; default the latest complete one.

    Returns:
        The report and the run's history record.

    Raises:
        MashError: No such run, it did not complete, or its results file is no longer kept.
    """
    with open_state(run.store) as state:
        record = _find_run(list_runs(state, _HISTORY), run.store, run_id)
        recorded = run_sql(state, "report_run_config", "SELECT config FROM runs WHERE run_id = $id", {"id": record.run_id}).fetchall()
        decisions = fetch_arrow(
            state, "report_review_decisions", "SELECT unique_id_l, unique_id_r, decision, decided_at FROM review_decisions"
        )
    results = layout(run.store).results_file(record.run_id)
    if not results.exists():
        saved = report_path(run.store, record.run_id)
        raise MashError(
            f"{run.store}: run {record.run_id}'s results are no longer kept (a store keeps the current run's and the "
            "one before); " + (f"its report as last written is {saved}" if saved.is_file() else "report on a later run")
        )
    model = _model_config(recorded[0][0] if recorded else None, run.model)
    con = connect(results, read_only=True)
    try:
        report = quality_report(
            con, model, as_of=record.started_at.date(), decisions=decisions, labels=_labels(run.store, record.model_version),
            run_id=record.run_id, model_version=record.model_version,
        )
    finally:
        con.close()
    return report, record


def write_report_for_run(run: RunConfig, run_id: int | None = None) -> tuple[Path, QualityReport]:
    """Build a run's quality report and write it, with its charts, into the run's report directory.

    Args:
        run: The run config.
        run_id: The run; default the latest complete one.

    Returns:
        The Markdown file written and the report.

    Raises:
        MashError: As :func:`report_for_run`.
    """
    report, record = report_for_run(run, run_id)
    path = write_quality_report(report, layout(run.store).report_dir(record.run_id), datetime.now())
    return path, report


def _find_run(runs: list[RunRecord], store: Path, run_id: int | None) -> RunRecord:
    if run_id is None:
        complete = [r for r in runs if r.status == "complete"]
        if not complete:
            raise MashError(f"{store}: no complete run yet; run 'mash run' first")
        return complete[0]
    found = next((r for r in runs if r.run_id == run_id), None)
    if found is None:
        raise MashError(f"{store}: no run {run_id} in the run history (see 'mash runs')")
    if found.status != "complete":
        raise MashError(f"{store}: run {run_id} is {found.status}; its results were not kept, so there is nothing to report")
    return found


def _model_config(recorded: str | None, current: ModelConfig) -> ModelConfig:
    """The model settings the run recorded, or the current ones if it recorded none readable."""
    if not recorded:
        return current
    try:
        return ModelConfig.model_validate(json.loads(recorded).get("model", {}))
    except (ValueError, ValidationError, AttributeError):
        return current


def _labels(store: Path, version: int | None) -> dict[str, dict[int, str]]:
    """Comparison level labels of the model version that scored the run, if its file is still there."""
    if version is None:
        return {}
    path = model_dir(Path(store)) / f"model-v{version:04d}.json"
    if not path.exists():
        return {}
    return level_labels(load_model(path).splink)

