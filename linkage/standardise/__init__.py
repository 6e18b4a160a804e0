"""Standardisation as named SQL steps on DuckDB, one queue per source."""

from linkage.standardise.lookups import create_lookup_tables
from linkage.standardise.mapping import record_id_sql
from linkage.standardise.notes import note_rows
from linkage.standardise.queue import CANONICAL_COLUMNS, standardisation_queue

__all__ = ["CANONICAL_COLUMNS", "create_lookup_tables", "note_rows", "record_id_sql", "standardisation_queue"]
