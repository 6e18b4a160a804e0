"""Search in Debian Chromium: a nickname with the DOB finds the child, and part-matches are shown as near misses."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linkage.store import open_results
from tests.dashboard.test_browser import audited, settle, shoot, sign_in


@pytest.fixture(scope="module")
def olivers_child(dashboard_store) -> tuple[str, str, str]:
    """A child recorded as OLIVER with a DOB (the most-recorded one): id, surname, DOB as dd/mm/yyyy."""
    with open_results(dashboard_store.run.store) as con:
        person_id, surname, dob = con.execute(
            "SELECT c.person_id, r.surname, r.dob FROM records AS r JOIN clusters AS c USING (unique_id) "
            "JOIN persons AS p USING (person_id) WHERE r.forename = 'OLIVER' AND r.surname IS NOT NULL "
            "AND r.dob > current_date - INTERVAL 18 YEAR ORDER BY p.records DESC, r.unique_id LIMIT 1"
        ).fetchone()
    return person_id, surname, dob.strftime("%d/%m/%Y")


def search(page, name: str, dob: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Date of birth", exact=True).fill(dob)
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    settle(page)


def test_olly_with_the_dob_finds_the_child_and_near_misses_say_why(served_app, page, olivers_child):
    person_id, surname, dob = olivers_child
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
