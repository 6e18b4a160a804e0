"""Decisions on flags in Debian Chromium: a decision recorded on the profile persists across a run.

The run here is a second full ``mash run`` over the same extracts into the shared
store: it makes a new results file with the same people (ids are stable) and re-creates
every flag, which is exactly what a decision has to survive.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from linkage.batch import run_all
from linkage.store import layout, open_results, open_state
from tests.dashboard.test_browser import audited, settle, shoot, sign_in


def open_flags_tab(page: Page) -> None:
    page.get_by_role("tab", name=re.compile(r"^Flags")).click()
    settle(page)


def test_a_flag_decision_persists_across_a_run(served_app, page, single_flagged):
    # The last one, clear of the first few the AppTests decide on.
    person_id, code, surname = single_flagged[-1]
    purpose = "Referral 2026-0600 (browser flag decision)"
    rationale = "MARAC referral made after the strategy discussion (browser test)."
    sign_in(page, served_app.url, "mash", purpose)
    page.goto(f"{served_app.url}/profile?person={person_id}")
    expect(page.get_by_role("heading", name=surname, exact=False).first).to_be_visible()
    open_flags_tab(page)
    expect(page.get_by_text("Decision: New.")).to_be_visible()
    page.get_by_text("Actioned", exact=True).click()
    page.get_by_test_id("stSelectbox").filter(has_text="Outcome").click()
    page.get_by_role("option", name="MARAC referral").click()
    page.get_by_role("textbox", name="Owner").fill("MASH team C")
    page.get_by_role("textbox", name="Rationale").fill(rationale)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded: Actioned: MARAC referral")).to_be_visible()
    shoot(page, "flag-decision-recorded")
    decided = audited(served_app.store, purpose, "flag_decide")
    assert len(decided) == 1 and decided[0].target == person_id and '"marac_referral"' in decided[0].detail

    before = layout(served_app.store.run.store).current()
    run_all(served_app.store.run)  # every flag re-created in a new results file
    after = layout(served_app.store.run.store).current()
    assert after != before
    with open_results(served_app.store.run.store) as con:
        assert con.execute(
            "SELECT count(*) FROM flags WHERE person_id = $p AND CAST(code AS VARCHAR) = $c", {"p": person_id, "c": code}
        ).fetchone()[0] == 1, "the flag is raised again by the new run"

    page.reload()
    expect(page.get_by_role("heading", name=surname, exact=False).first).to_be_visible()
    open_flags_tab(page)
    expect(page.get_by_text("Decision: Actioned: MARAC referral · owner MASH team C")).to_be_visible()
    expect(page.get_by_text(rationale)).to_be_visible()
    expect(page.get_by_test_id("stExpander").filter(has_text=re.compile(r"severity \d+ · Actioned: MARAC referral"))).to_be_visible()
    shoot(page, "flag-decision-after-run")

    # Triage: the run is compared with the one before (same extracts: nothing raised or cleared), and the
    # person is among those with an actioned flag.
    page.get_by_test_id("stSidebar").get_by_role("link", name="MASH triage").click()
    expect(page.get_by_role("heading", name="MASH triage")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Since the run before: 0 flags raised"))).to_be_visible()
    page.get_by_test_id("stMultiSelect").filter(has_text="Decision").click()
    page.get_by_role("option", name="Actioned").click()
    page.keyboard.press("Escape")
    settle(page)
    with open_state(served_app.store.run.store) as state:
        actioned = {
            row[0] for row in state.execute(
                "SELECT person_id FROM flag_decisions QUALIFY row_number() OVER "
                "(PARTITION BY flag_code, person_id ORDER BY decided_at DESC) = 1 AND status = 'actioned'"
            ).fetchall()
        }
    with open_results(served_app.store.run.store) as con:
        flagged = {row[0] for row in con.execute("SELECT DISTINCT person_id FROM flags").fetchall()}
    assert person_id in actioned & flagged
    expect(page.get_by_text(re.compile(rf"^{len(actioned & flagged)} flagged people"))).to_be_visible()
    shoot(page, "triage-actioned")


@pytest.fixture(scope="module")
def involved(dashboard_store) -> tuple[str, str, str, str]:
    """A victim named on a perpetrator's flag: their id, the perpetrator's name and DOB (dd/mm/yyyy) and id."""
    with open_results(dashboard_store.run.store) as con:
        victim, name, dob, perpetrator = con.execute(
            "SELECT e.person_id, concat_ws(' ', p.forename, p.surname), TRY_CAST(p.dob AS DATE), f.person_id "
            "FROM flags AS f JOIN persons AS p USING (person_id) "
            "JOIN (SELECT e.flag_id, c.person_id FROM flag_evidence AS e JOIN clusters AS c USING (unique_id) "
            "      WHERE e.role = 'victim') AS e USING (flag_id) "
            "WHERE CAST(f.code AS VARCHAR) = 'serial_perpetrator' AND e.person_id <> f.person_id AND p.dob IS NOT NULL "
            "ORDER BY f.flag_id, e.person_id LIMIT 1"
        ).fetchone()
    return victim, name, dob.strftime("%d/%m/%Y"), perpetrator


def test_flags_name_the_people_they_are_about(served_app, page, involved):
    victim, name, dob, perpetrator = involved
    sign_in(page, served_app.url, "mash", "Referral 2026-0601 (browser flag names)")
    page.goto(f"{served_app.url}/profile?person={victim}")
    expect(page.get_by_role("heading", name="Person profile")).to_be_visible()
    open_flags_tab(page)
    title = page.get_by_test_id("stExpander").filter(has_text="Serial perpetrator").first.locator("summary")
    expect(title).to_contain_text(f"about {name} (born {dob}): this person as victim")
    assert not re.search(r"MP\d{7}", title.inner_text()), "the title names the person, not their id"
    page.get_by_test_id("stExpander").filter(has_text="Serial perpetrator").first.locator("summary").click()
    settle(page)
    body = page.get_by_test_id("stExpander").filter(has_text="Serial perpetrator").first
    expect(body.get_by_text(f"recorded on the profile of the person it is about ({perpetrator})")).to_be_visible()
    expect(body.get_by_text("{")).to_have_count(0)  # parameters in words, no JSON
    shoot(page, "profile-flags-named")
