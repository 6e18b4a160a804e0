"""The intelligence page ranks perpetrators by RFG(V), shows a perpetrator's victims, and audits both views."""

from __future__ import annotations

import json

from linkage.accountability import audit
from linkage.accountability.access import UserRole
from linkage.explore import perpetrators, victims
from linkage.store import open_results, open_state


def test_perpetrators_are_ranked_by_score_and_a_perpetrators_victims_open(app_as, dashboard_store):
    purpose = "test_intelligence: MATAC list"
    at = app_as(UserRole.INTELLIGENCE_ANALYST, "intelligence", purpose=purpose)
    assert not at.exception and not at.error
    ranked = at.dataframe[0].value
    con = open_results(dashboard_store.run.store)
    try:
        expected = perpetrators(con)
        top = expected["person_id"].iloc[0]
        top_victims = victims(con, top)
    finally:
        con.close()
    assert list(ranked["person_id"]) == list(expected["person_id"])
    scores = ranked["score"].dropna()
    assert len(scores) >= 2 and list(scores) == sorted(scores, reverse=True)

    # Selecting the top row (as a click on it does) opens that perpetrator's victims.
    at.session_state["intelligence_ranked"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.subheader[0].value.startswith("#1 ") and top in at.subheader[0].value
    shown = next(d.value for d in at.dataframe if "victim_id" in d.value.columns)
    assert list(shown["victim_id"]) == list(top_victims["victim_id"])

    with open_state(dashboard_store.run.store) as con:
        listed = audit.read(con, action="search", text=purpose)
        viewed = audit.read(con, action="view_person", target=top, text=purpose)
    assert len(listed) == 1 and listed[0].target == "intelligence: perpetrators ranked by RFG(V)"
    assert json.loads(listed[0].detail)["people"] == list(expected["person_id"]), "the audit row names who was listed"
    assert len(viewed) == 1


def test_a_longer_listing_is_a_new_consultation(app_as, dashboard_store):
    purpose = "test_intelligence: longer list"
    at = app_as(UserRole.INTELLIGENCE_ANALYST, "intelligence", purpose=purpose)
    at.number_input[0].set_value(20).run()
    at.run()  # a rerun of the same listing is not logged again
    assert not at.exception
    with open_state(dashboard_store.run.store) as con:
        listed = audit.read(con, action="search", text=purpose)
    assert [json.loads(e.detail)["limit"] for e in listed] == [20, 100]


def test_serial_only(app_as):
    at = app_as(UserRole.INTELLIGENCE_ANALYST, "intelligence", purpose="test_intelligence: serial only")
    at.segmented_control[0].set_value("serial only").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) and (table["kind"] == "serial").all()
