"""Sessions in Debian Chromium: a refresh or a pasted link keeps the user signed in; sign-out and expiry end it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.session_token import COOKIE
from linkage.store import open_results, open_state
from tests.dashboard.conftest import TEST_USERS
from tests.dashboard.test_browser import settle, shoot, sign_in


@pytest.fixture(scope="module")
def known_person(dashboard_store) -> tuple[str, str]:
    """A person with many records and their surname (as the profile heading shows it)."""
    with open_results(dashboard_store.run.store) as con:
        return con.execute(
            "SELECT person_id, surname FROM persons WHERE surname IS NOT NULL ORDER BY records DESC, person_id LIMIT 1"
        ).fetchone()


def token(page: Page) -> str:
    """The session cookie the browser holds."""
    found = [c["value"] for c in page.context.cookies() if c["name"] == COOKIE and c["value"]]
    assert len(found) == 1, "the browser holds one session cookie"
    return found[0]


def expect_signed_in(page: Page, heading: str, purpose: str) -> None:
    """On the page with this heading, signed in with this purpose, and no "page not found" dialog."""
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    settle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"Purpose: {purpose}")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)


def expect_sign_in_form(page: Page) -> None:
    """The sign-in form, and no dialog over it."""
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    settle(page)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)


def test_refresh_and_a_pasted_link_keep_the_user_signed_in(served_app, page, known_person):
    person_id, surname = known_person
    purpose = "Referral 2026-0400 (browser refresh)"
    sign_in(page, served_app.url, "mash", purpose)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Person search").click()
    expect(page.get_by_role("heading", name="Person search")).to_be_visible()
    assert page.url.endswith("/search")
    page.reload()
    expect_signed_in(page, "Person search", purpose)
    assert page.url.endswith("/search"), "the same page after the refresh"
    shoot(page, "session-after-refresh")
    page.goto(f"{served_app.url}/profile?person={person_id}")
    expect_signed_in(page, "Person profile", purpose)
    expect(page.get_by_role("heading", name=surname, exact=False).first).to_be_visible()
    assert f"person={person_id}" in page.url
    shoot(page, "session-pasted-link")


def test_after_sign_out_the_token_opens_nothing(served_app, browser: Browser, page):
    purpose = "Referral 2026-0401 (browser sign-out)"
    sign_in(page, served_app.url, "intel", purpose)
    kept = token(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect_sign_in_form(page)
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE and c["value"]], "sign-out clears the cookie"
    page.reload()
    expect_sign_in_form(page)
    # The token replayed from elsewhere, as if copied before the sign-out.
    thief = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        thief.add_cookies([{"name": COOKIE, "value": kept, "url": served_app.url}])
        other = thief.new_page()
        other.goto(f"{served_app.url}/search")
        expect_sign_in_form(other)
        expect(other.get_by_role("heading", name="Person search")).to_have_count(0)
    finally:
        thief.close()


def test_an_expired_session_is_refused(served_app, page):
    purpose = "Referral 2026-0402 (browser expiry)"
    sign_in(page, served_app.url, "mash", purpose)
    page.reload()
    expect_signed_in(page, "MASH triage", purpose)
    # Unused for longer than the idle timeout (default 30 minutes): the store says so.
    with open_state(served_app.store.run.store) as con:
        aged = con.execute(
            "UPDATE sign_in_sessions SET last_seen = last_seen - INTERVAL 31 MINUTE "
            "WHERE purpose = $purpose AND ended_at IS NULL RETURNING session_id",
            {"purpose": purpose},
        ).fetchall()
    assert len(aged) == 1
    page.reload()
    expect_sign_in_form(page)
    with open_state(served_app.store.run.store) as con:
        reason = con.execute("SELECT end_reason FROM sign_in_sessions WHERE purpose = $purpose", {"purpose": purpose}).fetchall()
    assert reason == [("idle",)]


def test_sign_in_opens_the_page_that_was_asked_for(served_app, page, known_person):
    person_id, surname = known_person
    page.goto(f"{served_app.url}/network?person={person_id}")
    expect_sign_in_form(page)
    shoot(page, "sign-in-at-a-page-address")
    page.get_by_label("User name").fill("mash")
    page.get_by_label("Password", exact=True).fill(TEST_USERS["mash"][1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("textbox", name="Purpose").fill("Referral 2026-0403 (browser requested page)")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Family and household network")).to_be_visible()
    assert "/network" in page.url and f"person={person_id}" in page.url
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_page_the_role_may_not_open_says_so_without_a_dialog(served_app, page):
    sign_in(page, served_app.url, "mash", "Referral 2026-0404 (browser refused page)")
    page.goto(f"{served_app.url}/audit")
    expect(page.get_by_role("heading", name="Not available")).to_be_visible()
    settle(page)
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)
