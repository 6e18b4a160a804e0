"""The real app in Debian Chromium: sign-in, triage, search, a profile, the network, a review decision.

Each test saves full-page screenshots under ``test-output/screenshots/`` (look at them:
clutter, clipping and empty views are bugs the assertions cannot see).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from linkage.accountability import audit
from linkage.store import open_results, open_state
from tests.dashboard.conftest import SCREENSHOTS, TEST_USERS, existing_pages


def sign_in(page: Page, url: str, name: str, purpose: str) -> None:
    """Sign in through the form and state a purpose; ends on the triage page."""
    page.goto(url)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(TEST_USERS[name][1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("textbox", name="Purpose").fill(purpose)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="MASH triage")).to_be_visible()


def settle(page: Page) -> None:
    """Wait until Streamlit has finished the script run and drawn every element (no loading skeletons)."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
        }""",
        timeout=30_000,
    )
    page.wait_for_timeout(500)  # data grids and charts paint on the next frames


def shoot(page: Page, name: str) -> None:
    """Save the whole page: Streamlit scrolls inside its main pane, so the window is made as tall as the pane."""
    settle(page)
    viewport = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]')]
                           .map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": min(max(viewport["height"], height), 8000)})
    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
    page.wait_for_timeout(600)  # the grids and charts redraw for the new size
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(viewport)


def select_first_row(page: Page, grid: int = 0) -> None:
    """Tick the first data row of a dataframe (its row-selection checkbox on the canvas)."""
    # The grid is a canvas: the checkbox sits in the first column of the row below the 35 px header.
    page.get_by_test_id("stDataFrame").nth(grid).click(position={"x": 18, "y": 35 + 17})


def audited(store, purpose: str, action: str) -> list[audit.AuditEvent]:
    with open_state(store.run.store) as con:
        return audit.read(con, action=action, text=purpose)


def test_sign_in_refuses_a_wrong_password_then_lands_on_triage(served_app, page):
    page.goto(served_app.url)
    expect(page.get_by_role("heading", name="MASH Link")).to_be_visible()
    shoot(page, "sign-in")
    page.get_by_label("User name").fill("mash")
    page.get_by_label("Password", exact=True).fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    sign_in(page, served_app.url, "mash", "Referral 2026-0193: strategy discussion (browser sign-in)")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("MASH analyst")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    shoot(page, "triage")


def test_a_role_cannot_open_a_page_by_its_address(served_app, page):
    sign_in(page, served_app.url, "mash", "Referral 2026-0194 (browser page access)")
    page.goto(f"{served_app.url}/audit")
    settle(page)
    # The refusal itself, not just the audit log's absence (which a blank page would pass).
    expect(page.get_by_role("heading", name="Not available")).to_be_visible()
    expect(page.get_by_text("Your role may not open this page.")).to_be_visible()
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)


def test_search_by_nickname_and_open_the_profile(served_app, page, william):
    person_id, surname = william
    purpose = "Referral 2026-0195 (browser search)"
    sign_in(page, served_app.url, "mash", purpose)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Person search").click()
    page.get_by_label("Name", exact=True).fill(f"Bill {surname.title()}")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text(re.compile(r"best match first"))).to_be_visible()
    shoot(page, "search")
    assert audited(served_app.store, purpose, "search")
    select_first_row(page)
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    assert "person=" in page.url
    shoot(page, "profile")
    viewed = audited(served_app.store, purpose, "view_person")
    assert viewed and viewed[0].target and viewed[0].target.startswith("MP")


def test_triage_row_opens_the_person(served_app, page):
    purpose = "Referral 2026-0196 (browser triage)"
    sign_in(page, served_app.url, "mash", purpose)
    settle(page)
    select_first_row(page)
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    shoot(page, "profile-from-triage")
    top = re.search(r"person=(MP\d+)", page.url).group(1)
    with open_results(served_app.store.run.store) as con:
        severest = con.execute("SELECT max(severity) FROM flags").fetchone()[0]
        assert con.execute("SELECT max(severity) FROM flags WHERE person_id = $p", {"p": top}).fetchone()[0] == severest


def open_first_family_network(page: Page) -> None:
    """From the triage queue: the first person's profile, then their family network."""
    settle(page)
    select_first_row(page)
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Family network").click()
    expect(page.get_by_role("heading", name="Family and household network")).to_be_visible()
    settle(page)


def test_network_page(served_app, page):
    purpose = "Referral 2026-0197 (browser network)"
    sign_in(page, served_app.url, "mash", purpose)
    open_first_family_network(page)
    expect(page.frame_locator("iframe").first.locator("canvas").first).to_be_visible()
    shoot(page, "network")


def test_review_decision_is_saved_and_audited(served_app, page):
    purpose = "Linkage QA 2026-11 (browser review)"
    reason = "different DOB years and no shared identifier (browser test)"
    sign_in(page, served_app.url, "admin", purpose)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Linkage review").click()
    expect(page.get_by_role("heading", name="Linkage review")).to_be_visible()
    settle(page)
    select_first_row(page)
    expect(page.get_by_text("Save decision")).to_be_visible()
    settle(page)
    page.get_by_text("Reject: different people").click()
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text(re.compile("Saved: reject"))).to_be_visible()
    shoot(page, "review")
    with open_state(served_app.store.run.store) as con:
        saved = con.execute(
            "SELECT decision, reviewer FROM review_decisions WHERE reason = $r", {"r": reason}
        ).fetchall()
    assert saved == [("reject", "admin")]
    decided = audited(served_app.store, purpose, "review_decide")
    assert len(decided) == 1 and '"reject"' in decided[0].detail


#: (page, its link in the navigation, its heading).
ADMIN_PAGES = [
    ("intelligence", "Intelligence", "Serial and repeat perpetrators"),
    ("quality", "Linkage quality", "Linkage quality and runs"),
    ("audit", "Audit log", "Audit log"),
]


@pytest.mark.parametrize(("stem", "link", "heading"), ADMIN_PAGES, ids=[p[0] for p in ADMIN_PAGES])
def test_admin_pages_render(served_app, page, stem, link, heading):
    assert stem in existing_pages()
    sign_in(page, served_app.url, "admin", f"Quality check (browser {stem})")
    page.get_by_test_id("stSidebar").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shoot(page, stem)


def test_audit_log_download_is_itself_audited(served_app, page):
    purpose = "DPO review of access (browser audit export)"
    sign_in(page, served_app.url, "admin", purpose)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Audit log").click()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download these events (CSV)").click()
    text = download.value.path().read_text()
    assert text.startswith("event_id,logged_at,user_name,role,action,target,purpose,detail")
    assert purpose in text  # this session's own sign-in is in the file
    settle(page)
    exported = audited(served_app.store, purpose, "export")
    assert len(exported) == 1 and exported[0].target == "audit_log"
