"""The audit page: admins read the log with filters; reading it is itself logged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.session import STORE_ENV
from linkage import audit
from linkage.access import Role
from linkage.store import open_results, open_state


def test_admin_reads_the_log_filtered_by_user_and_reading_is_logged(app_as, dashboard_store):
    with open_state(dashboard_store.run.store) as con:
        audit.record(con, "mash", "mash_analyst", "view_person", "MP0000001", "test_audit: seeded")
    purpose = "test_audit: DPO review"
    at = app_as(Role.LINKAGE_ADMIN, "audit", purpose=purpose)
    assert not at.exception and not at.error
    frame = at.dataframe[0].value
    assert "test_audit: seeded" in set(frame.purpose)
    at.selectbox(key="audit_user").select("mash").run()
    assert set(at.dataframe[0].value.user_name) == {"mash"}
    at.run()  # a rerun with the same filters is not logged again
    with open_state(dashboard_store.run.store) as con:
        reads = audit.read(con, action="read_audit", user_name="admin", text=purpose)
    assert len(reads) == 2
    assert '"user_name": "mash"' in reads[0].detail


def test_text_filter_and_nothing_found(app_as, dashboard_store):
    at = app_as(Role.LINKAGE_ADMIN, "audit")
    at.text_input(key="audit_text").input("no event says this 7f3a").run()
    assert not at.exception and not at.dataframe
    assert at.info and "No audit events" in at.info[0].value


AUDITED_PAGES = [
    # (description, page, role, what the page would show once audited)
    ("the triage queue", "triage", Role.MASH_ANALYST, "dataframe"),
    ("a person's profile", "profile", Role.MASH_ANALYST, "dataframe"),
]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device whose writes fail as a full disk does")
@pytest.mark.parametrize(("description", "page", "role", "shown"), AUDITED_PAGES, ids=[p[0] for p in AUDITED_PAGES])
def test_when_the_audit_log_cannot_be_written_nothing_is_shown_and_no_traceback(
    app_as, dashboard_store, tmp_path, monkeypatch, description, page, role, shown
):
    # A copy of the store whose state database is on a "full disk": its results still read.
    copy = tmp_path / "store"
    shutil.copytree(dashboard_store.run.store.parent, copy)
    state = copy / dashboard_store.run.store.name
    state.unlink()
    state.symlink_to("/dev/full")
    monkeypatch.setenv(STORE_ENV, str(state))
    with open_results(dashboard_store.run.store) as con:
        person_id = con.execute("SELECT person_id FROM flags ORDER BY person_id LIMIT 1").fetchone()[0]
    at = app_as(role, page, person_id=person_id)
    assert not at.exception, description
    assert any("could not be recorded in the audit log" in e.value and "No space left on device" in e.value for e in at.error)
    assert not getattr(at, shown), f"{description}: nothing is shown that was not logged"
