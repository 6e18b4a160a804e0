"""Reading the current results: the last complete run's file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from linkage.errors import MashError
from linkage.store.connection import connect
from linkage.store.layout import layout
from linkage.store.schema import check_schema_version


def results_path(store: str | Path) -> Path:
    """The results file of the last complete run.

    Raises:
        MashError: No run has completed yet.
    """
    current = layout(store).current()
    if current is None:
        raise MashError(f"{store}: no results yet; run 'mash run' first")
    return current


def open_results(store: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the last complete run's results read-only (records, people, pairs, flags...).

    A run in progress writes its own file, so this works during a run and keeps
    showing the previous results until the run completes.

    Args:
        store: The store's state database file (the run config's ``store``).

    Raises:
        MashError: No run has completed yet, or an older MASH Link wrote its results.
    """
    return connect_results(results_path(store))


def connect_results(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open one results file read-only, refusing one of another store schema version.

    Raises:
        MashError: An older (or newer) MASH Link wrote the file (:func:`check_schema_version`).
    """
    con = connect(path, read_only=True)
    try:
        check_schema_version(con, path)
    except BaseException:
        con.close()
        raise
    return con
