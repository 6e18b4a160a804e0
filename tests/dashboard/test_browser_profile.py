"""The profile in Debian Chromium: it opens on the summary, and no tab shows "None", "nan", "NaT" or an ISO date.

Table cells are read from the grid's accessible table (what a screen reader reads,
and what the canvas draws for text cells), tab by tab.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.dashboard.test_browser import settle, shoot, sign_in

#: What a cell or a line must never read: a missing value shown as such, or a date in ISO form.
UNREADABLE_CELL = re.compile(r"^(None|nan|NaN|NaT|<NA>)$|\d{4}-\d{2}-\d{2}")
UNREADABLE_TEXT = re.compile(r"\b(None|NaT|nan)\b|\d{4}-\d{2}-\d{2}")


def test_the_profile_opens_on_the_summary_and_no_tab_shows_none_or_iso_dates(served_app, page, child_at_home):
    sign_in(page, served_app.url, "mash", "Referral 2026-0700 (browser profile summary)")
    page.goto(f"{served_app.url}/profile?person={child_at_home}")
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    settle(page)
    tabs = page.get_by_role("tab")
    expect(tabs.first).to_have_text("Summary")
    expect(tabs.first).to_have_attribute("aria-selected", "true")
    summary = page.get_by_role("tabpanel", name="Summary")
    headings = summary.get_by_role("heading").all_inner_texts()
    assert headings[0] == "Lives with" and headings[-1] == "Agencies involved", headings
    assert re.fullmatch(r"Open flags \([1-9]\d*\)", headings[1]), headings
    # The summary starts within the first screen, under the person's name.
    lives_with = summary.get_by_role("heading", name="Lives with")
    assert lives_with.bounding_box()["y"] < page.viewport_size["height"]
    expect(summary.get_by_text("Child in DA household", exact=True)).to_be_visible()
    expect(summary.locator("[data-testid=stDataFrame]")).to_have_count(2)
    shoot(page, "profile-summary")

    seen = {}
    for index in range(tabs.count()):
        tab = tabs.nth(index)
        name = tab.inner_text()
        tab.click()
        settle(page)
        panel = page.get_by_role("tabpanel", name=name)
        cells = panel.locator("[data-testid=stDataFrame] td").all_inner_texts()
        seen[name] = len(cells)
        assert not [c for c in cells if UNREADABLE_CELL.search(c)], f"{name}: {[c for c in cells if UNREADABLE_CELL.search(c)][:5]}"
        words = panel.inner_text()
        assert not UNREADABLE_TEXT.search(words), f"{name}: {UNREADABLE_TEXT.findall(words)[:5]}"
    assert all(count > 0 for count in seen.values()), f"every tab shows a table: {seen}"
