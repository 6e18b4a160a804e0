"""Spark and DuckDB give the same canonical records, quarantine and notes from the same steps."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.spark

#: Sort keys that make each table's row order canonical.
KEYS = {
    "records": ("source", "source_row"),
    "quarantine": ("source", "source_row", "reason"),
    "dq_notes": ("source", "source_row", "column_name", "problem"),
}


def _duckdb_columns(both_engines, table: str) -> tuple[duckdb.DuckDBPyConnection, list[tuple[str, str]]]:
    """A connection with DuckDB's ingest tables attached as ``d``, and one table's columns and types."""
    con = duckdb.connect()
    con.execute("ATTACH $path AS d (READ_ONLY)", {"path": str(both_engines.duckdb.store)})
    types = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'd' AND table_name = $t ORDER BY column_index",
        {"t": table},
    ).fetchall()
    return con, types


def _tables(both_engines, table: str) -> tuple[list[tuple], list[tuple], list[str]]:
    """Both engines' rows of one table, enums as text and row order canonical, and the column names."""
    con, types = _duckdb_columns(both_engines, table)
    # DuckDB's enum types have no Spark counterpart; Spark's values are checked against the same members.
    items = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' if t.startswith("ENUM") else f'"{c}"' for c, t in types)
    order = ", ".join(KEYS[table])
    duck = con.execute(f"SELECT {items} FROM d.{table} ORDER BY {order}").fetchall()
    spark = con.execute(
        f"SELECT {items} FROM read_parquet($p) ORDER BY {order}", {"p": str(both_engines.spark[table] / "*.parquet")}
    ).fetchall()
    return duck, spark, [c for c, _ in types]


def _differences(duck: list[tuple], spark: list[tuple], columns: list[str]) -> list[dict]:
    return [
        {columns[i]: (a[i], b[i]) for i in range(len(columns)) if a[i] != b[i]} | {"source_row": a[columns.index("source_row")]}
        for a, b in zip(duck, spark, strict=True)
        if a != b
    ]


@pytest.mark.parametrize("table", list(KEYS))
def test_same_rows_on_both_engines(both_engines, table):
    duck, spark, columns = _tables(both_engines, table)
    assert len(duck) == len(spark), f"{table}: {len(duck)} rows from DuckDB, {len(spark)} from Spark"
    assert _differences(duck, spark, columns) == []


@pytest.mark.parametrize("table", list(KEYS))
def test_same_columns_and_types(both_engines, table):
    con, duck = _duckdb_columns(both_engines, table)
    spark = [row[:2] for row in con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(both_engines.spark[table] / "*.parquet")}).fetchall()]

    def normal(data_type: str) -> str:
        # Enums are text on Spark; DuckDB widens the quarantine's row numbers to HUGEINT in its union with CSV rejects.
        return "VARCHAR" if data_type.startswith("ENUM") else {"HUGEINT": "BIGINT"}.get(data_type, data_type)

    assert [(c, normal(t)) for c, t in duck] == [(c, normal(t)) for c, t in spark]


def test_the_hard_cases_are_exercised(both_engines):
    """The comparison above covers apostrophes, accents, nicknames, placeholders and bad identifiers."""
    duck, spark, columns = _tables(both_engines, "records")
    by_id = {row[columns.index("record_id")]: dict(zip(columns, row, strict=True)) for row in spark}
    assert (by_id["HARD-P1"]["surname"], by_id["HARD-P1"]["forename"], by_id["HARD-P1"]["dob"]) == ("OBRIEN", "SIOBHAN", None)
    assert by_id["HARD-P1"]["pnc_id"] is not None and by_id["HARD-P1"]["postcode"] == "SW1A 1AA"
    assert by_id["HARD-P1"]["phone"] == "07700900123"
    assert (by_id["HARD-P2"]["surname"], by_id["HARD-P2"]["forename_canonical"]) == ("MCDONALD", "ROBERT")
    assert by_id["HARD-P2"]["pnc_id"] is None and by_id["HARD-P2"]["postcode"] is None
    assert by_id["HARD-P3"]["surname_parts"] == ["DARCY", "SMITH"] and by_id["HARD-P3"]["forename"] == "ZOE"
    assert by_id["HARD-S1"]["nhs_number"] is None and by_id["HARD-S1"]["forename_canonical"] == "WILLIAM"
    assert by_id["HARD-S3"]["nhs_number"] == "5413285434" and by_id["HARD-S3"]["surname"] == "MACINTYRE"
    assert by_id["HARD-H1"]["forename"] == "RENEE" and by_id["HARD-H1"]["pregnancy"] is True
    _, quarantine, q_columns = _tables(both_engines, "quarantine")
    reasons = {(row[q_columns.index("record_id")], row[q_columns.index("reason")]) for row in quarantine}
    assert ("HARD-P4", "record_id: repeats an earlier row") in reasons
    assert (None, "record_id: empty") in reasons
    assert ("HARD-S4", "no usable name, date of birth, NHS number or PNC ID") in reasons
    _, notes, n_columns = _tables(both_engines, "dq_notes")
    problems = {(row[n_columns.index("column_name")], row[n_columns.index("problem")]) for row in notes}
    for expected in [
        ("dob", "placeholder date"), ("dob", "impossible date"), ("dob", "unparseable date"),
        ("nhs_number", "check digit does not match"), ("nhs_number", "placeholder number"),
        ("pnc_id", "check letter does not match"), ("pnc_id", "invalid format"),
        ("postcode", "NHS pseudo-postcode (no fixed abode or not known)"), ("postcode", "invalid format"),
        ("forenames", "placeholder name"), ("surname", "placeholder name"), ("sex", "unrecognised value"),
        ("role", "unrecognised value"), ("event_date", "in the future"), ("phone", "invalid number"),
    ]:
        assert expected in problems
