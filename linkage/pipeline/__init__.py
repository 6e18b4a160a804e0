"""Named SQL steps and the single runner that executes SQL."""

from linkage.pipeline.step import Step, quote_ident, run_queue, run_sql

__all__ = ["Step", "quote_ident", "run_queue", "run_sql"]
