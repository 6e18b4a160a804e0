"""The profile's chronology tab: the person's events from every agency, then their family's; views and exports audited."""

from __future__ import annotations

import json

import pytest

from linkage.accountability import audit
from linkage.accountability.access import UserRole
from linkage.explore import chronology, family_members
from linkage.store import open_results, open_state


@pytest.fixture(scope="module")
def known(dashboard_store) -> dict:
    """A person known to three agencies with family or household, their chronology and their family's."""
    con = open_results(dashboard_store.run.store)
    try:
        candidates = [row[0] for row in con.execute(
            "SELECT person_id FROM persons WHERE len(agencies) >= 3 ORDER BY records DESC, person_id LIMIT 20"
        ).fetchall()]
        for person_id in candidates:
            members = family_members(con.cursor(), person_id)
            if members:
                return {
                    "id": person_id, "members": members, "own": chronology(con.cursor(), person_id),
                    "family": chronology(con.cursor(), person_id, members),
                }
    finally:
        con.close()
    pytest.fail("no person known to three agencies has family or household")


def _chronology_table(at):
    tables = [d.value for d in at.dataframe if "match_probability" in d.value.columns]
    assert len(tables) == 1, "one chronology table"
    return tables[0]


def test_the_chronology_tab_shows_the_person_then_their_family_and_audits_the_family_view(app_as, dashboard_store, known):
    purpose = "test_chronology: strategy discussion"
    at = app_as(UserRole.MASH_ANALYST, "profile", purpose=purpose, person_id=known["id"])
    assert not at.exception and not at.error
    assert any(t.label == "Chronology" for t in at.tabs)
    own = _chronology_table(at)
    assert list(own["record_id"]) == list(known["own"]["record_id"])
    assert list(own["date"]) == list(known["own"]["date"])
    assert set(own["person_id"]) == {known["id"]}
    assert own["agency"].isin(["Police", "Children's social care", "Health", "Education", "Probation", "Housing", "Other"]).all()
    assert own["link"].ne("").all() and own["role"].ne("").any()
    assert {b.proto.label for b in at.get("download_button")} >= {
        "Download chronology (CSV)", "Download printable chronology (HTML)",
    }
    with open_state(dashboard_store.run.store) as con:
        before = audit.read(con, action="view_person", target=known["id"], text=purpose)
    assert len(before) == 1 and json.loads(before[0].detail) == {"page": "profile"}, "the tab is part of the profile view"

    at.toggle(key=f"chronology_family_{known['id']}").set_value(True).run()
    assert not at.exception and not at.error
    family = _chronology_table(at)
    assert list(family["record_id"]) == list(known["family"]["record_id"])
    assert set(family["person_id"]) == {known["id"], *known["members"]}
    assert (family.loc[family["person_id"] == known["id"], "relationship"] == "this person").all()
    at.run()  # a rerun of the same family view is not audited again
    with open_state(dashboard_store.run.store) as con:
        views = audit.read(con, action="view_person", target=known["id"], text=purpose)
    chronologies = [json.loads(v.detail) for v in views if "chronology" in v.detail]
    assert chronologies == [
        {"page": "profile", "view": "chronology", "family": True, "people": sorted(known["members"])},
    ]
