"""The Operation Encompass download on the triage page: who is offered it, and the count it says it lists."""

from __future__ import annotations

import json
from datetime import date

import pytest

from linkage.accountability.access import UserRole
from linkage.encompass import EncompassList, encompass_list
from linkage.store import open_results

LABEL = "Operation Encompass: children present at DA incidents, for schools"


def busiest_day(store) -> tuple[date, EncompassList]:
    """The day with most children at incidents, and the list for it as a MASH analyst sees it."""
    with open_results(store.run.store) as con:
        params = [json.loads(p) for (p,) in con.execute(
            "SELECT parameters FROM flags WHERE CAST(code AS VARCHAR) = 'child_at_da_incident'").fetchall()]
        days = sorted(i["date"] for p in params for i in p["incidents"])
        assert days, "the dashboard store has children at DA incidents"
        when = date.fromisoformat(max(set(days), key=lambda d: (days.count(d), d)))
        return when, encompass_list(con, when, None, see_refuge_address=False)


@pytest.fixture(scope="module")
def busiest(dashboard_store) -> tuple[date, EncompassList]:
    return busiest_day(dashboard_store)


def _caption(at) -> str:
    return next(c.value for c in at.caption if "children present at a DA incident" in c.value)


ROLES = [
    ("a MASH analyst is offered the list", UserRole.MASH_ANALYST, True),
    ("the linkage admin is offered the list", UserRole.LINKAGE_ADMIN, True),
    ("an intelligence analyst is not", UserRole.INTELLIGENCE_ANALYST, False),
]


@pytest.mark.parametrize(("desc", "role", "offered"), ROLES, ids=[r[0] for r in ROLES])
def test_who_is_offered_the_list(app_as, desc, role, offered) -> None:
    at = app_as(role, "triage")
    assert not at.exception, desc
    assert (LABEL in [e.label for e in at.expander]) is offered, desc


def test_the_count_is_the_lists_for_the_day_chosen(app_as, busiest) -> None:
    when, found = busiest
    at = app_as(UserRole.MASH_ANALYST, "triage")
    at.date_input(key="encompass_day").set_value(when).run()
    assert not at.exception
    assert _caption(at).startswith(f"**{len(found.rows):,}** children present at a DA incident on {when:%d/%m/%Y}")
    assert len(found.rows) > 0
