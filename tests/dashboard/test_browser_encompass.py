"""The Operation Encompass list downloads in Debian Chromium as an audited export naming the people it lists."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from linkage.encompass import encompass_target
from tests.dashboard.test_browser import audited, settle, sign_in
from tests.dashboard.test_encompass import LABEL, busiest_day


@pytest.fixture(scope="module")
def busiest(dashboard_store):
    return busiest_day(dashboard_store)


def test_the_list_for_a_day_downloads_and_is_audited(served_app, page, busiest):
    when, found = busiest
    purpose = "Encompass notifications (browser test)"
    sign_in(page, served_app.url, "mash", purpose)
    settle(page)
    page.get_by_text(LABEL).click()
    # The date field is three spin buttons (day, month, year); typing each one's digits sets it.
    for part, value in (("day", f"{when:%d}"), ("month", f"{when:%m}"), ("year", f"{when:%Y}")):
        field = page.get_by_role("spinbutton", name=f"{part}, Incidents on")
        field.click()
        page.keyboard.type(value)
    page.get_by_role("heading", name="MASH triage").click()  # leaving the field sets the date
    settle(page)
    expect(page.get_by_text(f"children present at a DA incident on {when:%d/%m/%Y}")).to_be_visible()
    assert not audited(served_app.store, purpose, "export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the list (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [r["person_id"] for r in rows] == found.rows["person_id"].tolist()
    assert {r["incident_date"] for r in rows} == {when.isoformat()}
    (event,) = audited(served_app.store, purpose, "export")
    assert event.target == encompass_target(when, None)
    assert json.loads(event.detail) == {
        "page": "triage", "day": when.isoformat(), "areas": [], "people": sorted(set(found.rows["person_id"])),
        "file": f"encompass-{when.isoformat()}.csv", "rows": len(rows),
    }
