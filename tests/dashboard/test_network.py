"""The network page renders a person's network, follows a depth change, and audits each view."""

from __future__ import annotations

import pandas as pd
import pytest

from linkage.accountability import audit
from linkage.accountability.access import UserRole
from dashboard.network_view import NODE_GROUPS, elements
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
    at = app_as(UserRole.MASH_ANALYST, "network", purpose=purpose)
    at.text_input(key="viewing_typed_person_id").input(child["id"]).run()
    assert not at.exception and not at.error
    assert set(at.dataframe[0].value["id"]) == child[1]
    links = at.dataframe[1].value
    kinds = {kind for label in links["relationship"] for kind in label.split(" · ")}
    assert len(links) and kinds <= {"perpetrator-victim", "family", "household", "co-involvement"}
    assert len(set(zip(links["source"], links["target"], strict=True))) == len(links), "one row per pair"
    assert "1 step" in at.markdown[0].value
    # The header and the tabs count the same people and links.
    people, shown = len(at.dataframe[0].value), len(links)
    assert [t.label for t in at.tabs] == [f"People ({people})", f"Links ({shown})"]
    assert f"{people} people · {shown} link" in at.markdown[0].value

    at.segmented_control(key="network_depth").set_value(2).run()
    assert not at.exception
    assert set(at.dataframe[0].value["id"]) == child[2]
    with open_state(dashboard_store.run.store) as con:
        views = audit.read(con, action="view_person", target=child["id"], text=purpose)
    assert sorted(v.detail for v in views) == ['{"depth": 1, "page": "network"}', '{"depth": 2, "page": "network"}']


def test_network_without_a_person_asks_for_one(app_as):
    at = app_as(UserRole.MASH_ANALYST, "network", purpose="test_network: empty")
    assert not at.exception
    assert at.info and "Open a person" in at.info[0].value


def _people(*rows):
    return pd.DataFrame(
        [{"id": i, "label": i, "centre": c, "age_band": band, "flags": flags, "dob": None, "agencies": []}
         for i, c, band, flags in rows]
    )


def _line(source, target, relationship):
    return {"source": source, "target": target, "relationship": relationship, "relationships": relationship.split(" · "),
            "direction": "", "strength": "confirmed", "weakest_link": 1.0, "count": 1, "first_date": None,
            "last_date": None}


def test_children_and_adults_with_flags_are_drawn_in_colours_of_their_own():
    colours = [colour for colour, _ in NODE_GROUPS.values()]
    assert len(set(colours)) == len(colours) == 4
    nodes = _people(("ME", True, "25-44", []), ("KID", False, "5-11", ["child_in_da_household"]),
                    ("DAD", False, "25-44", ["serial_perpetrator"]), ("BABY", False, "0-4", []), ("GRAN", False, None, []))
    drawn = {n["data"]["id"]: n["data"]["label"] for n in elements(nodes, pd.DataFrame([_line("ME", "KID", "family")]))["nodes"]}
    assert drawn == {"ME": "adult|centre", "KID": "child-flagged", "DAD": "adult-flagged", "BABY": "child", "GRAN": "adult"}


def test_the_opened_persons_lines_are_labelled_and_in_a_small_chart_every_line():
    lines = pd.DataFrame([_line("ME", "KID", "family · household"), _line("KID", "DAD", "household"),
                          _line("DAD", "ME", "perpetrator-victim · household")])
    three = _people(("ME", True, "25-44", []), ("KID", False, "5-11", []), ("DAD", False, "25-44", []))
    captions = [e["data"]["caption"] for e in elements(three, lines)["edges"]]
    assert captions == ["family · household", "household", "perpetrator-victim · household"]
    four = pd.concat([three, _people(("GRAN", False, "65+", []))], ignore_index=True)
    captions = [e["data"]["caption"] for e in elements(four, lines)["edges"]]
    assert captions == ["family · household", "", "perpetrator-victim · household"]
