"""DuckDB connections with the project's SQL functions, and table swaps inside one file."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from linkage.codes import create_enum_types
from linkage.errors import MashError
from linkage.pipeline import quote_ident, run_sql
from linkage.pipeline.functions import soundex_code


@dataclass(frozen=True)
class Limits:
    """What each DuckDB database a run opens may use.

    Attributes:
        memory_limit: DuckDB's ``memory_limit`` (``'8GB'``), or None for DuckDB's own default.
        temp_directory: Where databases spill what does not fit; each gets its own
            subdirectory (DuckDB names its spill files alike in every database).
    """

    memory_limit: str | None = None
    temp_directory: Path | None = None


_LIMITS: ContextVar[Limits | None] = ContextVar("duckdb_limits", default=None)
_SPILL_DIRS = itertools.count(1)


@contextmanager
def duckdb_limits(limits: Limits) -> Iterator[None]:
    """Apply ``limits`` to every DuckDB connection opened inside the block (the store's and Splink's alike)."""
    token = _LIMITS.set(limits)
    try:
        yield
    finally:
        _LIMITS.reset(token)


def _config(database: str) -> dict[str, str]:
    """DuckDB config for a database opened under the current :class:`Limits` (empty outside any).

    Args:
        database: The database file, or ``:memory:``: a file spills into a directory named
            after it, each in-memory database into one of its own.
    """
    limits = _LIMITS.get()
    if limits is None:
        return {}
    config = {}
    if limits.memory_limit:
        config["memory_limit"] = limits.memory_limit
    if limits.temp_directory is not None:
        name = f"{os.getpid()}-{next(_SPILL_DIRS)}" if database == ":memory:" else f"{Path(database).name}.tmp"
        config["temp_directory"] = str(Path(limits.temp_directory) / name)
    return config


def connect_memory() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB (Splink's work, counts), under the current :class:`Limits`."""
    return duckdb.connect(":memory:", config=_config(":memory:"))


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store, creating its directory, and register the project's SQL functions.

    Args:
        path: The DuckDB file (``:memory:`` for an in-memory store).
        read_only: Open without write access (the dashboard does).

    Returns:
        The connection, with ``soundex`` registered and enum types present.

    Raises:
        MashError: Another process holds the store (DuckDB allows one writer).
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=_config(str(path)))
    except duckdb.IOException as exc:
        if "Could not set lock" not in str(exc):
            raise
        raise in_use_error(path, str(exc)) from None
    register_functions(con)
    if not read_only:
        create_enum_types(con)
    return con


def in_use_error(path: str | Path, message: str) -> MashError:
    """The error for a DuckDB file another process holds, naming that process if DuckDB said."""
    holder = re.search(r"\(PID (\d+)\)", message)
    who = f" (process {holder.group(1)})" if holder else ""
    return MashError(f"{path} is in use by another process{who}; try again when it has finished.")


def swap_in(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    """Replace each table by its ``<name>__new`` twin, all in one transaction.

    Readers see either every old table or every new one; a failure before the
    commit leaves the old ones in place.

    Args:
        con: The store connection.
        tables: Table names whose ``__new`` versions are ready.
    """
    run_sql(con, "swap_begin", "BEGIN TRANSACTION")
    try:
        for table in tables:
            run_sql(con, f"swap_{table}", f"DROP TABLE IF EXISTS {quote_ident(table)}")
            run_sql(con, f"swap_{table}_rename", f"ALTER TABLE {quote_ident(table + '__new')} RENAME TO {quote_ident(table)}")
        run_sql(con, "swap_commit", "COMMIT")
    except Exception:
        run_sql(con, "swap_rollback", "ROLLBACK")
        raise


def require_table(con: duckdb.DuckDBPyConnection, table: str, remedy: str = "run 'mash run' first") -> None:
    """Stop with a clear message if the store has no such table yet.

    Args:
        con: The store connection.
        table: The table a command needs.
        remedy: What the user should run to create it.

    Raises:
        MashError: Naming the store file, the table and the remedy.
    """
    if has_table(con, table):
        return
    (path,) = run_sql(
        con, f"require_{table}", "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0]
    raise MashError(f"{path or 'the store'}: no '{table}' table yet; {remedy}")


def has_table(con: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> bool:
    """Whether a table exists, in the current database or an attached one.

    Args:
        con: A connection.
        table: The table name.
        database: An attached database's name (default: the current one).
    """
    found = run_sql(
        con,
        f"has_table_{table}",
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $t AND database_name = coalesce($db, current_database())",
        {"t": table, "db": database},
    ).fetchall()
    return bool(found[0][0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A table's columns in the current database, in order."""
    rows = run_sql(
        con,
        f"columns_{table}",
        "SELECT column_name FROM duckdb_columns() WHERE table_name = $table AND database_name = current_database() "
        "ORDER BY column_index",
        {"table": table},
    ).fetchall()
    return [name for (name,) in rows]


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Register ``soundex(VARCHAR) -> VARCHAR`` (:func:`linkage.pipeline.functions.soundex_code`), which DuckDB lacks.

    Args:
        con: An open DuckDB connection.
    """
    # Connections to one file in one process share a database instance, and with it
    # the function, so a second connection (the dashboard serving two users, say)
    # finds it registered already, possibly by a thread that got there first.
    if _has_soundex(con):
        return
    try:
        con.create_function(
            "soundex",
            _soundex,
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR"),
            type="arrow",
            null_handling="special",
            side_effects=False,
        )
    except duckdb.CatalogException:
        if not _has_soundex(con):
            raise


def _has_soundex(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.sql("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'soundex'").fetchall()[0][0])


def _soundex(names: pa.Array) -> pa.Array:
    # Names repeat heavily (Smith), so each distinct value is coded once per batch.
    codes: dict[str, str | None] = {}
    out = []
    for name in names.to_pylist():
        if name is None:
            out.append(None)
            continue
        if name not in codes:
            codes[name] = soundex_code(name)
        out.append(codes[name])
    return pa.array(out, type=pa.string())


@contextmanager
def checkpoint_meanwhile(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Checkpoint ``con``'s database in another thread while the block runs; the block must not use ``con``.

    A checkpoint writes the changes made so far from the write-ahead log into the file. DuckDB
    runs it without holding Python's lock, so next to a block of pure Python work (building and
    judging the flag graph) it takes a second core rather than the run's time, and the run's
    last checkpoint has only the changes made after it to write. The data are the same either way.

    Raises:
        duckdb.Error: The checkpoint failed (after the block has run).
    """
    cursor = con.cursor()
    try:
        # The executor, as the flags stage runs its side queries: a failure comes back from result().
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint_meanwhile") as pool:
            done = pool.submit(run_sql, cursor, "checkpoint_meanwhile", "CHECKPOINT")
            yield
    finally:
        cursor.close()
    done.result()
