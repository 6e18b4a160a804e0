"""Fields from several columns and dates from parts read the same on Spark as on DuckDB."""

from __future__ import annotations

from datetime import date

import pytest

from linkage.config import SourceConfig
from linkage.pipeline import quote_ident, run_queue
from linkage.standardise import mapping
from linkage.store import connect
from tests.linkage.standardise.conftest import FEBRL_SOURCE

pytestmark = pytest.mark.spark

SOURCE = SourceConfig.model_validate(FEBRL_SOURCE)
COLUMNS = ("rec_id", "given_name", "middle_name", "surname", "street_number", "address_1", "address_2", "suburb", "by", "bm", "bd")
ROWS = [
    # a valid date, a blank address line (by, bm, bd as RLdata10000 names them; BY is an SQL keyword)
    ("r1", "Amy", "Lee", "Smith", "12", "High St", "", "Newtown", "1985", "2", "28"),
    # 31 February, whitespace-only and null cells
    ("r2", "Ben", "", "Jones", " ", "High St", None, "Newtown", "1985", "2", "31"),
    # month 13 with a blank year, every forename and address cell blank
    ("r3", None, " ", "Khan", "", "", None, "", "", "13", "1"),
    # a whole-number float year, a leap day, an apostrophe
    ("r4", "Cara", None, "O'Neill", "3", "O'Connell St", "Flat 2", "X", "2000.0", "02", "29"),
    # every date part blank: no date and no note
    ("r5", "Dev", "Raj", "Patel", "7", "Mill Lane", "", "", None, " ", ""),
]
OUT = ("record_id", "forenames_raw", "address_raw", "dob_raw", "dob", "dq")


def test_same_values_and_notes_on_both_engines(spark):
    from linkage.spark import prepare_session, run_queue_spark

    steps = [mapping.map_columns(SOURCE), mapping.parse_dates(SOURCE)]
    con = connect(":memory:")
    placeholders = ", ".join(["(" + ", ".join(["?"] * (len(COLUMNS) + 1)) + ")"] * len(ROWS))
    names = ", ".join(quote_ident(c) for c in ("source_row", *COLUMNS))
    con.execute(
        f"CREATE TEMP TABLE febrl_raw AS SELECT * FROM (VALUES {placeholders}) AS t({names})",
        [value for i, row in enumerate(ROWS, start=1) for value in (i, *row)],
    )
    run_queue(con, steps, "febrl_raw", "febrl_std")
    duck = con.execute(f"SELECT {', '.join(OUT)} FROM febrl_std ORDER BY source_row").fetchall()

    prepare_session(spark)
    schema = "source_row int, " + ", ".join(f"`{c}` string" for c in COLUMNS)
    spark.createDataFrame([(i, *row) for i, row in enumerate(ROWS, start=1)], schema).createOrReplaceTempView("febrl_raw")
    frame = run_queue_spark(spark, steps, "febrl_raw", "febrl_std")
    on_spark = [tuple(r[c] for c in OUT) for r in frame.orderBy("source_row").collect()]

    def clean(rows):
        return [(*row[:-1], [n for n in row[-1] if n is not None]) for row in rows]

    assert clean(on_spark) == clean(duck)
    assert [(row[0], row[4]) for row in duck] == [
        ("r1", date(1985, 2, 28)), ("r2", None), ("r3", None), ("r4", date(2000, 2, 29)), ("r5", None),
    ]
    assert [row[2] for row in duck] == ["12 High St Newtown", "High St Newtown", None, "3 O'Connell St Flat 2 X", "7 Mill Lane"]
