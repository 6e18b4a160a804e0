"""A whole run: ingest, resolve and flag into a new results file, then switch readers to it."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from linkage import history
from linkage.config import RunConfig
from linkage.engine import DuckDBEngine, Stages, engine_for
from linkage.errors import MashError
from linkage.ingest import INGEST_TABLES, SourceReport, build_ingest_tables, source_reports
from linkage.ingest.blanks import blank_rises
from linkage.ingest.changes import ingest_changes
from linkage.pipeline import create_table_from_arrow, fetch_arrow, quote_ident, run_sql
from linkage.resolve import RESOLVE_TABLES, ResolveReport, TrainedModel, count_implausible, resolve
from linkage.resolve.incremental import resolve_changes
from linkage.resolve.plausibility import CHECKS as PLAUSIBILITY_CHECKS, checks_fingerprint, recount_implausible
from linkage.resolve.decisions import decided_records, read_decisions
from linkage.safeguard import (
    FLAG_CHANGES, SAFEGUARDING_TABLES, FlagReport, update_flag_tables, write_flag_changes,
)
from linkage.store import (
    Limits, check_schema_version, connect, duckdb_limits, layout, open_results, open_state, require_table, run_lock,
    swap_in, write_schema_version,
)
from linkage.store.layout import RunInProgress, remove_results_file

logger = logging.getLogger(__name__)

#: Schema name the previous run's results are attached under while a run builds.
PREVIOUS = "previous"


@dataclass(frozen=True)
class RunReport:
    """What ``mash run`` did."""

    store: Path
    run_id: int
    results_file: Path
    sources: tuple[SourceReport, ...]
    resolution: ResolveReport
    flags: FlagReport
    seconds: dict[str, float]
    counts: dict[str, Any] = field(default_factory=dict)


def run_all(
    run: RunConfig, retrain: bool = False, on_stage: Callable[[str], None] | None = None, incremental: bool = False
) -> RunReport:
    """Ingest, standardise, train if needed, predict, cluster, flag; then switch readers over.

    Everything is built in a new results file; readers keep the previous one until
    this run completes, so a run that fails or is killed at any point leaves the
    previous results intact and readable. Review decisions and the audit log live
    in the state database, which a run only appends to.

    Args:
        run: The run config.
        retrain: Train a new model even if the saved one is current.
        on_stage: Called with each stage name as it starts.
        incremental: Start from a copy of the previous results and process only new,
            changed and withdrawn records with the saved model.

    Returns:
        Counts and timings per stage.

    Raises:
        MashError: Another run is in progress, the run failed (after recording it; a full
            disk included), or an incremental run has nothing to start from.
    """
    if incremental and retrain:
        raise MashError("an incremental run scores with the saved model; retrain with a full run ('mash run --retrain')")
    if incremental and run.engine == "spark":
        raise MashError(
            "incremental runs are DuckDB only: set 'engine: duckdb' in the run config for them "
            "(they update the results a Spark run left)"
        )
    if run.engine == "spark" and run.model.identifiers:
        raise MashError(
            f"identifiers declared in the model config ({', '.join(sorted(run.model.identifiers))}) are DuckDB only "
            "for now: set 'engine: duckdb' in the run config, or remove 'identifiers' from the model config"
        )
    try:
        with run_lock(run.store), duckdb_limits(run_limits(run)):
            return _locked_run(run, retrain, Stages(on_stage), incremental)
    except RunInProgress as busy:
        raise MashError(
            f"{run.store}: a run is already in progress ({busy.holder}); two runs at once are refused. "
            "Try again when it has finished."
        ) from None
    except OSError as exc:
        # A full disk or a lost mount mid-run: the run is recorded as failed and its file removed.
        where = exc.filename or run.store
        raise MashError(f"{where}: {exc.strerror or exc}; the run failed and the previous results are intact") from exc


def run_limits(run: RunConfig) -> Limits:
    """The memory limit and spill directory every DuckDB database of a run is opened with."""
    return Limits(memory_limit=run.resources.memory_limit, temp_directory=run.resources.spill_directory(run.store))


def _locked_run(run: RunConfig, retrain: bool, stages: Stages, incremental: bool) -> RunReport:
    where = layout(run.store)
    inputs = history.input_files(run)
    current = where.current()
    if incremental and current is None:
        raise MashError(f"{run.store}: no previous results to update; run a full 'mash run' first")
    with open_state(run.store) as state:
        history.close_abandoned(state, current.name if current else None)
        run_id = history.start_run(state, run, "incremental" if incremental else "full", inputs)
        decisions = fetch_arrow(state, "snapshot_review_decisions", "SELECT * FROM review_decisions")
        before = history.results_counts(state, current.name) if incremental else None
    for stale in where.stale_results():
        remove_results_file(stale)
    target = where.results_file(run_id)
    remove_results_file(target)
    try:
        if incremental:
            with stages.time("copy", announce=False):
                shutil.copyfile(current, target)
        con = connect(target)
        try:
            if incremental:
                report = _update(con, run, run_id, decisions, current, before or {}, stages)
            else:
                report = _build(con, run, run_id, decisions, current, retrain, stages)
        finally:
            con.close()
        where.switch_to(target)
    except BaseException as exc:
        remove_results_file(target)
        try:
            with open_state(run.store) as state:
                history.fail_run(state, run_id, exc, stages.counts)
        except MashError:
            logger.warning("run %d failed and its failure could not be recorded", run_id)
        raise
    with open_state(run.store) as state:
        history.finish_run(state, run_id, report.resolution.model.version, stages.counts, stages.seconds)
    # Readers still on an older file keep it open: unlinking does not disturb them.
    for stale in where.stale_results():
        remove_results_file(stale)
    return report


def _build(
    con: duckdb.DuckDBPyConnection,
    run: RunConfig,
    run_id: int,
    decisions,
    previous: Path | None,
    retrain: bool,
    stages: Stages,
) -> RunReport:
    """Build every results table in the run's own file (``con``), on the engine the run config names."""
    # The decisions this run applies, kept with its results for the record.
    create_table_from_arrow(con, "review_decisions", decisions)
    if previous is not None:
        run_sql(con, "attach_previous", f"ATTACH $path AS {quote_ident(PREVIOUS)} (READ_ONLY)", {"path": str(previous)})
    before = PREVIOUS if previous is not None else None
    counts = stages.counts
    with engine_for(run, run_id) as engine:
        with stages.time("ingest", announce=False):
            skipped = build_ingest_tables(
                con, run, on_source=lambda s: stages.announce(f"ingest {s}"), previous=before, read=engine.read_source,
            )
            if skipped:
                counts["skipped_sources"] = skipped
            _blank_rises(con, run, "column_blanks__new", before, counts)
        _source_counts(con, counts, "source_loads__new")
        resolution = resolve(con, run, engine, stages, records_table="records__new", retrain=retrain, run_id=run_id, previous=before)
        _count_resolution(con, run, resolution, ("records__new", "clusters__new"), stages)
        with stages.time("flags", label="graph and flags"):
            flags = engine.flags(con, "records__new", "clusters__new", "persons__new")
    changes = write_flag_changes(con, "flags__new", "person_ids__new", before, FLAG_CHANGES + "__new")
    if previous is not None:
        counts.update(changes)
    swap_in(con, (*INGEST_TABLES, *RESOLVE_TABLES, *SAFEGUARDING_TABLES, FLAG_CHANGES))
    return _finish(con, run, run_id, resolution, flags, stages, previous is not None)


