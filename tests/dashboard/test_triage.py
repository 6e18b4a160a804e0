"""The triage page: the queue most severe first, and its filters."""

from __future__ import annotations

import json
from datetime import date

import pytest

from linkage.accountability import audit
from linkage.accountability.access import UserRole
from linkage.store import open_results, open_state
from linkage.explore.triage import FLAG_LABELS


@pytest.fixture(scope="module")
def facts(dashboard_store):
    """A flag code, an area and a date to filter by, and the people each should keep."""
    con = open_results(dashboard_store.run.store)
    try:
        code, code_people = con.execute(
            "SELECT CAST(code AS VARCHAR), count(DISTINCT person_id) FROM flags GROUP BY code ORDER BY 2, 1 LIMIT 1"
        ).fetchone()
        area, area_people = con.execute(
            "SELECT split_part(p.postcode, ' ', 1) AS area, count(DISTINCT person_id) FROM flags JOIN persons AS p "
            "USING (person_id) WHERE p.postcode IS NOT NULL GROUP BY area ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone()
        since = date(2026, 1, 1)
        since_people = con.execute(
            "SELECT count(DISTINCT f.person_id) FROM flags AS f JOIN flag_evidence AS e USING (flag_id) WHERE e.event_date >= $d",
            {"d": since},
        ).fetchone()[0]
        total = con.execute("SELECT count(DISTINCT person_id) FROM flags").fetchone()[0]
        last = con.execute("SELECT max(event_date) FROM flag_evidence").fetchone()[0]
        # A flag code no flagged person in some area carries: the two filters together match nobody.
        no_match = con.execute(
            "WITH fa AS (SELECT CAST(f.code AS VARCHAR) AS code, split_part(p.postcode, ' ', 1) AS area "
            "FROM flags AS f JOIN persons AS p USING (person_id) WHERE p.postcode IS NOT NULL) "
            "SELECT c.code, a.area FROM (SELECT DISTINCT code FROM fa) AS c, (SELECT DISTINCT area FROM fa) AS a "
            "WHERE NOT EXISTS (SELECT 1 FROM fa WHERE fa.code = c.code AND fa.area = a.area) ORDER BY 1, 2 LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return {"code": (code, code_people), "area": (area, area_people), "since": (since, since_people), "total": total, "last": last, "no_match": no_match}


def _people_shown(at) -> int:
    caption = next(c.value for c in at.caption if "flagged people" in c.value)
    return int(caption.split("**")[1].replace(",", ""))


def test_queue_lists_every_flagged_person_most_severe_first(app_as, facts):
    at = app_as(UserRole.MASH_ANALYST, "triage")
    assert not at.exception
    assert _people_shown(at) == facts["total"]
    table = at.dataframe[0].value
    assert table.severity.is_monotonic_decreasing
    assert table.why.str.len().gt(10).all()


#: (description, fact, apply the filter, what every row shown must satisfy)
FILTERS = [
    ("by flag code: only people carrying that flag",
     "code",
     lambda at, value, facts: at.multiselect(key="triage_codes").select(value),
     lambda table, value: table["flags"].map(lambda labels: FLAG_LABELS[value] in labels)),
    ("by postcode district: only people living there",
     "area",
     lambda at, value, facts: at.multiselect(key="triage_areas").select(value),
     lambda table, value: table.area == value),
    ("by evidence date: only people with an event on or after the start",
     "since",
     lambda at, value, facts: at.date_input(key="triage_dates").set_value((value, facts["last"])),
     lambda table, value: table.latest_event.dt.date >= value),
]


@pytest.mark.parametrize(("description", "fact", "apply", "row_ok"), FILTERS, ids=[f[1] for f in FILTERS])
def test_filters(app_as, facts, description, fact, apply, row_ok):
    """Each filter keeps exactly the flagged people it names (fewer than the whole queue), and only them."""
    at = app_as(UserRole.MASH_ANALYST, "triage")
    value, expected = facts[fact]
    apply(at, value, facts).run()
    assert not at.exception, description
    assert _people_shown(at) == expected < facts["total"], description
    assert row_ok(at.dataframe[0].value, value).all(), description


def test_filters_that_match_nothing_say_so(app_as, facts):
    at = app_as(UserRole.MASH_ANALYST, "triage")
    code, area = facts["no_match"]
    at.multiselect(key="triage_codes").select(code)
    at.multiselect(key="triage_areas").select(area).run()
    assert not at.exception and not at.dataframe
    assert at.info and "No flagged people" in at.info[0].value


def test_viewing_the_queue_is_audited_once_per_view(app_as, dashboard_store, facts):
    purpose = "test_triage: audited consultation"
    at = app_as(UserRole.MASH_ANALYST, "triage", purpose=purpose)
    at.run()  # a rerun of the same view is not a second consultation
    with open_state(dashboard_store.run.store) as con:
        views = audit.read(con, action="view_person", target="triage queue", text=purpose)
    assert len(views) == 1
    detail = json.loads(views[0].detail)
    assert detail["page"] == "triage" and detail["people"] == at.dataframe[0].value.person_id.tolist()
    at.multiselect(key="triage_areas").select(facts["area"][0]).run()
    with open_state(dashboard_store.run.store) as con:
        views = audit.read(con, action="view_person", target="triage queue", text=purpose)
    assert len(views) == 2 and json.loads(views[0].detail)["areas"] == [facts["area"][0]]
