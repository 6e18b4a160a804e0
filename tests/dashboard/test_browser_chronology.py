"""The chronology in Debian Chromium: a profile's Chronology tab, with family, exported as CSV and a printable page, audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from linkage.explore import family_members
from linkage.store import open_results
from tests.dashboard.conftest import SCREENSHOTS
from tests.dashboard.test_browser import audited, settle, shoot, sign_in


@pytest.fixture(scope="module")
def person(dashboard_store) -> tuple[str, dict[str, str]]:
    """A person known to three agencies with family or household: id and family members."""
    with open_results(dashboard_store.run.store) as con:
        for (person_id,) in con.execute(
            "SELECT person_id FROM persons WHERE len(agencies) >= 3 ORDER BY records DESC, person_id LIMIT 20"
        ).fetchall():
            members = family_members(con.cursor(), person_id)
            if members:
                return person_id, members
    pytest.fail("no person known to three agencies has family or household")


def test_the_chronology_is_shown_exported_and_printed(served_app, page, person):
    person_id, members = person
    purpose = "Strategy discussion 2026-0311 (browser chronology)"
    sign_in(page, served_app.url, "mash", purpose)
    page.goto(f"{served_app.url}/profile?person={person_id}")
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    page.get_by_role("tab", name="Chronology").click()
    panel = page.get_by_role("tabpanel", name="Chronology")
    expect(panel.get_by_text("oldest first")).to_be_visible()
    shoot(page, "profile-chronology")

    panel.get_by_text("Include family and household").click()
    expect(panel.get_by_text("family or household member")).to_be_visible()
    settle(page)
    shoot(page, "profile-chronology-family")
    with page.expect_download() as download:
        panel.get_by_role("button", name="Download chronology (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert {row["person_id"] for row in rows} == {person_id, *members}
    assert [row["date"] for row in rows if row["date"]] == sorted(
        (row["date"] for row in rows if row["date"]), key=lambda d: (d[6:], d[3:5], d[:2])
    )
    with page.expect_download() as printable:
        panel.get_by_role("button", name="Download printable chronology (HTML)").click()
    printed = printable.value.path().read_text(encoding="utf-8")
    assert "<table>" in printed and "@media print" in printed
    assert printed.count("<tr>") == len(rows) + 1

    exports = audited(served_app.store, purpose, "export")
    assert sorted((e.target, json.loads(e.detail)["format"], json.loads(e.detail)["rows"]) for e in exports) == [
        (person_id, "csv", len(rows)), (person_id, "html", len(rows)),
    ]
    assert all(json.loads(e.detail)["people"] == sorted(members) for e in exports)
    views = [json.loads(e.detail) for e in audited(served_app.store, purpose, "view_person") if "chronology" in e.detail]
    assert views == [{"page": "profile", "view": "chronology", "family": True, "people": sorted(members)}]

    # The printable page as a reader prints it.
    page.set_content(printed)
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "chronology-printable.png"), full_page=True)
    page.pdf(path=str(SCREENSHOTS / "chronology-printable.pdf"), landscape=True, format="A4")
