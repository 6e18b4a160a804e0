"""Decisions on flags in the dashboard: recorded on the profile, audited, shown and filtered in triage.

The store is shared by the session's dashboard tests, so each test decides on its own
person (one with a single flag, so the person's status is that flag's) and asserts
on rows it can tell apart.
"""

from __future__ import annotations


from linkage.accountability import audit
from linkage.accountability.access import UserRole
from linkage.store import open_state


def flags_tab_markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def decide(at, status: str | None, outcome: str | None, rationale: str, owner: str | None = None):
    at.radio[0].set_value(status)
    if outcome is not None:
        next(s for s in at.selectbox if s.label.startswith("Outcome")).set_value(outcome)
    if owner is not None:
        next(t for t in at.text_input if t.label == "Owner").set_value(owner)
    next(t for t in at.text_area if t.label == "Rationale").set_value(rationale)
    next(b for b in at.button if b.label == "Record decision").click()
    return at.run()


def decisions_for(store, person_id: str) -> list[tuple]:
    with open_state(store.run.store) as con:
        return con.execute(
            "SELECT flag_code, status, outcome, owner, rationale, decided_by FROM flag_decisions WHERE person_id = $p "
            "ORDER BY decided_at", {"p": person_id},
        ).fetchall()


def test_a_decision_is_recorded_audited_and_shown(app_as, dashboard_store, single_flagged):
    person_id, code, _ = single_flagged[0]
    purpose = "Referral 2026-0500 (flag decision AppTest)"
    at = app_as(UserRole.MASH_ANALYST, "profile", purpose=purpose, person_id=person_id)
    assert not at.exception
    assert "**Decision: New.**" in flags_tab_markdown(at)
    # Actioned with no outcome: refused, nothing written.
    at = decide(at, "actioned", None, "Discussed with police.")
    assert any("needs an outcome" in e.value for e in at.error)
    assert decisions_for(dashboard_store, person_id) == []
    at = decide(at, "actioned", "strategy_discussion", "Strategy discussion held with police and CSC.", owner="MASH team B")
    assert not at.exception
    assert decisions_for(dashboard_store, person_id) == [
        (code, "actioned", "strategy_discussion", "MASH team B", "Strategy discussion held with police and CSC.", "mash"),
    ]
    assert any("Decision recorded: **Actioned: Strategy discussion**" in s.value for s in at.success)
    text = flags_tab_markdown(at)
    assert "**Decision: Actioned: Strategy discussion** · owner **MASH team B**" in text
    assert "Strategy discussion held with police and CSC." in text
    with open_state(dashboard_store.run.store) as con:
        (event,) = audit.read(con, action="flag_decide", text=purpose)
    assert (event.user_name, event.target) == ("mash", person_id)
    assert '"status": "actioned"' in event.detail


def test_triage_shows_and_filters_by_decision(app_as, dashboard_store, single_flagged):
    person_id, code, _ = single_flagged[1]
    at = app_as(UserRole.MASH_ANALYST, "profile", person_id=person_id)
    at = decide(at, "under_review", None, "Checking the health record is the same woman.")
    assert decisions_for(dashboard_store, person_id)[-1][1] == "under_review"
    at = app_as(UserRole.MASH_ANALYST, "triage")
    table = at.dataframe[0].value
    assert table.loc[table.person_id == person_id, "status"].tolist() == ["Under review"]
    assert set(table["status"]) >= {"New", "Under review"}
    at.multiselect(key="triage_statuses").select("under_review").run()
    kept = at.dataframe[0].value
    assert person_id in set(kept.person_id)
    assert (kept.status == "Under review").all()
    at.multiselect(key="triage_statuses").unselect("under_review").select("new").run()
    assert person_id not in set(at.dataframe[0].value.person_id), "its only flag is no longer new"


def test_only_the_roles_that_decide_see_the_form(app_as, single_flagged):
    person_id = single_flagged[2][0]
    admin = app_as(UserRole.LINKAGE_ADMIN, "profile", person_id=person_id)
    assert not admin.exception
    assert not [b for b in admin.button if b.label == "Record decision"]
    intel = app_as(UserRole.INTELLIGENCE_ANALYST, "profile", person_id=person_id)
    assert [b for b in intel.button if b.label == "Record decision"]


def test_a_first_run_says_every_flag_is_new(app_as, dashboard_store, tmp_path, monkeypatch):
    """A copy of the store whose flag_changes are a first run's (the shared store may have run again since)."""
    import shutil

    from linkage.store import connect, results_path

    shutil.copytree(dashboard_store.run.store.parent, tmp_path / "store")
    store = tmp_path / "store" / dashboard_store.run.store.name
    con = connect(results_path(store))
    con.execute("DELETE FROM flag_changes")
    con.execute(
        "INSERT INTO flag_changes SELECT DISTINCT 'raised', CAST(code AS VARCHAR), person_id, severity, rule, true FROM flags"
    )
    con.close()
    monkeypatch.setenv("MASH_STORE", str(store))
    at = app_as(UserRole.MASH_ANALYST, "triage", purpose="test_triage: first run")
    assert not at.exception
    assert any("This is the first run: every flag is new to it." in c.value for c in at.caption)


def test_triage_shows_what_the_last_run_raised_and_cleared(app_as, dashboard_store, tmp_path, monkeypatch):
    """A copy of the store whose last run (as its flag_changes say) raised one flag and cleared another."""
    import shutil

    from linkage.store import connect, results_path

    shutil.copytree(dashboard_store.run.store.parent, tmp_path / "store")
    store = tmp_path / "store" / dashboard_store.run.store.name
    con = connect(results_path(store))
    raised_person, raised_code = con.execute(
        "SELECT person_id, CAST(code AS VARCHAR) FROM flags ORDER BY flag_id DESC LIMIT 1").fetchone()
    cleared_person, name = con.execute(
        "SELECT person_id, concat_ws(' ', forename, surname) FROM persons WHERE person_id NOT IN (SELECT person_id FROM flags) "
        "AND surname IS NOT NULL ORDER BY person_id LIMIT 1").fetchone()
    con.execute("DELETE FROM flag_changes")
    con.execute(
        "INSERT INTO flag_changes VALUES ('raised', $rc, $rp, 5, 'a rule', false), "
        "('cleared', 'repeat_victim', $cp, 6, '3+ DA incidents as victim within 365 days', false)",
        {"rc": raised_code, "rp": raised_person, "cp": cleared_person},
    )
    con.close()
    monkeypatch.setenv("MASH_STORE", str(store))
    at = app_as(UserRole.MASH_ANALYST, "triage", purpose="test_triage: flag changes")
    assert not at.exception
    assert any("Since the run before: **1** flags raised" in c.value and "**1** cleared" in c.value for c in at.caption)
    queue = at.dataframe[0].value
    assert queue.loc[queue.person_id == raised_person, "raised"].tolist() == ["New"]
    assert (queue.loc[queue.person_id != raised_person, "raised"] == "").all()
    (expander,) = [e for e in at.expander if e.label == "Cleared by the last run (1)"]
    cleared = at.dataframe[1].value
    assert cleared[["person_id", "name", "flag", "status"]].values.tolist() == [[cleared_person, name, "Repeat victim", "New"]]
    at.toggle(key="triage_raised_only").set_value(True).run()
    assert at.dataframe[0].value.person_id.tolist() == [raised_person]
