"""Ingestion: counts, quarantine, notes, provenance and all-or-nothing replacement."""

from __future__ import annotations

import duckdb
import pytest

from linkage.errors import ExtractError
from linkage.ingest import ingest
from linkage.store import layout
from tests.linkage.ingest.conftest import POLICE_ROWS, write_extracts


def rows(store, sql, params=None):
    with duckdb.connect(str(layout(store).ingest_check), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_counts_add_up_and_nothing_is_lost(run):
    report = ingest(run)
    by_source = {s.source: s for s in report.sources}
    assert {s: (r.rows_read, r.records, r.quarantined) for s, r in by_source.items()} == {
        "police": (6, 3, 3),
        "social_care": (2, 2, 0),
        "health": (2, 2, 0),
    }
    for source in report.sources:
        assert source.rows_read == source.records + source.quarantined, source.source


QUARANTINE_CASES = [
    # (description, source_row, reason starts with, column)
    ("placeholder-only name with nothing else to link on", 3, "no usable name, date of birth, NHS number or PNC ID", None),
    ("a record id seen on an earlier row", 4, "record_id: repeats an earlier row", None),
    ("a truncated CSV row", 5, "unparseable CSV row: missing columns", "DASHRisk"),
]


@pytest.mark.parametrize(("description", "row", "reason", "column"), QUARANTINE_CASES, ids=[c[0] for c in QUARANTINE_CASES])
def test_quarantine_keeps_row_reason_and_raw_content(run, description, row, reason, column):
    ingest(run)
    found = rows(run.store, "SELECT reason, column_name, raw, file FROM quarantine WHERE source = 'police' AND source_row = $r", {"r": row})
    assert len(found) == 1, description
    got_reason, got_column, raw, file = found[0]
    assert got_reason.startswith(reason), description
    assert got_column == column, description
    assert raw, "the raw row is kept"
    assert file.endswith("police.csv")


def test_row_numbers_skip_quarantined_csv_lines(run):
    ingest(run)
    # Row 5 is the truncated line; the row after it must still be numbered 6.
    assert rows(run.store, "SELECT source_row FROM records WHERE unique_id = 'police:PN5'") == [(6,)]


def test_notes_say_which_value_was_nulled(run):
    ingest(run)
    notes = set(rows(run.store, "SELECT source, record_id, column_name, problem FROM dq_notes"))
    assert ("police", "PN2", "dob", "unparseable date") in notes
    assert ("police", "PN2", "postcode", "NHS pseudo-postcode (no fixed abode or not known)") in notes
    assert ("social_care", "SC1", "nhs_number", "check digit does not match") in notes
    assert ("health", "H2", "postcode", "NHS pseudo-postcode (no fixed abode or not known)") in notes


def test_canonical_values_and_provenance(run):
    ingest(run)
    cols = "forename, middle_names, surname, forename_canonical, dob, sex, pnc_id, postcode, phone, role, dash_risk, domestic_abuse, agency, full_name_raw"
    got = rows(run.store, f"SELECT {cols} FROM records WHERE unique_id = 'police:PN1'")[0]
    assert got[:13] == (
        "ROBERT", "JAMES", "OBRIEN", "ROBERT", __import__("datetime").date(1980, 2, 1), "male",
        "98/1234567M", "SE15 4QR", "07700900123", "suspect", "high", True, "police",
    )
    assert got[13] == "O'BRIEN, Mr Robert James", "the agency's own value is kept beside the standardised one"
    health = rows(run.store, "SELECT service, pregnancy, domestic_abuse, role FROM records WHERE source = 'health' ORDER BY record_id")
    assert health == [("Maternity", True, False, "patient"), ("ED", False, True, "patient")]


def test_source_loads_record_the_run(run):
    ingest(run)
    loads = rows(run.store, "SELECT source, rows_read, records, quarantined FROM source_loads ORDER BY source")
    assert loads == [("health", 2, 2, 0), ("police", 6, 3, 3), ("social_care", 2, 2, 0)]


def test_failed_ingest_leaves_previous_results_intact(run):
    ingest(run)
    before = rows(run.store, "SELECT * FROM records ORDER BY unique_id")
    (run.extracts_dir / "health.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ExtractError):
        ingest(run)
    assert rows(run.store, "SELECT * FROM records ORDER BY unique_id") == before
    assert rows(run.store, "SELECT table_name FROM duckdb_tables() WHERE suffix(table_name, '__new')") == []


def test_reingest_replaces_rather_than_appends(run):
    ingest(run)
    write_extracts(run.extracts_dir, police_rows=POLICE_ROWS[:2])
    report = ingest(run)
    assert {s.source: s.records for s in report.sources}["police"] == 2
    assert rows(run.store, "SELECT count(*) FROM records WHERE source = 'police'") == [(2,)]
    assert rows(run.store, "SELECT count(*) FROM quarantine WHERE source = 'police'") == [(0,)]
