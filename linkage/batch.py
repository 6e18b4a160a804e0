"""A whole run: ingest, resolve and replace every table at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from linkage.config import RunConfig
from linkage.ingest import INGEST_TABLES, SourceReport, build_ingest_tables, source_reports
from linkage.resolve import RESOLVE_TABLES, ResolveReport, TrainedModel, resolve
from linkage.resolve.session import model_input
from linkage.safeguarding import SAFEGUARDING_TABLES, FlagReport, build_flag_tables
from linkage.resolve.train import save_model, train
from linkage.store import connect, discard_new, require_table, swap_in


@dataclass(frozen=True)
class RunReport:
    """What ``mash run`` did."""

    store: Path
    sources: tuple[SourceReport, ...]
    resolution: ResolveReport
    flags: FlagReport
    seconds: dict[str, float]


def run_all(run: RunConfig, retrain: bool = False, on_stage: Callable[[str], None] | None = None) -> RunReport:
    """Ingest, standardise, train if needed, predict, cluster, flag; then swap all tables in.

    Nothing live changes until every stage has succeeded, so a failed run leaves the
    previous results intact and readable.

    Args:
        run: The run config.
        retrain: Train a new model even if the saved one is current.
        on_stage: Called with each stage name as it starts.

    Returns:
        Counts and timings per stage.
    """
    seconds: dict[str, float] = {}
    con = connect(run.store)
    try:
        started = time.perf_counter()
        build_ingest_tables(con, run, on_source=(lambda s: on_stage(f"ingest {s}")) if on_stage else None)
        seconds["ingest"] = time.perf_counter() - started
        resolution = resolve(con, run, records_table="records__new", retrain=retrain, on_stage=on_stage)
        seconds.update(resolution.seconds)
        if on_stage:
            on_stage("graph and flags")
        started = time.perf_counter()
        flags = build_flag_tables(con, run.flags, "records__new", "clusters__new", "persons__new")
        seconds["flags"] = time.perf_counter() - started
        started = time.perf_counter()
        swap_in(con, (*INGEST_TABLES, *RESOLVE_TABLES, *SAFEGUARDING_TABLES))
        seconds["swap"] = time.perf_counter() - started
        sources = source_reports(con, run)
    except BaseException:
        discard_new(con, (*INGEST_TABLES, *RESOLVE_TABLES, *SAFEGUARDING_TABLES))
        raise
    finally:
        con.close()
    return RunReport(store=run.store, sources=sources, resolution=resolution, flags=flags, seconds=seconds)


def retrain_model(run: RunConfig) -> TrainedModel:
    """Train a new model version on the store's current records.

    Raises:
        MashError: The store has no records yet.
    """
    con = connect(run.store)
    try:
        require_table(con, "records", remedy="run 'mash ingest' or 'mash run' first")
        records = model_input(con, "records")
    finally:
        con.close()
    return save_model(run.store, train(records, run.model), run.model, records.num_rows)
