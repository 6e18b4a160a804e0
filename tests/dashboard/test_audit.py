"""The audit page: admins read the log with filters; reading it is itself logged."""

from __future__ import annotations

from linkage import audit
from linkage.access import Role
from linkage.store import open_state


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
