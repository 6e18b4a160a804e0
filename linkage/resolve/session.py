"""A Splink linker over the store's records, in its own in-memory DuckDB.

Splink materialises many intermediate tables; keeping them out of the store file
keeps the store small and means no Splink result is ever open on the store's
connection while the project runs its own SQL there.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator

from linkage.pipeline import fetch_arrow
from linkage.resolve.model import DERIVED_COLUMNS, MODEL_COLUMNS

SPLINK_TABLE = "mash_records"


def model_input(con: duckdb.DuckDBPyConnection, records_table: str) -> pa.Table:
    """The columns the model reads, from the given records table, in a stable order.

    Args:
        con: The store connection.
        records_table: ``records`` or ``records__new``.

    Returns:
        An Arrow table ordered by ``unique_id``.
    """
    derived = ", ".join(f"{sql} AS {name}" for name, sql in DERIVED_COLUMNS.items())
    sql = f"SELECT {', '.join(MODEL_COLUMNS)}, {derived} FROM {records_table} ORDER BY unique_id"
    return fetch_arrow(con, "model_input", sql)


def make_linker(
    records: pa.Table, settings: SettingsCreator | dict[str, Any], term_frequencies: dict[str, pa.Table] | None = None
) -> Linker:
    """A Splink linker over ``records`` with the given settings or saved model.

    Args:
        records: Output of :func:`model_input`.
        settings: A ``SettingsCreator`` (untrained) or a saved model's settings dict.
        term_frequencies: Term-frequency lookups saved with the model, by column;
            without them Splink derives term frequencies from ``records``.

    Returns:
        The linker; its database is a private in-memory DuckDB.
    """
    work = duckdb.connect(":memory:")
    api = DuckDBAPI(connection=work)
    linker = Linker(api.register(records, table_name=SPLINK_TABLE), settings, log_level=logging.WARNING)
    for column, table in (term_frequencies or {}).items():
        linker.table_management.register_term_frequency_lookup(api.register(table, table_name=f"tf_lookup_{column}"), column)
    return linker
