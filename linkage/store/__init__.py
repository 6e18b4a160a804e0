"""The store: a state database, one results file per run, and the SQL functions they share."""

from linkage.store.connection import (
    Limits,
    checkpoint_meanwhile,
    connect,
    connect_memory,
    duckdb_limits,
    has_table,
    register_functions,
    require_table,
    swap_in,
    table_columns,
)
from linkage.store.layout import StoreLayout, layout, run_lock
from linkage.store.results import connect_results, open_results, results_path
from linkage.store.schema import SCHEMA_VERSION, check_schema_version, write_schema_version
from linkage.store.state import REVIEW_DECISIONS_SQL, open_state

__all__ = [
    "REVIEW_DECISIONS_SQL",
    "SCHEMA_VERSION",
    "Limits",
    "StoreLayout",
    "check_schema_version",
    "checkpoint_meanwhile",
    "connect",
    "connect_memory",
    "connect_results",
    "duckdb_limits",
    "has_table",
    "layout",
    "open_results",
    "open_state",
    "register_functions",
    "require_table",
    "results_path",
    "run_lock",
    "swap_in",
    "table_columns",
    "write_schema_version",
]
