"""The review queue in Debian Chromium: a decided pair leaves the queue at once, and each row says why it is there."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from linkage.store import open_state
from tests.dashboard.test_browser import select_first_row, settle, shoot, sign_in

COUNTS = re.compile(r"([\d,]+) groups of records to review \(([\d,]+) undecided pairs\); ([\d,]+) review-band pairs decided")


def queue_counts(page: Page) -> tuple[int, int, int]:
    """(groups, undecided pairs, decided pairs) as the queue's caption states them."""
    settle(page)
    text = page.get_by_text(COUNTS).inner_text()
    return tuple(int(n.replace(",", "")) for n in COUNTS.search(text).groups())


def test_a_decided_pair_leaves_the_queue_at_once(served_app, page):
    reason = "forenames differ and the DOBs are a decade apart (browser review queue)"
    sign_in(page, served_app.url, "admin", "Linkage QA 2026-12 (browser review queue)")
    page.get_by_test_id("stSidebar").get_by_role("link", name="Linkage review").click()
    expect(page.get_by_role("heading", name="Linkage review")).to_be_visible()
    groups, undecided, decided = queue_counts(page)
    assert groups > 0 and undecided >= groups
    shoot(page, "review-queue")
    select_first_row(page)
    expect(page.get_by_role("button", name="Save decision")).to_be_visible()
    settle(page)
    # Only identity fields are marked as agreeing or not; the record's own details are not disagreements.
    heading = page.get_by_role("heading", name=re.compile("↔")).inner_text()
    shoot(page, "review-pair")  # the pair side by side with its match weights (docs/screenshots/review.png)
    left, right = (part.strip() for part in heading.split("↔"))
    page.get_by_text("Reject: different people").click()
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text(re.compile("Saved: reject; the next run applies it. The pair has left the review queue"))).to_be_visible()
    after = queue_counts(page)
    assert after[1:] == (undecided - 1, decided + 1), "the pair is decided at once, not at the next run"
    assert after[0] in (groups - 1, groups), "its group goes, or stays listed by another undecided pair"
    shoot(page, "review-decided")
    with open_state(served_app.store.run.store) as con:
        saved = con.execute("SELECT unique_id_l, unique_id_r, decision FROM review_decisions WHERE reason = $r", {"r": reason}).fetchall()
    assert saved == [(left, right, "reject")]
