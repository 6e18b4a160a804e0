"""The results file's schema version: readers refuse a file an older MASH Link wrote.

Every run stamps its results file with :data:`SCHEMA_VERSION`. Readers (the CLI, the
dashboard, an incremental run) check it when they open the file, so a store written
before a table or column was added fails with one clear message instead of each reader
carrying a branch for every older layout. A full ``mash run`` is the upgrade: it builds
every table anew and carries person ids over from the previous file whatever its version.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from linkage.errors import MashError
from linkage.pipeline import run_sql

#: Bump when a results table is added or changes shape in a way readers rely on
#: (2: ``records`` gained ``surname_groups``, which an incremental run appends).
SCHEMA_VERSION = 2
#: The one-row table holding the version of the file it lives in.
SCHEMA_TABLE = "store_schema"


def write_schema_version(con: duckdb.DuckDBPyConnection) -> None:
    """Stamp the results file open on ``con`` with this code's schema version."""
    run_sql(con, "store_schema", f"CREATE OR REPLACE TABLE {SCHEMA_TABLE} (version INTEGER NOT NULL)")
    run_sql(con, "stamp_store_schema", f"INSERT INTO {SCHEMA_TABLE} VALUES ($v)", {"v": SCHEMA_VERSION})


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the results file open on ``con``; 0 if it was never stamped."""
    found = run_sql(
        con, "find_store_schema",
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $t AND schema_name = 'main' AND database_name = current_database()",
        {"t": SCHEMA_TABLE},
    ).fetchall()[0][0]
    if not found:
        return 0
    return int(run_sql(con, "read_store_schema", f"SELECT max(version) FROM {SCHEMA_TABLE}").fetchall()[0][0] or 0)


def check_schema_version(con: duckdb.DuckDBPyConnection, path: str | Path, remedy: str = "re-run 'mash run' to upgrade") -> None:
    """Refuse a results file whose schema version is not this code's.

    Raises:
        MashError: Naming the file, both versions and the remedy.
    """
    found = schema_version(con)
    if found == SCHEMA_VERSION:
        return
    age = "an older" if found < SCHEMA_VERSION else "a newer"
    raise MashError(
        f"{path}: results written by {age} MASH Link (store schema {found}; this version reads {SCHEMA_VERSION}); {remedy}"
    )
