"""One audited, spreadsheet-safe way out for personal data, and no other."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import network_component
from dashboard.exporting import audited_file
from linkage.accountability import audit
from linkage.accountability.access import UserRole, User
from linkage.errors import MashError
from linkage.store import open_state
from tests.dashboard.conftest import APP, APP_TIMEOUT, REPO

ANALYST = User("mash", UserRole.MASH_ANALYST)


def _export(store, make, target="search: name=Olly Clarke"):
    return audited_file(
        make, store=store, user=ANALYST, purpose="Referral 2026-0500 (export test)", target=target,
        detail={"page": "search"}, file_name="search-results.csv",
    )


def test_a_table_is_written_as_safe_csv_after_its_audit_row(tmp_path):
    store = tmp_path / "mash.duckdb"
    frame = pd.DataFrame({"name": ["OLIVER CLARK", "=HYPERLINK(\"http://x\")", "+44 7700", "-1", "@SUM(A1)"], "records": [7, 1, 1, 1, 1]})
    data = _export(store, lambda: frame).decode("utf-8").splitlines()
    assert data[0] == "name,records"
    assert data[1:] == ["OLIVER CLARK,7", "\"'=HYPERLINK(\"\"http://x\"\")\",1", "'+44 7700,1", "'-1,1", "'@SUM(A1),1"]
    with open_state(store) as con:
        (event,) = audit.read(con, action="export")
    assert (event.user_name, event.role, event.target, event.purpose) == (
        "mash", "mash_analyst", "search: name=Olly Clarke", "Referral 2026-0500 (export test)",
    )
    assert json.loads(event.detail) == {"page": "search", "file": "search-results.csv", "rows": 5}


def test_bytes_are_passed_through_and_every_export_is_a_row(tmp_path):
    store = tmp_path / "mash.duckdb"
    for _ in range(3):
        assert _export(store, lambda: b"PK\x03\x04zip", target="MP0000042") == b"PK\x03\x04zip"
    with open_state(store) as con:
        assert [e.target for e in audit.read(con, action="export")] == ["MP0000042"] * 3


def test_no_audit_row_no_data(tmp_path):
    store = tmp_path / "not-a-database"
    store.mkdir()  # a directory where the state database should be: the audit write fails
    with pytest.raises(MashError, match="could not be recorded in the audit log, so it was refused"):
        _export(store, lambda: pd.DataFrame({"name": ["OLIVER CLARK"]}))


def test_pages_offer_downloads_only_through_the_audited_export():
    """No page calls st.download_button (or an editable grid, which copies cells) itself."""
    offenders = []
    for path in sorted((REPO / "dashboard").rglob("*.py")):
        if path.name == "exporting.py":
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(REPO)}: {m}" for m in re.findall(r"\b(download_button|data_editor)\b", text)]
    assert not offenders, offenders


def test_the_app_turns_off_the_built_in_table_download(dashboard_store):
    st.set_option("client.disableDataExport", False)  # as a server started without the option would be
    AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT).run()
    assert st.get_option("client.disableDataExport") is True


def test_the_network_component_is_served_without_its_json_export():
    page = (network_component._BUILD / "index.html").read_text(encoding="utf-8")
    assert 'title="Download as JSON"' in page and "<dialog" in page, "the component as shipped has the export"
    served = network_component.without_export(page)
    assert 'title="Download as JSON"' not in served and "<dialog" not in served
    assert served.count('<template id="') == 6, "inert stand-ins for the ids its script binds to"
    assert 'id="toolbarFullscreen"' in served and 'id="toolbarRefresh"' in served, "the rest of the toolbar stays"
    with pytest.raises(RuntimeError, match="JSON export .* was not found once"):
        network_component.without_export(served)
