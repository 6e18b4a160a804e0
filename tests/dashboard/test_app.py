"""The entry file: sign-in, stated purpose, navigation by role, and every page as every role."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import session_token
from dashboard.session import PURPOSE_KEY, USER_KEY
from linkage.accountability import audit, sessions
from linkage.accountability.access import PAGE_ROLES, ROLE_LABELS, UserRole, User, add_user, can_open
from linkage.store import open_results, open_state
from tests.dashboard.conftest import APP, APP_TIMEOUT, TEST_USERS, USER_FOR_ROLE, existing_pages

#: The heading each page shows (the smoke test checks the page drew its own, not another).
HEADINGS = {
    "triage": "MASH triage", "search": "Person search", "profile": "Person profile",
    "network": "Family and household network", "intelligence": "Serial and repeat perpetrators",
    "review": "Linkage review", "quality": "Linkage quality and runs", "audit": "Audit log",
}

ROLE_PAGES = [(role, page) for role in UserRole for page in existing_pages()]


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption, *at.info, *at.warning)]
    return "\n".join(str(p) for p in parts)


def test_every_page_exists_and_has_permissions():
    assert set(existing_pages()) == set(PAGE_ROLES) == set(HEADINGS)


@pytest.fixture(scope="module")
def flagged_person(dashboard_store) -> str:
    """The most severely flagged person, so profile and network pages have something to show."""
    con = open_results(dashboard_store.run.store)
    try:
        return con.execute("SELECT person_id FROM flags ORDER BY severity DESC, flag_id LIMIT 1").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize(("role", "page"), ROLE_PAGES, ids=[f"{r.value}-{p}" for r, p in ROLE_PAGES])
def test_smoke_every_page_as_every_role(app_as, flagged_person, role, page):
    """Each page a role may open renders its own content without an exception; each page it may not is refused."""
    at = app_as(role, person_id=flagged_person)
    if not can_open(role, page):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{page}.py")
        return
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == [HEADINGS[page]]
    assert len(_texts(at)) > 100, f"{page} rendered almost nothing"
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert USER_FOR_ROLE[role] in sidebar and ROLE_LABELS[role] in sidebar


def test_landing_page_is_triage(app_as):
    at = app_as(UserRole.MASH_ANALYST)
    assert [t.value for t in at.title] == [HEADINGS["triage"]]


def _sign_in(name: str, password: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT).run()
    inputs = {t.label: t for t in at.text_input}
    inputs["User name"].input(name)
    inputs["Password"].input(password)
    at.button[0].click().run()
    return at


SIGN_INS = [
    ("wrong password", "mash", "not-the-password", False),
    ("unknown user", "nobody", "mash-test-password", False),
    ("empty form", "", "", False),
    ("right password", "mash", "mash-test-password", True),
]


@pytest.mark.parametrize(("description", "name", "password", "ok"), SIGN_INS, ids=[s[0] for s in SIGN_INS])
def test_sign_in(dashboard_store, description, name, password, ok):
    at = _sign_in(name, password)
    assert not at.exception, description
    if ok:
        assert [t.value for t in at.title] == ["Purpose of this session"], description
        assert at.session_state[USER_KEY].name == name
    else:
        assert [e.value for e in at.error] == ["Wrong user name or password."], description
        assert USER_KEY not in at.session_state


def test_too_many_failed_sign_ins_lock_the_name_and_every_attempt_is_a_row(dashboard_store):
    # The case: ten attempts, the right password among those made during the lockout.
    add_user(dashboard_store.users_file, "locktest", UserRole.MASH_ANALYST, "locktest-password")
    for _ in range(audit.MAX_FAILED_SIGN_INS):
        assert [e.value for e in _sign_in("locktest", "guess").error] == ["Wrong user name or password."]
    for password in ("another guess", "locktest-password", "guess", "locktest-password", "guess"):
        at = _sign_in("locktest", password)
        assert at.error and at.error[0].value.startswith("Too many failed sign-ins under this name"), "even the right password waits"
        assert USER_KEY not in at.session_state
    with open_state(dashboard_store.run.store) as con:
        rows = [e.action for e in audit.read(con, user_name="locktest")]
    assert rows.count("sign_in_failed") == audit.MAX_FAILED_SIGN_INS
    assert rows.count("sign_in_locked") == 5, "every attempt during the lockout is a row"
    assert len(rows) == 10


def test_an_accepted_password_is_a_row_before_the_purpose_is_asked(dashboard_store):
    at = _sign_in("admin", TEST_USERS["admin"][1])
    assert [t.value for t in at.title] == ["Purpose of this session"]
    with open_state(dashboard_store.run.store) as con:
        (latest,) = audit.read(con, user_name="admin", limit=1)
    assert (latest.action, latest.role, latest.purpose) == ("sign_in_accepted", "linkage_admin", None)


def test_a_name_typed_at_sign_in_is_capped_and_escaped_in_the_audit_log(dashboard_store):
    typed = "evil\u202eeman" + "x" * 100_000
    at = _sign_in(typed, "guess")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    with open_state(dashboard_store.run.store) as con:
        stored = [e.user_name for e in audit.read(con, action="sign_in_failed") if e.user_name.startswith("evil")]
    assert stored == [audit.typed_name(typed)]
    assert "\u202e" not in stored[0] and "\\u202e" in stored[0]
    assert len(stored[0]) < 100 and stored[0].endswith(f"(+{len(typed) - audit.MAX_TYPED_NAME} characters)")


def test_purpose_is_required_then_recorded_with_sign_in(dashboard_store):
    at = _sign_in("intel", "intel-test-password")
    at.text_input[0].input("ab")
    at.button[0].click().run()
    assert at.error and "purpose" in at.error[0].value.lower()
    purpose = "Referral 2026-0042: strategy meeting (test_purpose)"
    at.text_input[0].input(purpose)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == [HEADINGS["triage"]]
    sidebar = "\n".join(str(m.value) for m in (*at.sidebar.markdown, *at.sidebar.caption))
    assert "intel" in sidebar and "Intelligence analyst" in sidebar and purpose in sidebar
    with open_state(dashboard_store.run.store) as con:
        events = audit.read(con, action="sign_in", text="test_purpose")
    assert [(e.user_name, e.role, e.purpose) for e in events] == [("intel", "intelligence_analyst", purpose)]


def test_sign_out_forgets_everything(app_as):
    at = app_as(UserRole.LINKAGE_ADMIN, "search")
    at.sidebar.button[0].click().run()
    assert USER_KEY not in at.session_state and PURPOSE_KEY not in at.session_state
    assert [t.value for t in at.title] == ["MASH Link"]


def test_signed_out_visitor_sees_only_the_sign_in(dashboard_store):
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT).run()
    assert [t.value for t in at.title] == ["MASH Link"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/search.py")


def test_malformed_users_file_is_reported_at_sign_in(dashboard_store, tmp_path, monkeypatch):
    bad = tmp_path / "users.yaml"
    bad.write_text("users:\n  - {name: x, role: boss, password_hash: nope}\n")
    monkeypatch.setenv("MASH_USERS", str(bad))
    at = _sign_in("x", "y")
    assert at.error and "key 'users.0.role'" in at.error[0].value


def test_a_shared_link_opens_its_person_after_sign_in(dashboard_store):
    with open_results(dashboard_store.run.store) as con:
        person_id, surname = con.sql("SELECT person_id, surname FROM persons WHERE surname IS NOT NULL ORDER BY records DESC LIMIT 1").fetchall()[0]
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)
    at.query_params["person"] = person_id.lower()
    at.run()
    inputs = {t.label: t for t in at.text_input}
    inputs["User name"].input("mash")
    inputs["Password"].input("mash-test-password")
    at.button[0].click().run()
    at.text_input[0].input("Referral 2026-0300: link from a colleague")
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == [HEADINGS["profile"]]
    assert surname in at.header[0].value


def test_a_session_left_idle_past_the_timeout_is_signed_out(dashboard_store):
    with open_state(dashboard_store.run.store) as con:
        token = sessions.start(con, sessions.session_key(dashboard_store.run.store), "mash", "mash_analyst")
    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)
    at.session_state[USER_KEY] = User("mash", UserRole.MASH_ANALYST)
    at.session_state[PURPOSE_KEY] = "Referral 2026-0405 (idle test)"
    at.session_state[session_token.TOKEN_KEY] = token
    at.session_state[session_token.ACTIVE_KEY] = datetime.now() - timedelta(minutes=29)
    at.session_state[session_token.CHECKED_KEY] = datetime.now()
    at.run()
    assert [t.value for t in at.title] == [HEADINGS["triage"]], "29 minutes idle: still signed in"
    at.session_state[session_token.ACTIVE_KEY] = datetime.now() - timedelta(minutes=31)
    at.run()
    assert [t.value for t in at.title] == ["MASH Link"] and USER_KEY not in at.session_state
    assert "session ended" in at.info[0].value
    with open_state(dashboard_store.run.store) as con:
        assert sessions.resume(con, sessions.session_key(dashboard_store.run.store), token, idle=timedelta(hours=1), lifetime=timedelta(days=1)) is None


# (description, how the results file's schema stamp is changed, words the page must say)
STAMPS = [
    ("a file from before schema versions (no stamp)", "DROP TABLE store_schema", "an older MASH Link"),
    ("a file from an older version", "UPDATE store_schema SET version = version - 1", "an older MASH Link"),
    ("a file from a newer version", "UPDATE store_schema SET version = version + 1", "a newer MASH Link"),
]


@pytest.mark.parametrize(("description", "change", "words"), STAMPS, ids=[s[0] for s in STAMPS])
def test_a_results_file_of_another_schema_is_refused_with_the_remedy(
    app_as, dashboard_store, tmp_path, monkeypatch, description, change, words
):
    import duckdb

    from dashboard.session import STORE_ENV
    from linkage.store import layout
    from tests.dashboard.conftest import copy_store

    state = copy_store(dashboard_store, tmp_path / "store")
    results = layout(state).current()
    with duckdb.connect(str(results)) as con:
        con.execute(change)
    monkeypatch.setenv(STORE_ENV, str(state))
    # The quality page reads the results as it opens.
    at = app_as(UserRole.LINKAGE_ADMIN, "quality", purpose="test: a store of another schema")
    assert not at.exception, description
    errors = " ".join(e.value for e in at.error)
    assert words in errors and "re-run 'mash run' to upgrade" in errors and str(results) in errors, description
