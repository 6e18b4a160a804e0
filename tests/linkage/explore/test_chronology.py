"""A multi-agency chronology: every event about a person (or their family) in date order, with role and link strength."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from linkage.explore import CHRONOLOGY_COLUMNS, chronology, chronology_html, family_members, person_records
from linkage.store.results import results_path


@pytest.fixture(scope="module")
def centre(results) -> str:
    """A person known to three or more agencies who has family or household in the run."""
    cursor = results.cursor()
    candidates = [row[0] for row in cursor.execute(
        "SELECT person_id FROM persons WHERE len(agencies) >= 3 ORDER BY records DESC, person_id LIMIT 20"
    ).fetchall()]
    for person_id in candidates:
        if family_members(results.cursor(), person_id):
            return person_id
    pytest.fail("no person known to three agencies has family or household in the generated set")


@pytest.fixture(scope="module")
def undated(linked, centre, tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, set[str]]:
    """A copy of the results where two of the centre's records (from different agencies) lost their event date."""
    run, _ = linked
    copy = tmp_path_factory.mktemp("chronology") / "results.duckdb"
    shutil.copy(results_path(run.store), copy)
    con = duckdb.connect(str(copy))
    picked = [row[0] for row in con.execute(
        "SELECT any_value(r.unique_id ORDER BY r.event_date DESC) FROM records AS r JOIN clusters AS c USING (unique_id) "
        "WHERE c.person_id = $p GROUP BY r.agency ORDER BY r.agency LIMIT 2",
        {"p": centre},
    ).fetchall()]
    con.execute("UPDATE records SET event_date = NULL WHERE unique_id IN (SELECT unnest($u))", {"u": picked})
    record_ids = {row[0] for row in con.execute(
        "SELECT record_id FROM records WHERE unique_id IN (SELECT unnest($u))", {"u": picked}
    ).fetchall()}
    yield con, record_ids
    con.close()


def _dates(rows: pd.DataFrame) -> list[datetime]:
    return [datetime.strptime(d, "%d/%m/%Y") for d in rows["date"] if d]


def _own_records(cur, person_id: str) -> set[str]:
    return set(cur.execute("SELECT unique_id FROM clusters WHERE person_id = $p", {"p": person_id}).df()["unique_id"])


def check_date_order_across_agencies(cur, person_id, events, members):
    assert events["agency"].nunique() >= 3
    assert _dates(events) == sorted(_dates(events))
    assert events["date"].ne("").all(), "the generated records are all dated"


def check_every_record_once_and_nobody_else(cur, person_id, events, members):
    assert set(events["person_id"]) == {person_id}
    assert set(events["relationship"]) == {"this person"}
    assert sorted(events["source"] + ":" + events["record_id"]) == sorted(_own_records(cur, person_id))


def check_role_and_link_strength_shown(cur, person_id, events, members):
    records = person_records(cur, person_id).set_index("record_id")
    words = {"confirmed": "confirmed", "strong": "strong", "review": "review", "single": "only record"}
    for row in events.itertuples():
        assert row.link == words[records.at[row.record_id, "link_strength"]], row.record_id
        probability = records.at[row.record_id, "best_match_probability"]
        assert row.match_probability == ("" if pd.isna(probability) else f"{probability:.3f}"), row.record_id
    roles = cur.execute(
        "SELECT r.record_id, CAST(r.role AS VARCHAR) FROM records AS r JOIN clusters AS c USING (unique_id) "
        "WHERE c.person_id = $p", {"p": person_id},
    ).fetchall()
    shown = dict(zip(events["record_id"], events["role"], strict=True))
    assert all(shown[record] == (role or "").replace("_", " ") for record, role in roles)
    assert any(shown.values()), "the person has a role on some event"


def check_no_empty_markers(cur, person_id, events, members):
    assert list(events.columns) == list(CHRONOLOGY_COLUMNS)
    cells = events.to_numpy().ravel().tolist()
    assert all(isinstance(c, str) for c in cells)
    assert not {"None", "nan", "NaT", "<NA>"} & set(cells)
    assert set(events["domestic_abuse"]) <= {"yes", "no", ""}


