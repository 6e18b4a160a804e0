"""Downloads in Debian Chromium: no table offers Streamlit's own CSV download or cell copy; the audited export works."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import Page, expect

from linkage.store import open_results
from tests.dashboard.test_browser import audited, settle, shoot, sign_in

SENTINEL = "clipboard untouched"


@pytest.fixture(scope="module")
def surname(dashboard_store) -> str:
    """A surname several people share, so a search lists a few."""
    with open_results(dashboard_store.run.store) as con:
        return con.execute(
            "SELECT surname FROM persons WHERE surname IS NOT NULL GROUP BY surname HAVING count(*) BETWEEN 3 AND 20 "
            "ORDER BY count(*) DESC, surname LIMIT 1"
        ).fetchone()[0]


def table_controls(page: Page) -> list[str]:
    """The labels of every visible table's toolbar buttons (shown on hover), table by table."""
    labels = []
    grids = page.locator('[data-testid="stDataFrame"]:visible')
    assert grids.count() > 0, "the page shows a table"
    for index in range(grids.count()):
        grid = grids.nth(index)
        grid.scroll_into_view_if_needed()
        grid.hover()
        toolbar = page.get_by_test_id("stElementToolbar").locator("button:visible")
        expect(toolbar.first).to_be_visible()
        labels += [button.get_attribute("aria-label") or button.inner_text() for button in toolbar.all()]
    return labels


def copy_first_cell(page: Page) -> str:
    """Click the first table's first data cell, press Ctrl+C, and return the clipboard."""
    page.evaluate(f"navigator.clipboard.writeText({json.dumps(SENTINEL)})")
    page.get_by_test_id("stDataFrame").first.click(position={"x": 120, "y": 35 + 17})
    page.keyboard.press("Control+c")
    page.wait_for_timeout(300)
    return page.evaluate("navigator.clipboard.readText()")


def test_tables_cannot_be_downloaded_or_copied_and_the_export_is_audited(served_app, page, surname):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    purpose = "Referral 2026-0501 (browser export)"
    sign_in(page, served_app.url, "mash", purpose)
    settle(page)
    triage = table_controls(page)
    assert "Search" in triage, f"the toolbar was found: {triage}"
    assert not [label for label in triage if "download" in label.lower()], triage
    page.get_by_test_id("stSidebar").get_by_role("link", name="Person search").click()
    page.get_by_label("Name", exact=True).fill(surname.title())
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("best match first")).to_be_visible()
    settle(page)
    results = table_controls(page)
    assert "Search" in results and not [label for label in results if "download" in label.lower()], results
    assert copy_first_cell(page) == SENTINEL, "copying a cell puts nothing on the clipboard"
    expect(page.get_by_role("heading", name="Person search")).to_be_visible()  # the click did not open anyone
    shoot(page, "search-no-builtin-download")
    assert not audited(served_app.store, purpose, "export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download these results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows and all(row["person_id"].startswith("MP") for row in rows)
    exported = audited(served_app.store, purpose, "export")
    assert len(exported) == 1
    assert exported[0].target == f"name={surname.title()}"
    assert json.loads(exported[0].detail) == {"page": "search", "file": "search-results.csv", "rows": len(rows)}


def test_profile_tables_offer_no_builtin_download(served_app, page):
    sign_in(page, served_app.url, "admin", "Quality check (browser profile export)")
    settle(page)
    page.get_by_test_id("stDataFrame").first.click(position={"x": 18, "y": 35 + 17})
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    settle(page)
    controls = table_controls(page)
    assert "Search" in controls and not [label for label in controls if "download" in label.lower()], controls


def test_the_network_chart_has_no_download_of_its_own(served_app, page):
    purpose = "Referral 2026-0502 (browser network export)"
    sign_in(page, served_app.url, "mash", purpose)
    settle(page)
    page.get_by_test_id("stDataFrame").first.click(position={"x": 18, "y": 35 + 17})
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Family network").click()
    expect(page.get_by_role("heading", name="Family and household network")).to_be_visible()
    settle(page)
    chart = page.frame_locator("iframe").first
    expect(chart.locator("canvas").first).to_be_visible()
    expect(chart.locator('[title="Fullscreen"]')).to_be_visible()
    expect(chart.locator('[title="Download as JSON"]')).to_have_count(0)
    expect(chart.locator("dialog")).to_have_count(0)
    shoot(page, "network-no-json-export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download chart data for i2 / Gephi").click()
    assert download.value.suggested_filename.endswith(".zip")
    exported = audited(served_app.store, purpose, "export")
    assert len(exported) == 1 and exported[0].target.startswith("MP")
