"""The engine seam: one run orchestration and one resolution over DuckDB or Spark (see docs/architecture.md)."""

from linkage.engine.duckdb_engine import DuckDBEngine
from linkage.engine.protocol import Engine, Grouping
from linkage.engine.stages import Stages
from linkage.engine.choose import engine_for

__all__ = ["DuckDBEngine", "Engine", "Grouping", "Stages", "engine_for"]
