"""In Debian Chromium: sign-in returns to the address asked for, and a failed audit write is a clear refusal.

When the audit log cannot be written, nothing it should record is shown and nobody can
sign in; the browser shows a sentence saying so, never a Python traceback, a SQL step or
anyone's name. Screenshots: ``sign-in-returns-<case>``, ``audit-refused-*``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from linkage.accountability import audit
from linkage.store import open_results, open_state
from tests.dashboard.conftest import TEST_USERS, copy_store, refuse_new_audit_rows, serving
from tests.dashboard.test_browser import settle, shoot, sign_in

#: What must never reach the browser when something fails.
INTERNALS = re.compile(r"Traceback|File \"|\.py\b|SQL step|audit_record|CHECK|StepError|_duckdb")


@pytest.fixture(scope="module")
def flagged(dashboard_store) -> tuple[str, str]:
    """A flagged person with a surname: their id and surname (which no refusal may show)."""
    with open_results(dashboard_store.run.store) as con:
        return con.execute(
            "SELECT f.person_id, p.surname FROM flags AS f JOIN persons AS p USING (person_id) "
            "WHERE p.surname IS NOT NULL ORDER BY f.severity DESC, f.person_id LIMIT 1"
        ).fetchone()


def fill_sign_in(page: Page, name: str, password: str) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


ASKED_FOR = [
    # (description, user, address asked for (with {person}), heading of the page it is, a wrong password first)
    ("search page", "mash", "/search", "Person search", False),
    ("intelligence with a query", "intel", "/intelligence?who=serial&from=referral-0193", "Serial and repeat perpetrators", False),
    ("network of a person, another parameter too", "mash", "/network?person={person}&ref=referral-0193", "Family and household network", False),
    ("audit log filtered, after a wrong password", "admin", "/audit?user=mash&since=2026-01-01", "Audit log", True),
    ("quality page, after a wrong password", "admin", "/quality", "Linkage quality and runs", True),
]


@pytest.mark.parametrize(("description", "user", "address", "heading", "wrong_first"), ASKED_FOR, ids=[a[0] for a in ASKED_FOR])
def test_sign_in_returns_to_the_page_and_query_asked_for(served_app, page, flagged, description, user, address, heading, wrong_first):
    asked = served_app.url + address.format(person=flagged[0])
    page.goto(asked)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    if wrong_first:
        fill_sign_in(page, user, "not-the-password")
        expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    fill_sign_in(page, user, TEST_USERS[user][1])
    page.get_by_role("textbox", name="Purpose").fill(f"Referral 2026-0600 ({description})")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    settle(page)
    assert page.url == asked, f"{description}: landed on {page.url}"
    expect(page.get_by_role("dialog")).to_have_count(0)
    shoot(page, f"sign-in-returns-{description.split(',')[0].replace(' ', '-')}")


def expect_refusal(page: Page, words: str, surname: str) -> None:
    """The refusal is on screen, and no traceback, internal name or person's name is."""
    expect(page.get_by_text(words, exact=False).first).to_be_visible()
    settle(page)
    body = page.inner_text("body")
    assert not INTERNALS.search(body), INTERNALS.search(body).group(0)
    assert surname.lower() not in body.lower()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)


def test_when_the_audit_log_cannot_be_written_the_browser_refuses_clearly(dashboard_store, browser, tmp_path, flagged):
    person_id, surname = flagged
    state = copy_store(dashboard_store, tmp_path / "store")
    purpose = "Referral 2026-0601 (audit refused in the browser)"
    with serving(dashboard_store, state) as app:
        contexts = [browser.new_context(viewport={"width": 1600, "height": 1000}) for _ in range(2)]
        working, returning = (context.new_page() for context in contexts)
        try:
            for page in (working, returning):
                page.set_default_timeout(30_000)
                sign_in(page, app.url, "mash", purpose)
            refuse_new_audit_rows(state)

            # A search in a session already open: refused, the sidebar still there.
            working.get_by_test_id("stSidebar").get_by_role("link", name="Person search").click()
            working.get_by_label("Name").fill(surname)
            working.get_by_role("button", name="Search").click()
            expect_refusal(working, "could not be recorded in the audit log, so it is not shown", surname)
            shoot(working, "audit-refused-search")

            # Signing out needs no row to be safe: it goes ahead.
            working.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
            expect(working.get_by_label("Password", exact=True)).to_be_visible()

            # A sign-in cannot be recorded: refused alike for the right and a wrong password.
            for password in (TEST_USERS["mash"][1], "not-the-password"):
                fill_sign_in(working, "mash", password)
                expect_refusal(working, "Sign-in is unavailable: every sign-in attempt must be recorded", surname)
                expect(working.get_by_text("Wrong user name or password.")).to_have_count(0)
                expect(working.get_by_role("heading", name="Purpose of this session")).to_have_count(0)
            shoot(working, "audit-refused-sign-in")

            # A link opened in a signed-in browser resumes the session, which is a row too: refused.
            returning.goto(f"{app.url}/profile?person={person_id}")
            expect_refusal(returning, "Your session could not be resumed: that must be recorded in the audit log", surname)
            shoot(returning, "audit-refused-profile-link")
        finally:
            for context in contexts:
                context.close()
    with open_state(state) as con:
        logged = [e.purpose for e in audit.read(con, user_name="mash", action="sign_in", text=purpose)]
    assert logged == [purpose, purpose], "the sign-ins before the refusal were logged"
