"""A Spark run counts a CSV's rows apart from Spark's reader too: a stray quote that joins rows is refused."""

from __future__ import annotations

import pytest

from linkage.config import load_run_config
from linkage.errors import ExtractError
from linkage.spark.engine import SparkEngine
from linkage.store import connect
from tests.linkage.ingest.conftest import POLICE_ROWS, REPO, write_extracts

pytestmark = pytest.mark.spark

#: Row 2 with a stray quote opening its postcode, and rows without quotes for it to swallow.
STRAY = POLICE_ROWS[1].replace(",ZZ99 3VZ,", ',"ZZ99 3VZ,')
UNQUOTED = [f"OCC-9,09/03/2021,Theft,N,,PN9{n},SUSPECT,JONES,03/04/1975,M,,,M1 1AE," for n in range(3)]
CLOSING = 'OCC-9,09/03/2021,Theft,N,,PN99,SUSPECT,JONES,03/04/1975,M,,,M1 1AE",'

CASES = [
    # (description, police.csv rows, row named or None when the file is good, rows read)
    ("one row a line", POLICE_ROWS, None, 6),
    ("a value over two lines is one row", [POLICE_ROWS[0].replace("High St, Newtown", "High St,\nNewtown"), *POLICE_ROWS[1:]], None, 6),
    ("a stray quote closed four lines on", [POLICE_ROWS[0], STRAY, *UNQUOTED, CLOSING, *POLICE_ROWS[2:]], 2, None),
    ("a stray quote never closed", [POLICE_ROWS[0], STRAY, *UNQUOTED], 2, None),
]


@pytest.mark.parametrize(("description", "rows", "row", "rows_read"), CASES, ids=[c[0] for c in CASES])
def test_spark_rows_are_counted_apart_from_its_reader(spark, tmp_path, description, rows, row, rows_read):
    write_extracts(tmp_path / "extracts", rows)
    run = load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "mash.duckdb", extracts_dir=tmp_path / "extracts")
    police = next(s for s in run.sources if s.name == "police")
    with connect(tmp_path / "results.duckdb") as con, SparkEngine(run, 1) as job:
        if row is None:
            job.read_source(con, run, police, None)
            assert con.execute("SELECT rows_read FROM load_police").fetchone()[0] == rows_read, description
            return
        with pytest.raises(ExtractError) as caught:
            job.read_source(con, run, police, None)
    assert caught.value.row == row and caught.value.column == "Postcode", description
    assert "as many fields as the header on its own" in str(caught.value), description
