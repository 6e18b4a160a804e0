"""Ground truth into temporary tables: the truth files, the evaluated records, the hard-negative pairs.

The truth is the generator's ``truth/`` directory (``records.csv``: source, record_id, person_id;
``people.csv``: person_id and optional markers). Every table here is temporary and dropped by
:func:`drop_truth`, so a read-only store will do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from linkage.errors import ExtractError
from linkage.pipeline import quote_ident, run_sql

_RECORDS_FILE = "records.csv"
_PEOPLE_FILE = "people.csv"
_RECORDS_COLUMNS = ("source", "record_id", "person_id")
#: people.csv needs only ids; each hard-negative kind is scored when its column is there
#: (our generator writes them all; a public benchmark's truth has none).
_PEOPLE_COLUMNS = ("person_id",)
#: The people.csv marker of a serial perpetrator (scored when present).
SERIAL_COLUMN = "is_serial_perpetrator"

# Temporary tables, dropped when the evaluation ends.
T_TRUTH = "eval_truth_records"
T_PEOPLE = "eval_truth_people"
T_RECORDS = "eval_records"
T_KIND_PAIRS = "eval_kind_pairs"
TEMP_TABLES = (T_TRUTH, T_PEOPLE, T_RECORDS, T_KIND_PAIRS)


def load_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> set[str]:
    """Load both truth files; return people.csv's columns (which markers it has)."""
    _read_csv(con, truth_dir / _RECORDS_FILE, T_TRUTH, _RECORDS_COLUMNS)
    return _read_csv(con, truth_dir / _PEOPLE_FILE, T_PEOPLE, _PEOPLE_COLUMNS)


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, required: Sequence[str]
) -> set[str]:
    """Read one truth CSV as text into a temp table, checking its columns."""
    if not path.is_file():
        raise ExtractError(str(path), "ground-truth file not found (written by 'mash generate' under truth/)")
    run_sql(
        con,
        f"evaluate:read {path.name}",
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS "
        "SELECT * FROM read_csv($path, all_varchar = true, header = true)",
        {"path": str(path)},
    )
    columns = {row[0] for row in run_sql(con, f"evaluate:columns {path.name}", f"DESCRIBE {quote_ident(table)}").fetchall()}
    missing = [column for column in required if column not in columns]
    if missing:
        raise ExtractError(str(path), f"ground-truth file lacks column(s): {', '.join(missing)}", column=missing[0])
    return columns


def build_evaluated_records(con: duckdb.DuckDBPyConnection) -> None:
    """One row per store record that has a truth row: resolved and true person."""
    # A record missing from clusters is scored as its own singleton, so it
    # counts as a missed link rather than silently vanishing.
    run_sql(
        con,
        "evaluate:evaluated records",
        f"""
        CREATE OR REPLACE TEMP TABLE {T_RECORDS} AS
        SELECT r.unique_id,
               r.source,
               coalesce(c.person_id, 'unclustered:' || r.unique_id) AS person_id,
               t.person_id AS true_id,
               c.person_id IS NULL AS unclustered
        FROM records AS r
        JOIN {T_TRUTH} AS t ON t.source = r.source AND t.record_id = r.record_id
        LEFT JOIN clusters AS c ON c.unique_id = r.unique_id
        """,
    )


def build_kind_pairs(con: duckdb.DuckDBPyConnection, kinds: Sequence[tuple[str, str, float]]) -> None:
    """Distinct unordered pairs of true people per hard-negative kind the truth has a column for."""
    run_sql(
        con,
        "evaluate:hard-negative pairs",
        f"CREATE OR REPLACE TEMP TABLE {T_KIND_PAIRS} (kind VARCHAR, person_a VARCHAR, person_b VARCHAR)",
    )
    for kind, column, _ in kinds:
        # A pair may be listed from one side or both: least/greatest + DISTINCT dedupes.
        run_sql(
            con,
            f"evaluate:hard-negative pairs {kind}",
            f"""
            INSERT INTO {T_KIND_PAIRS}
            SELECT DISTINCT $kind, least(person_id, other), greatest(person_id, other)
            FROM (SELECT trim(person_id) AS person_id, nullif(trim({quote_ident(column)}), '') AS other
                  FROM {T_PEOPLE})
            WHERE other IS NOT NULL AND other <> person_id
            """,
            {"kind": kind},
        )


def drop_truth(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every temporary table the evaluation made."""
    for table in TEMP_TABLES:
        run_sql(con, "evaluate:cleanup", f"DROP TABLE IF EXISTS temp.main.{quote_ident(table)}")