def _update(
    con: duckdb.DuckDBPyConnection,
    run: RunConfig,
    run_id: int,
    decisions,
    previous: Path,
    before: dict[str, Any],
    stages: Stages,
) -> RunReport:
    """Update a copy of the previous results (``con``) with only what changed in the extracts.

    ``before`` holds the counts the run that made the previous results recorded (empty if none).
    """
    # Only a full run rebuilds every table; an update would build on the old layout.
    check_schema_version(con, previous, remedy="run a full 'mash run' (without --incremental) to upgrade")
    create_table_from_arrow(con, "review_decisions", decisions)
    run_sql(con, "attach_previous", f"ATTACH $path AS {quote_ident(PREVIOUS)} (READ_ONLY)", {"path": str(previous)})
    counts = stages.counts
    with stages.time("ingest", announce=False):
        changes = ingest_changes(con, run, on_source=lambda s: stages.announce(f"ingest {s}"))
    counts.update(added=changes.added, changed=changes.changed, withdrawn_records=changes.withdrawn)
    if changes.skipped:
        counts["skipped_sources"] = changes.skipped
    _blank_rises(con, run, "column_blanks", PREVIOUS, counts)
    _source_counts(con, counts, "source_loads")
    resolution, changed_people = resolve_changes(con, run, run_id, stages)
    _count_resolution(con, run, resolution, ("records", "clusters"), stages, _recount(con, run, before, changed_people))
    with stages.time("flags", label="graph and flags"):
        flags = update_flag_tables(con, run.flags, changed_people, PREVIOUS)
    counts.update(write_flag_changes(con, "flags", "person_ids", PREVIOUS))
    return _finish(con, run, run_id, resolution, flags, stages, True)