def check_family_rows_belong_to_the_family(cur, person_id, events, members):
    family = chronology(cur, person_id, members)
    assert set(family["person_id"]) <= {person_id, *members}
    assert set(family["person_id"]) - {person_id}, "a family member has records"
    expected = set().union(*(_own_records(cur, p) for p in {person_id, *members}))
    assert sorted(family["source"] + ":" + family["record_id"]) == sorted(expected)
    assert _dates(family) == sorted(_dates(family))
    relationships = dict(zip(family["person_id"], family["relationship"], strict=False))
    assert relationships[person_id] == "this person"
    assert all(relationships[p] == members[p] for p in members if p in relationships)
    # On a shared date the person's own events come before their family's.
    for _, day in family.groupby("date", sort=False):
        own = (day["person_id"] == person_id).tolist()
        assert own == sorted(own, reverse=True)


CASES = [
    ("events from three agencies in date order", check_date_order_across_agencies),
    ("every one of the person's records once, nobody else's", check_every_record_once_and_nobody_else),
    ("each event shows the person's role and the record's link strength", check_role_and_link_strength_shown),
    ("cells are text, blank where nothing was recorded", check_no_empty_markers),
    ("a family chronology holds the family's records only, in date order", check_family_rows_belong_to_the_family),
]


@pytest.mark.parametrize("check", [c for _, c in CASES], ids=[d for d, _ in CASES])
def test_chronology(cur, centre, check):
    members = family_members(cur, centre)
    check(cur, centre, chronology(cur, centre), members)


def test_undated_events_come_last(undated, centre):
    con, record_ids = undated
    events = chronology(con.cursor(), centre)
    tail = events.tail(len(record_ids))
    assert set(tail["record_id"]) == record_ids
    assert (tail["date"] == "").all()
    assert (events.head(len(events) - len(record_ids))["date"] != "").all()
    assert _dates(events) == sorted(_dates(events))


def test_a_record_in_the_review_band_reads_review(cur):
    unique_id = cur.execute("SELECT unique_id_l FROM pairs WHERE band = 'review' ORDER BY unique_id_l LIMIT 1").fetchone()[0]
    person_id, record_id = cur.execute(
        "SELECT c.person_id, r.record_id FROM clusters AS c JOIN records AS r USING (unique_id) WHERE unique_id = $u",
        {"u": unique_id},
    ).fetchone()
    events = chronology(cur, person_id).set_index("record_id")
    assert events.at[record_id, "link"] == "review"


def test_family_members_are_family_or_household_of_the_person(cur, centre):
    members = family_members(cur, centre)
    assert centre not in members
    assert set(members.values()) <= {"family", "household", "family, household"}


@pytest.mark.parametrize(
    ("description", "call"),
    [
        ("chronology", lambda cur: chronology(cur, "MP9999999")),
        ("family chronology", lambda cur: chronology(cur, "MP9999999", {"MP9999998": "family"})),
    ],
)
def test_an_unknown_person_has_an_empty_chronology(cur, description, call):
    events = call(cur)
    assert events.empty, description
    assert list(events.columns) == list(CHRONOLOGY_COLUMNS), description


def test_an_unknown_person_has_no_family(cur):
    assert family_members(cur, "MP9999999") == {}


def test_the_printable_page_escapes_what_agencies_recorded(cur, centre):
    events = chronology(cur, centre)
    events.loc[0, "complaint"] = "<script>alert('O\'Brien')</script> & co"
    page = chronology_html(events, "Chronology: O'BRIEN <b>", ["Printed for: referral <2026>"]).decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; co" in page
    assert "<title>Chronology: O&#x27;BRIEN &lt;b&gt;</title>" in page
    assert "<p>Printed for: referral &lt;2026&gt;</p>" in page
    assert page.count("<tr>") == len(events) + 1
    assert "<th>Date</th>" in page and "<th>Link</th>" in page and "<th>Best match</th>" in page
    first = page.split("<tbody>")[1].split("</tr>")[0]
    assert f"<td>{events.loc[0, 'date']}</td>" in first
