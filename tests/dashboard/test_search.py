"""The search page finds resolved people (nicknames included) and records every search."""

from __future__ import annotations

import pytest

from linkage.accountability import audit
from linkage.accountability.access import UserRole
from linkage.store import open_state


def _search(at, **typed):
    inputs = {t.label: t for t in at.text_input}
    for label, value in typed.items():
        inputs[label].input(value)
    next(b for b in at.button if b.label == "Search").click().run()
    return at


def test_nickname_finds_the_person_and_the_search_is_audited(app_as, dashboard_store, william):
    person_id, surname = william
    purpose = "test_search: nickname"
    at = app_as(UserRole.MASH_ANALYST, "search", purpose=purpose)
    _search(at, **{"Name": f"Bill {surname.title()}"})
    assert not at.exception and not at.error
    found = at.dataframe[0].value
    assert person_id in set(found.person_id)
    row = found.set_index("person_id").loc[person_id]
    assert "nickname" in row.why_matched
    with open_state(dashboard_store.run.store) as con:
        events = audit.read(con, action="search", text="test_search: nickname")
    assert len(events) == 1
    assert events[0].user_name == "mash" and events[0].purpose == purpose
    assert f"name=Bill {surname.title()}" == events[0].target


CASES = [
    ("nothing typed: a warning, no search, no audit row", {}, "warning"),
    ("an unusable NHS number is reported", {"NHS number": "123"}, "warning"),
    ("nobody by that name", {"Name": "Zzyzx Qwertyuiop"}, "info"),
]


@pytest.mark.parametrize(("description", "typed", "shown"), CASES, ids=[c[0] for c in CASES])
def test_searches_that_find_nobody_say_so(app_as, dashboard_store, description, typed, shown):
    purpose = f"test_search: {description}"
    at = app_as(UserRole.INTELLIGENCE_ANALYST, "search", purpose=purpose)
    _search(at, **typed)
    assert not at.exception, description
    assert getattr(at, shown), description
    assert not at.dataframe, description
    with open_state(dashboard_store.run.store) as con:
        logged = audit.read(con, action="search", text=purpose)
    assert len(logged) == (1 if typed else 0), description


def test_results_survive_a_rerun_without_a_second_audit_row(app_as, dashboard_store, william):
    person_id, surname = william
    purpose = "test_search: rerun"
    at = app_as(UserRole.LINKAGE_ADMIN, "search", purpose=purpose)
    _search(at, **{"Name": surname})
    at.run()
    assert person_id in set(at.dataframe[0].value.person_id)
    with open_state(dashboard_store.run.store) as con:
        assert len(audit.read(con, action="search", text=purpose)) == 1


def test_olly_with_the_dob_finds_oliver(app_as, oliver):
    person_id, surname, dob = oliver
    at = app_as(UserRole.MASH_ANALYST, "search", purpose="test_search: olly")
    _search(at, **{"Name": f"Olly {surname.title()}e", "Date of birth": dob})
    assert not at.exception and not at.error
    found = at.dataframe[0].value
    assert found.person_id.iloc[0] == person_id
    assert "forename nickname" in found.why_matched.iloc[0]


def test_a_dob_and_surname_candidate_is_shown_as_a_near_miss(app_as, oliver):
    person_id, surname, dob = oliver
    at = app_as(UserRole.MASH_ANALYST, "search", purpose="test_search: near miss")
    _search(at, **{"Name": f"Zebedee {surname.title()}", "Date of birth": dob})
    assert not at.exception and not at.error
    assert "Near misses" in [h.value for h in at.subheader]
    shown = {person for table in at.dataframe for person in table.value.person_id}
    assert person_id in shown
    row = next(t.value for t in at.dataframe if person_id in set(t.value.person_id)).set_index("person_id").loc[person_id]
    assert "forename: no match" in row.why_matched and "DOB: " in row.why_matched
