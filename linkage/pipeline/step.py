"""Named SQL steps and the one place that executes SQL.

A :class:`Step` is a small, inspectable unit: a name, a one-line purpose, a
``SELECT`` over the relation ``{input}`` and the values it binds as
parameters. Values never reach SQL text; only code-defined identifiers do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from linkage.errors import StepError

logger = logging.getLogger(__name__)

INPUT = "{input}"


@dataclass(frozen=True)
class Step:
    """One named SQL transformation.

    Attributes:
        name: Short identifier, shown in logs and errors.
        purpose: One line saying what the step is for.
        sql: A ``SELECT`` statement reading from ``{input}``.
        params: Values bound to ``$name`` parameters in ``sql``.
    """

    name: str
    purpose: str
    sql: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, input_relation: str) -> str:
        """The step's SQL with ``{input}`` replaced by a relation name."""
        return self.sql.replace(INPUT, input_relation)


@contextmanager
def _step(step: str) -> Iterator[None]:
    """Time one statement under its step name; a DuckDB error becomes a StepError naming the step."""
    started = time.perf_counter()
    try:
        yield
    except duckdb.Error as exc:
        logger.error("step %s failed", step)
        raise StepError.from_engine(step, exc) from exc
    logger.debug("step %s ran in %.3fs", step, time.perf_counter() - started)


def quote_ident(name: str) -> str:
    """Quote an identifier (a column or table name) for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def run_sql(
    con: duckdb.DuckDBPyConnection,
    step: str,
    sql: str,
    params: Mapping[str, Any] | Sequence[Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Execute one SQL statement under a step name.

    Every statement the project runs goes through here, so that logs show which
    step ran and for how long, and a failure names its step.

    Args:
        con: The DuckDB connection.
        step: Name of the step, for logs and errors.
        sql: The SQL statement.
        params: Values for its parameters.

    Returns:
        The connection, ready for ``fetchall`` and friends.

    Raises:
        StepError: If DuckDB rejects the statement.
    """
    with _step(step):
        return con.execute(sql, params or None)


def fetch_arrow(
    con: duckdb.DuckDBPyConnection,
    step: str,
    sql: str,
    params: Mapping[str, Any] | None = None,
) -> pa.Table:
    """Run a query under a step name and return its result as an Arrow table.

    Same logging and errors as :func:`run_sql`; goes through a relation, which
    hands Arrow over without the extra copy a cursor result makes.
    """
    with _step(step):
        return con.sql(sql, params=params).to_arrow_table() if params else con.sql(sql).to_arrow_table()


def write_parquet(
    con: duckdb.DuckDBPyConnection, step: str, sql: str, path: Path, params: Mapping[str, Any] | None = None
) -> None:
    """Run a query under a step name and write its rows to one Parquet file (replaced).

    Same logging and errors as :func:`run_sql`; the path is handed to DuckDB as a value,
    never written into the SQL.
    """
    with _step(step):
        relation = con.sql(sql, params=params) if params else con.sql(sql)
        relation.write_parquet(str(path))


def create_table_from_arrow(con: duckdb.DuckDBPyConnection, table: str, data: pa.Table, temporary: bool = False) -> None:
    """Create (or replace) a table holding an Arrow table's rows, under the step name ``write_<table>``.

    Args:
        con: The DuckDB connection.
        table: Name of the table to create (code-defined, not input).
        data: The rows.
        temporary: Create a temporary table (gone when the connection closes).
    """
    con.register("_arrow_input", data)
    kind = "TEMP TABLE" if temporary else "TABLE"
    try:
        run_sql(con, f"write_{table}", f"CREATE OR REPLACE {kind} {quote_ident(table)} AS SELECT * FROM _arrow_input")
    finally:
        con.unregister("_arrow_input")


def run_queue(
    con: duckdb.DuckDBPyConnection,
    steps: Sequence[Step],
    input_table: str,
    output_table: str,
) -> None:
    """Run steps in order, each over the previous one's output.

    Each step is materialised as a temporary table so that a failure names the
    step, and intermediate tables are dropped as soon as they are read.

    Args:
        con: The DuckDB connection.
        steps: The queue of steps.
        input_table: The relation the first step reads.
        output_table: The (temporary) table the last step's output is stored in.
    """
    current = input_table
    for index, step in enumerate(steps):
        target = output_table if index == len(steps) - 1 else f"{output_table}__{index:02d}"
        run_sql(
            con,
            step.name,
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(target)} AS {step.render(quote_ident(current))}",
            step.params,
        )
        if current != input_table:
            run_sql(con, f"{step.name}:cleanup", f"DROP TABLE {quote_ident(current)}")
        current = target