def _finish(
    con: duckdb.DuckDBPyConnection,
    run: RunConfig,
    run_id: int,
    resolution: ResolveReport,
    flags: FlagReport,
    stages: Stages,
    attached: bool,
) -> RunReport:
    """Let go of the previous results, make the file durable and report."""
    counts = stages.counts
    counts["flags"] = sum(flags.counts.values())
    if attached:
        run_sql(con, "detach_previous", f"DETACH {quote_ident(PREVIOUS)}")
    write_schema_version(con)
    run_sql(con, "checkpoint", "CHECKPOINT")
    sources = source_reports(con, run)
    nulled = {s.source: list(s.mostly_nulled) for s in sources if s.mostly_nulled}
    if nulled:
        counts["mostly_nulled"] = nulled
    return RunReport(
        store=run.store, run_id=run_id, results_file=layout(run.store).results_file(run_id),
        sources=sources, resolution=resolution, flags=flags, seconds=stages.seconds, counts=counts,
    )


def _recount(
    con: duckdb.DuckDBPyConnection, run: RunConfig, before: dict[str, Any], changed_people: list[str]
) -> Callable[[], dict[str, int]] | None:
    """How an incremental run counts implausible people from the previous counts, if they were made by these checks.

    Only the changed people are checked again (``plausibility.recount_implausible``); previous
    counts from other checks (settings or code), or none recorded, mean checking everyone.
    """
    found = before.get("implausible", {})
    if before.get("implausible_checks") != checks_fingerprint(run.model.plausibility) or set(found) != set(PLAUSIBILITY_CHECKS):
        return None
    people = pa.table({"person_id": pa.array(changed_people, pa.string())})
    create_table_from_arrow(con, "implausible_people", people, temporary=True)
    return lambda: recount_implausible(con, run.model.plausibility, "implausible_people", PREVIOUS, found)


def _count_resolution(
    con: duckdb.DuckDBPyConnection,
    run: RunConfig,
    resolution: ResolveReport,
    tables: tuple[str, str],
    stages: Stages,
    recount: Callable[[], dict[str, int]] | None = None,
) -> None:
    """Record a resolution's counts (records linked, implausible people) and time the plausibility checks.

    ``recount`` counts the implausible people instead of checking every person (an incremental run's).
    """
    records, clusters = tables
    counts = stages.counts
    counts.update(records=resolution.records, pairs=resolution.pairs, people=resolution.people, **resolution.id_counts)
    (linked,) = run_sql(con, "count_linked", f"SELECT count(*) FROM {clusters} WHERE link_strength <> 'single'").fetchall()[0]
    counts["linked_records"] = int(linked)
    with stages.time("plausibility", announce=False):
        counts["implausible"] = recount() if recount else count_implausible(con, run.model.plausibility, records, clusters)
        # What the counts were made by: the next incremental run may start from them only if it uses the same checks.
        counts["implausible_checks"] = checks_fingerprint(run.model.plausibility)


def _blank_rises(con: duckdb.DuckDBPyConnection, run: RunConfig, table: str, previous: str | None, counts: dict[str, Any]) -> None:
    """Columns whose blank share jumped since the last good extract, into the run's counts (a warning, not a failure)."""
    checks = run.extract_checks
    rises = blank_rises(con, table, f"{previous}.column_blanks" if previous else None, checks.max_blank_rise, checks.min_rows_for_share)
    if rises:
        counts["blank_rises"] = rises


def _source_counts(con: duckdb.DuckDBPyConnection, counts: dict[str, Any], table: str) -> None:
    """Rows read and quarantined per source, into the run's counts."""
    rows = run_sql(con, "count_source_loads", f"SELECT source, rows_read, records, quarantined FROM {table}").fetchall()
    counts["sources"] = {s: {"read": r, "records": n, "quarantined": q} for s, r, n, q in rows}


def retrain_model(run: RunConfig) -> TrainedModel:
    """Train a new model version on the current results' records (in DuckDB, whatever the run's engine).

    Raises:
        MashError: No run has completed yet, or a blocking rule would exceed the pair budget.
    """
    engine = DuckDBEngine(run)
    with duckdb_limits(run_limits(run)):
        con = open_results(run.store)
        try:
            require_table(con, "records", remedy="run 'mash run' first")
            profiles = engine.profiles(con, "records", keep_apart=decided_records(read_decisions(con)))
        finally:
            con.close()
        return engine.train(profiles)
