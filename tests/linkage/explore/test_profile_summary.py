"""The profile's summary: household now and before, open flags in words with evidence, agencies and latest contact.

The household cases use a hand-built store whose truth is known: who lived at which
address when, who shares a social care episode or a DA incident with the person.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from linkage.explore import (
    HOUSEHOLD_COLUMNS,
    agency_contacts,
    flag_briefs,
    flag_evidence,
    household,
    person_flags,
    person_records,
)
from linkage.explore.household import MAX_AT_ADDRESS
from linkage.node_keys import ADDRESS_KEY_SQL

HOME, OLD, HOSTEL = "2 NEW ROAD", "1 OLD ROAD", "HOSTEL, 5 QUAY STREET"
#: (person, address, postcode, first seen, last seen): one record at each end of the period.
STAYS = [
    ("A", OLD, "AB1 1AA", "2020-01-10", "2021-06-01"),
    ("A", HOME, "AB2 2BB", "2022-01-15", "2024-05-01"),
    ("A", HOSTEL, "AB3 3CC", "2019-01-01", "2019-02-01"),
    ("B", HOME, "AB2 2BB", "2023-01-01", "2024-03-01"),
    ("C", HOME, "AB2 2BB", "2015-01-01", "2016-01-01"),
    ("D", OLD, "AB1 1AA", "2020-06-01", "2021-01-01"),
    ("E", HOME, "AB2 2BB", "2022-02-01", "2022-03-01"),
    ("G", HOME, "AB2 2BB", "2024-01-01", "2024-04-01"),
    ("I", HOME, "ZZ9 9ZZ", "2023-01-01", "2024-03-01"),
    *((f"H{n:02}", HOSTEL, "AB3 3CC", "2019-01-05", "2019-01-20") for n in range(MAX_AT_ADDRESS + 1)),
]
#: (person, source, event id, role, domestic abuse, date, address): shared events.
EVENTS = [
    ("A", "social_care", "EP1", "child", False, "2024-04-10", None),
    ("F", "social_care", "EP1", "parent", False, "2024-04-10", None),
    ("S", "social_care", "EP1", "child", False, "2024-04-10", None),
    ("A", "social_care", "EP0", "child", False, "2021-02-01", None),
    ("P", "social_care", "EP0", "carer", False, "2021-02-01", None),
    ("A", "police", "INC1", "victim", True, "2024-02-01", None),
    ("G", "police", "INC1", "suspect", True, "2024-02-01", None),
    ("U", "police", "INC2", "suspect", True, "2023-05-05", None),
    ("A", "police", "INC2", "victim", True, "2023-05-05", None),
    ("N", "health", None, "patient", False, None, OLD),
]
DOBS = {"A": "2012-05-06", "B": "1985-01-02", "F": "1980-07-08", "G": "1979-03-04", "S": "2016-09-10"}


@pytest.fixture(scope="module")
def store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    rows = []
    for person, address, postcode, first, last in STAYS:
        for when in dict.fromkeys((first, last)):
            rows.append((person, "health", None, "patient", False, when, address, postcode))
    for person, source, event, role, da, when, address in EVENTS:
        rows.append((person, source, event, role, da, when, address, "AB1 1AA" if address else None))
    frame = pd.DataFrame(rows, columns=["person_id", "source", "event_id", "role", "domestic_abuse", "event_date",
                                        "address", "postcode"])
    frame = frame.assign(
        unique_id=[f"u{i}" for i in range(len(frame))], record_id=[f"R{i}" for i in range(len(frame))],
        agency=frame["source"], event_date=pd.to_datetime(frame["event_date"]).dt.date,
        event_type="contact", service=None, complaint=None, category=None, dash_risk=None,
    )
    con.register("frame", frame)
    con.execute("CREATE TABLE records AS SELECT * EXCLUDE (person_id) FROM frame")
    con.execute("CREATE TABLE clusters AS SELECT unique_id, person_id FROM frame")
    con.execute(
        "CREATE TABLE persons AS SELECT person_id, 'NAME' AS forename, person_id AS surname, "
        "CAST(NULL AS VARCHAR) AS dob FROM (SELECT DISTINCT person_id FROM frame)"
    )
    for person, dob in DOBS.items():
        con.execute("UPDATE persons SET dob = $dob WHERE person_id = $p", {"dob": dob, "p": person})
    yield con
    con.close()


@pytest.fixture(scope="module")
def home(store):
    return household(store, "A", overlap_days=365, today=date(2026, 1, 1))


#: Who A lives or lived with, and how: (description, person, when, where, role).
EXPECTED = [
    ("seen at A's latest address within the overlap of A's last record there", "B", "now", "2 NEW ROAD, AB2 2BB",
     "at the same address"),
    ("at A's latest address, and A's DA suspect", "G", "now", "2 NEW ROAD, AB2 2BB", "DA suspect against this person"),
    ("parent on A's latest social care episode", "F", "now", "social care episode", "parent of this person"),
    ("another child on A's latest episode", "S", "now", "social care episode", "child on the same social care episode"),
    ("at the old address at the same time", "D", "before", "1 OLD ROAD, AB1 1AA", "at the same address"),
    ("at the latest address, but only early in A's time there", "E", "before", "2 NEW ROAD, AB2 2BB",
     "at the same address"),
    ("carer on an earlier social care episode", "P", "before", "social care episode", "carer of this person"),
    ("at the old address on an undated record", "N", "dates not recorded", "1 OLD ROAD, AB1 1AA", "at the same address"),
]
#: People at A's addresses or events who never lived with A.
NOT_HOUSEHOLD = [
    ("at the latest address years before A came", "C"),
    ("the same street but another postcode", "I"),
    ("a DA suspect on an incident with A, never at A's address", "U"),
    ("one of many at a hostel: a shared address, not a household", "H00"),
]


@pytest.mark.parametrize(("description", "person", "when", "where", "role"), EXPECTED, ids=[e[1] for e in EXPECTED])
def test_household_now_and_before(home, description, person, when, where, role):
    rows = home.people.set_index("person_id")
    assert person in rows.index, description
    assert (rows.at[person, "when"], rows.at[person, "where"], rows.at[person, "role"]) == (when, where, role), description


@pytest.mark.parametrize(("description", "person"), NOT_HOUSEHOLD, ids=[n[1] for n in NOT_HOUSEHOLD])
def test_people_who_did_not_live_with_the_person_are_left_out(home, description, person):
    assert person not in set(home.people["person_id"]), description


def test_household_reads_as_text_now_first_with_names_and_dd_mm_yyyy_dates(home):
    people = home.people
    assert list(people.columns) == list(HOUSEHOLD_COLUMNS)
    assert list(people["when"]) == sorted(people["when"], key=["now", "before", "dates not recorded"].index)
    assert people["person_id"].is_unique
    b = people.set_index("person_id").loc["B"]
    assert (b["person"], b["born"], b["age"], b["seen"]) == ("NAME B", "02/01/1985", "40", "01/01/2023 to 01/03/2024")
    assert people.set_index("person_id").at["N", "seen"] == "dates not recorded"
    assert people.set_index("person_id").at["D", "born"] == ""
    assert not people.isna().any().any()


def test_the_person_lives_now_at_their_latest_address_and_a_shared_address_is_counted(home):
    assert (home.address, home.since) == ("2 NEW ROAD, AB2 2BB", "15/01/2022")
    assert home.shared == (("HOSTEL, 5 QUAY STREET, AB3 3CC", MAX_AT_ADDRESS + 1),)


def test_an_address_the_run_judged_shared_lists_nobody_however_few_were_there(store):
    """D lived at A's old address at the same time; once the run's detection judges it shared (a refuge), D is
    counted there, not listed as household."""
    store.execute("CREATE TABLE shared_addresses (address_key VARCHAR, kind VARCHAR, masked BOOLEAN)")
    try:
        # The key as the run writes it (one SQL definition), so the profile's own reading of it is held to that.
        store.execute(
            f"INSERT INTO shared_addresses SELECT DISTINCT {ADDRESS_KEY_SQL}, 'refuge', true FROM records AS r "
            "WHERE r.address = $old AND r.postcode = 'AB1 1AA'",
            {"old": OLD},
        )
        judged = household(store, "A", overlap_days=365, today=date(2026, 1, 1))
    finally:
        store.execute("DROP TABLE shared_addresses")
    assert "D" not in set(judged.people["person_id"]), "not a household member at a shared address"
    assert (f"{OLD}, AB1 1AA", 2) in judged.shared, "D and N (undated) counted there"
    assert "B" in set(judged.people["person_id"]), "the other addresses are unchanged"


def test_someone_with_no_address_or_episode_lives_with_nobody(store):
    alone = household(store, "U")
    assert alone.people.empty and list(alone.people.columns) == list(HOUSEHOLD_COLUMNS)
    assert alone.address == "" and alone.shared == ()


# Flags and agencies on the linked set.


def _flagged_across_agencies(cur) -> str:
    return cur.execute(
        "SELECT f.person_id FROM flags AS f JOIN persons AS p USING (person_id) WHERE len(f.agencies) >= 2 "
        "ORDER BY f.evidence_records DESC, f.person_id LIMIT 1"
    ).fetchone()[0]


def test_agency_contacts_give_each_agency_its_latest_contact(cur):
    person_id = _flagged_across_agencies(cur)
    contacts = agency_contacts(cur, person_id)
    records = person_records(cur, person_id)
    assert sorted(contacts["agency"]) == sorted(set(records["agency"]))
    assert contacts["records"].sum() == len(records)
    for row in contacts.itertuples():
        mine = records[records["agency"] == row.agency]
        latest = mine.sort_values(["event_date", "record_id"]).iloc[-1]
        assert row.latest_contact == f"{latest['event_date']:%d/%m/%Y}"
        assert row.first_contact == f"{mine['event_date'].min():%d/%m/%Y}"
        assert row.record_id == latest["record_id"]
    latest_first = pd.to_datetime(contacts["latest_contact"], format="%d/%m/%Y")
    assert latest_first.is_monotonic_decreasing
    assert not contacts.isna().any().any()


def test_flag_briefs_say_each_flag_in_words_with_every_agencys_evidence(cur):
    person_id = _flagged_across_agencies(cur)
    flags = person_flags(cur, person_id)
    evidence = flag_evidence(cur, flags["flag_id"].tolist())
    briefs = flag_briefs(flags, evidence, max_evidence=2)
    assert list(briefs["flag_id"]) == list(flags["flag_id"])
    assert briefs["open"].all() and set(briefs["status"]) == {"New"}
    for brief, flag in zip(briefs.itertuples(), flags.itertuples(), strict=True):
        mine = evidence[evidence["flag_id"] == flag.flag_id]
        events = mine.drop_duplicates(["event_date", "agency", "description"])
        assert len(brief.evidence) == min(2, len(events)) and brief.more == len(events) - len(brief.evidence)
        if len(set(mine["agency"])) >= 2:
            shown = {line.split(" · ")[1] for line in brief.evidence}
            assert len(shown) == 2, "the latest event of two agencies, not two of one"
        assert all(not any(c in line for c in ("{", "None", "nan", "NaT")) for line in brief.evidence)
        assert all(line[:10].count("/") == 2 for line in brief.evidence), "each line starts with a dd/mm/yyyy date"
        assert (brief.about == "") == bool(flag.subject)


def test_a_decision_closes_a_flag_in_the_briefs(cur):
    person_id = _flagged_across_agencies(cur)
    flags = person_flags(cur, person_id)
    first = flags.iloc[0]
    decisions = pd.DataFrame([
        {"flag_code": first["code"], "person_id": first["person_id"], "status": "actioned", "outcome": "marac_referral"},
        {"flag_code": first["code"], "person_id": first["person_id"], "status": "under_review", "outcome": None},
    ])
    briefs = flag_briefs(flags, flag_evidence(cur, flags["flag_id"].tolist()), decisions)
    mine = briefs[(briefs["code"] == first["code"]) & (briefs["flag_id"] == first["flag_id"])].iloc[0]
    assert (mine["status"], mine["open"]) == ("Actioned: MARAC referral", False)
    reviewing = flag_briefs(flags, flag_evidence(cur, flags["flag_id"].tolist()), decisions.iloc[1:])
    assert reviewing.iloc[0]["status"] == "Under review" and reviewing.iloc[0]["open"]
