"""Fuzzed police extracts: ingestion reports a clear error or accounts for every row, never crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage.config import load_run_config
from linkage.errors import MashError
from linkage.ingest import ingest
from tests.linkage.ingest.conftest import POLICE_HEADER, POLICE_ROWS, REPO, write_extracts

COLUMNS = len(POLICE_HEADER.split(","))

# Cells that stress a CSV reader and the cleaning steps: quotes, delimiters, line
# breaks, accents, control characters, long values, dates in odd shapes.
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(['"', '""', ",", "\n", "\r\n", "O'Brien", "Zoë", "31/02/1985", "99/99/9999", "ZZ99 3VZ", "\x00", "\t"]),
    st.from_regex(r"[A-Z]{2}[0-9]{7}", fullmatch=True),
    st.text(alphabet="0123456789/-", max_size=12),
)
row = st.lists(cell, min_size=0, max_size=COLUMNS + 2).map(
    lambda cells: ",".join('"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n\r') else c for c in cells)
)


def ingest_police(body: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        extracts = Path(tmp) / "extracts"
        write_extracts(extracts)
        (extracts / "police.csv").write_bytes(body)
        run = load_run_config(REPO / "configs" / "run.yaml", store=Path(tmp) / "mash.duckdb", extracts_dir=extracts)
        try:
            report = ingest(run)
        except MashError as error:
            return error
    return report


def assert_accounted(outcome) -> None:
    if isinstance(outcome, MashError):
        assert str(outcome).strip(), "the error says something"
        return
    for source in outcome.sources:
        assert source.rows_read == source.records + source.quarantined, source.source


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, max_size=8), tail=st.sampled_from(["\n", "", "\r\n"]))
def test_fuzzed_rows_are_loaded_or_quarantined(rows, tail):
    body = "\n".join([POLICE_HEADER, *POLICE_ROWS[:2], *rows]) + tail
    assert_accounted(ingest_police(body.encode("utf-8", "surrogatepass")))


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage=st.binary(max_size=200), cut=st.integers(min_value=0, max_value=400))
def test_fuzzed_bytes_give_an_error_or_a_load(garbage, cut):
    body = ("\n".join([POLICE_HEADER, *POLICE_ROWS]) + "\n").encode()
    assert_accounted(ingest_police(body[:cut] + garbage))
