"""CSV exports are safe to open in a spreadsheet."""

from __future__ import annotations

import csv

import duckdb
import pytest

from linkage.errors import MashError
from linkage.export import export_links

CASES = [
    ("formula", "=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ("plus sign", "+44", "'+44"),
    ("minus sign", "-1", "'-1"),
    ("at sign", "@SUM(A1)", "'@SUM(A1)"),
    ("ordinary id", "PN0000001", "PN0000001"),
    ("apostrophe inside", "O'BRIEN", "O'BRIEN"),
]


@pytest.mark.parametrize(("description", "record_id", "written"), CASES, ids=[c[0] for c in CASES])
def test_export_neutralises_formulas(tmp_path, description, record_id, written):
    con = duckdb.connect()
    con.execute("CREATE TABLE records AS SELECT 'police:x' AS unique_id, 'police' AS source, $id AS record_id", {"id": record_id})
    con.execute("CREATE TABLE clusters AS SELECT 'police:x' AS unique_id, 'MP0000001' AS person_id, 'single' AS link_strength, NULL::DOUBLE AS best_match_probability")
    export_links(con, tmp_path / "links.csv")
    (row,) = csv.DictReader((tmp_path / "links.csv").open())
    assert row["record_id"] == written, description


def test_export_before_any_run_is_a_clear_error(tmp_path):
    with pytest.raises(MashError, match="run 'mash run' first"):
        export_links(duckdb.connect(), tmp_path / "links.csv")


def test_missing_table_error_names_the_store_file(tmp_path):
    from linkage.store import connect

    con = connect(tmp_path / "empty.duckdb")
    with pytest.raises(MashError, match=r"empty\.duckdb: no 'persons' table yet; run 'mash run' first"):
        from linkage.export import export_persons

        export_persons(con, tmp_path / "persons.csv")
