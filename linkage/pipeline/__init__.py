"""Named SQL steps and the single runner that executes SQL."""

from linkage.pipeline.step import Step, create_table_from_arrow, fetch_arrow, quote_ident, run_queue, run_sql, write_parquet

__all__ = ["Step", "create_table_from_arrow", "fetch_arrow", "quote_ident", "run_queue", "run_sql", "write_parquet"]
