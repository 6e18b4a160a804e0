"""The engine a run config asks for."""

from __future__ import annotations

from linkage.config import RunConfig
from linkage.engine.duckdb_engine import DuckDBEngine
from linkage.engine.protocol import Engine
from linkage.errors import MashError


def engine_for(run: RunConfig, run_id: int) -> Engine:
    """The engine named by the run config's ``engine`` key, not yet entered.

    Args:
        run: The run config.
        run_id: This run's id (a Spark run keeps its Parquet tables under it).

    Raises:
        MashError: ``engine: spark`` and pyspark is not installed.
    """
    if run.engine != "spark":
        return DuckDBEngine(run)
    try:
        # Imported only here: a DuckDB run neither needs pyspark nor pays for importing it.
        from linkage.spark.engine import SparkEngine
    except ModuleNotFoundError as missing:
        if missing.name and missing.name.split(".")[0] in ("pyspark", "py4j"):
            raise MashError(
                "the run config says 'engine: spark' but pyspark is not installed: "
                "install the Spark extra (pip install 'mash-link[spark]') or set 'engine: duckdb'"
            ) from None
        raise
    return SparkEngine(run, run_id)
