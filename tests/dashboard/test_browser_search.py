"""Search in Debian Chromium: a nickname with the DOB finds the child, and part-matches are shown as near misses."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.dashboard.test_browser import audited, settle, shoot, sign_in


def search(page, name: str, dob: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Date of birth", exact=True).fill(dob)
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    settle(page)


def test_olly_with_the_dob_finds_the_child_and_near_misses_say_why(served_app, page, oliver):
    person_id, surname, dob = oliver
    purpose = "Referral 2026-0600 (browser nickname search)"
    sign_in(page, served_app.url, "mash", purpose)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Person search").click()
    search(page, f"Olly {surname.title()}e", dob)
    expect(page.get_by_text("best match first")).to_be_visible()
    expect(page.get_by_text("Nobody matches")).to_have_count(0)
    shoot(page, "search-olly")
    assert audited(served_app.store, purpose, "search")[0].detail.count(person_id) == 1
    search(page, f"Zebedee {surname.title()}", dob)
    expect(page.get_by_role("heading", name="Near misses")).to_be_visible()
    expect(page.get_by_text("Nobody matches every term")).to_be_visible()
    shoot(page, "search-near-misses")
    page.get_by_test_id("stDataFrame").first.click(position={"x": 18, "y": 35 + 17})
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    assert f"person={person_id}" in page.url
