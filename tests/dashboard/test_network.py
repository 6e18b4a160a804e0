"""The network page renders a person's network, follows a depth change, and audits each view."""

from __future__ import annotations

import pytest

from linkage import audit
from linkage.access import Role
from linkage.explore import person_network
from linkage.store import open_results, open_state


@pytest.fixture(scope="module")
def child(dashboard_store) -> dict:
    """A child in a DA household, and the people within one and two steps of them."""
    con = open_results(dashboard_store.run.store)
    try:
        children = con.execute(
            "SELECT person_id FROM flags WHERE code = 'child_in_da_household' ORDER BY flag_id LIMIT 20"
        ).fetchall()
        for (person_id,) in children:
            near, far = (set(person_network(con, person_id, d).nodes["id"]) for d in (1, 2))
            if near < far:
                return {"id": person_id, 1: near, 2: far}
        raise AssertionError("no flagged child has people two steps away")
    finally:
        con.close()


def test_network_renders_and_follows_depth(app_as, dashboard_store, child):
    purpose = "test_network: child in DA household"
    at = app_as(Role.MASH_ANALYST, "network", purpose=purpose)
    at.text_input(key="viewing_typed_person_id").input(child["id"]).run()
    assert not at.exception and not at.error
    assert set(at.dataframe[0].value["id"]) == child[1]
    links = at.dataframe[1].value
    assert len(links) and set(links["relationship"]) <= {"perpetrator-victim", "family", "household", "co-involvement"}
    assert "1 step" in at.markdown[0].value

    at.segmented_control(key="network_depth").set_value(2).run()
    assert not at.exception
    assert set(at.dataframe[0].value["id"]) == child[2]
    with open_state(dashboard_store.run.store) as con:
        views = audit.read(con, action="view_person", target=child["id"], text=purpose)
    assert sorted(v.detail for v in views) == ['{"depth": 1, "page": "network"}', '{"depth": 2, "page": "network"}']


def test_network_without_a_person_asks_for_one(app_as):
    at = app_as(Role.MASH_ANALYST, "network", purpose="test_network: empty")
    assert not at.exception
    assert at.info and "Open a person" in at.info[0].value
