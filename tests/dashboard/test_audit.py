"""The audit page: admins read the log with filters; reading it is itself logged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.session import PURPOSE_KEY, STORE_ENV, USER_KEY
from linkage.accountability import audit
from linkage.accountability.access import UserRole, User
from linkage.store import open_results, open_state
from tests.dashboard.conftest import APP, APP_TIMEOUT, TEST_USERS
from tests.dashboard.test_app import _sign_in
from tests.dashboard.test_search import _search


def test_admin_reads_the_log_filtered_by_user_and_reading_is_logged(app_as, dashboard_store):
    with open_state(dashboard_store.run.store) as con:
        audit.record(con, "mash", "mash_analyst", "view_person", "MP0000001", "test_audit: seeded")
    purpose = "test_audit: DPO review"
    at = app_as(UserRole.LINKAGE_ADMIN, "audit", purpose=purpose)
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
    at = app_as(UserRole.LINKAGE_ADMIN, "audit")
    at.text_input(key="audit_text").input("no event says this 7f3a").run()
    assert not at.exception and not at.dataframe
    assert at.info and "No audit events" in at.info[0].value


AUDITED_PAGES = [
    # (description, page, role, what the page would show once audited)
    ("the triage queue", "triage", UserRole.MASH_ANALYST, "dataframe"),
    ("a person's profile", "profile", UserRole.MASH_ANALYST, "dataframe"),
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


def _no_trace(at, description: str) -> str:
    """Every message the run showed, after checking none is an exception (a traceback in the browser)."""
    assert not at.exception, f"{description}: {[e.value for e in at.exception]}"
    return "\n".join(str(e.value) for e in at.error)


SIGN_INS_UNRECORDED = [
    # (description, name, password): neither answer is given when the attempt cannot be recorded
    ("the right password", "mash", TEST_USERS["mash"][1]),
    ("a wrong password", "mash", "not-the-password"),
    ("an unknown name", "nobody", "guess"),
]


@pytest.mark.parametrize(("description", "name", "password"), SIGN_INS_UNRECORDED, ids=[s[0] for s in SIGN_INS_UNRECORDED])
def test_a_sign_in_that_cannot_be_recorded_is_refused_alike_right_or_wrong(audit_refused, description, name, password):
    at = _sign_in(name, password)
    shown = _no_trace(at, description)
    assert shown.startswith("Sign-in is unavailable: every sign-in attempt must be recorded"), description
    assert "Wrong user name" not in shown and "audit_record" not in shown, f"{description}: no answer, no internals"
    assert USER_KEY not in at.session_state, description


def _signed_in_without_purpose() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)
    at.session_state[USER_KEY] = User("mash", UserRole.MASH_ANALYST)
    return at.run()


def test_a_purpose_that_cannot_be_recorded_leaves_the_user_at_the_purpose_question(audit_refused):
    at = _signed_in_without_purpose()
    at.text_input[0].input("Referral 2026-0500: audit refused")
    at.button[0].click().run()
    shown = _no_trace(at, "purpose")
    assert "could not be recorded in the audit log" in shown
    assert [t.value for t in at.title] == ["Purpose of this session"] and not at.session_state[PURPOSE_KEY]


REFUSED_VIEWS = [
    # (description, page, what the page does once open, what it would show once audited)
    ("the triage queue", "triage", None, "dataframe"),
    ("a person's profile", "profile", None, "dataframe"),
    ("the perpetrators listing", "intelligence", None, "dataframe"),
    ("a search", "search", lambda at, surname: _search(at, Name=surname), "dataframe"),
]


@pytest.mark.parametrize(("description", "page", "act", "shown"), REFUSED_VIEWS, ids=[r[0] for r in REFUSED_VIEWS])
def test_a_view_that_cannot_be_recorded_is_refused_without_a_traceback(
    app_as, audit_refused, single_flagged, description, page, act, shown
):
    person_id, _, surname = single_flagged[0]
    at = app_as(UserRole.INTELLIGENCE_ANALYST, page, person_id=person_id)
    if act is not None:
        act(at, surname)
    text = _no_trace(at, description)
    assert "could not be recorded in the audit log, so it is not shown" in text, description
    assert not getattr(at, shown), f"{description}: nothing is shown that was not logged"
    assert surname not in text, f"{description}: the refusal names nobody"


def test_sign_out_goes_ahead_when_it_cannot_be_recorded(app_as, audit_refused):
    at = app_as(UserRole.MASH_ANALYST, "triage")
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    _no_trace(at, "sign-out")
    assert USER_KEY not in at.session_state and [t.value for t in at.title] == ["MASH Link"]
