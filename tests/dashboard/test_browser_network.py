"""The family network in Debian Chromium: one labelled line per pair, and the header and tabs counting alike.

The chart is a canvas, so what it draws is checked by eye in the screenshots
(``network-family``, ``network-family-2-steps``); the counts and tables are checked here.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from linkage.explore import person_network
from linkage.store import open_results
from tests.dashboard.test_browser import settle, shoot, sign_in

UNREADABLE_CELL = re.compile(r"^(None|nan|NaN|NaT|<NA>)$|\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def family(dashboard_store) -> tuple[str, int, int]:
    """A flagged child whose family and household lines merge: id, people and lines at one step."""
    with open_results(dashboard_store.run.store) as con:
        children = con.execute(
            "SELECT DISTINCT person_id FROM flags WHERE code = 'child_in_da_household' ORDER BY person_id"
        ).fetchall()
        for (person_id,) in children:
            network = person_network(con.cursor(), person_id, 1)
            if 4 <= network.people_count <= 8 and network.link_count < len(network.edges):
                return person_id, network.people_count, network.link_count
    pytest.fail("no flagged child has a family whose lines merge")


def test_the_network_counts_what_it_draws_one_line_per_pair(served_app, page, family):
    person_id, people, lines = family
    sign_in(page, served_app.url, "mash", "Referral 2026-0800 (browser network)")
    page.goto(f"{served_app.url}/network?person={person_id}")
    expect(page.get_by_role("heading", name="Family and household network")).to_be_visible()
    settle(page)
    expect(page.get_by_text(f"{people} people · {lines} links")).to_be_visible()
    expect(page.get_by_role("tab", name=f"People ({people})")).to_be_visible()
    expect(page.get_by_role("tab", name=f"Links ({lines})")).to_be_visible()
    expect(page.get_by_text("child (under 18) with a safeguarding flag").first).to_be_visible()
    expect(page.get_by_text("adult with a safeguarding flag").first).to_be_visible()
    expect(page.frame_locator("iframe").first.locator("canvas").first).to_be_visible()
    shoot(page, "network-family")

    page.get_by_role("tab", name=f"Links ({lines})").click()
    settle(page)
    cells = page.get_by_role("tabpanel", name=f"Links ({lines})").locator("[data-testid=stDataFrame] td").all_inner_texts()
    assert any(" · " in c for c in cells), "a merged line lists each way the pair is linked"
    assert not [c for c in cells if UNREADABLE_CELL.search(c)]

    page.get_by_text("2 steps", exact=True).click()
    expect(page.get_by_text(re.compile(r"within 2 steps: \d+ people · \d+ links"))).to_be_visible()
    settle(page)
    shoot(page, "network-family-2-steps")
