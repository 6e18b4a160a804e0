"""Who a person lives with, now and before: the profile summary's first question.

Living together is what the safeguarding rules take it to be (``graph.flags.household``):
the same standardised address with seen periods no more than ``household_overlap_days``
apart, or the same social care episode. Rows are text ready to read: names, DOBs
dd/mm/yyyy, roles in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from graph.codes import CARER_ROLES, CHILD, SOCIAL_CARE, SUSPECT, VICTIM
from linkage.explore.readable import day, present, words
from linkage.pipeline import run_sql


#: Columns of :attr:`Household.people`, all text.
HOUSEHOLD_COLUMNS = ("when", "person", "born", "age", "role", "where", "seen", "person_id")
#: More co-residents than this at one address make it a shared address (a hostel, refuge, hospital or
#: block), not a household: they are counted in :attr:`Household.shared`, not listed.
MAX_AT_ADDRESS = 12
#: ``when`` values, in the order they are shown.
NOW, BEFORE, UNDATED = "now", "before", "dates not recorded"
#: Social care roles that look after the child on an episode (``graph.codes.CARER_ROLES``).
_CARER_ROLES = frozenset(CARER_ROLES)


@dataclass(frozen=True)
class Household:
    """Who a person lives with, now and before.

    Attributes:
        address: Where they live now (the address on their latest dated record), blank if none is recorded.
        since: When they were first recorded there (dd/mm/yyyy, blank if undated).
        people: One row per person they live or lived with, columns :data:`HOUSEHOLD_COLUMNS`:
            ``when`` (now, before, or dates not recorded), name, DOB dd/mm/yyyy, age, role
            (on a shared social care episode, a DA incident between them, or at the same
            address), where (the shared address, or the social care episode), seen (when the
            other person was recorded there). Now first, then oldest first.
        shared: (address, people) for each address with more than :data:`MAX_AT_ADDRESS` other
            people at it, who are not listed.
    """

    address: str
    since: str
    people: pd.DataFrame
    shared: tuple[tuple[str, int], ...] = ()


def household(
    con: duckdb.DuckDBPyConnection, person_id: str, overlap_days: int = 365, today: date | None = None
) -> Household:
    """The people a person lives with now, and lived with before.

    Living together is what the safeguarding rules take it to be
    (``flags.household_overlap_days``): the same address with the two people's
    first-to-last seen periods there no more than ``overlap_days`` apart, or the same
    social care episode. The person lives now at the address on their latest dated
    record; someone lives with them now when they share it and were seen there within
    ``overlap_days`` of the person's latest record there, or share their latest social
    care episode. Undated records cannot say, so people seen only undated are listed
    apart.

    Args:
        con: A results cursor.
        person_id: The person.
        overlap_days: The household overlap, from the flag rules.
        today: The day ages are counted at (default: today).

    Returns:
        The household; no people when the person has no address or episode shared with anyone.
    """
    places = run_sql(
        con,
        "profile_household_addresses",
        "WITH mine AS (SELECT DISTINCT r.address, coalesce(r.postcode, '') AS postcode "
        "  FROM records AS r JOIN clusters AS c USING (unique_id) "
        "  WHERE c.person_id = $person_id AND nullif(trim(r.address), '') IS NOT NULL) "
        "SELECT c.person_id, r.address, coalesce(r.postcode, '') AS postcode, "
        "min(r.event_date) AS first_seen, max(r.event_date) AS last_seen "
        "FROM records AS r JOIN mine ON r.address = mine.address AND coalesce(r.postcode, '') = mine.postcode "
        "JOIN clusters AS c USING (unique_id) GROUP BY ALL",
        {"person_id": person_id},
    ).df()
    shared_events = run_sql(
        con,
        "profile_household_episodes",
        "WITH mine AS (SELECT r.source, r.event_id, CAST(r.role AS VARCHAR) AS role, r.domestic_abuse, r.event_date "
        "  FROM records AS r JOIN clusters AS c USING (unique_id) "
        "  WHERE c.person_id = $person_id AND r.event_id IS NOT NULL "
        "  AND (r.source = $social_care OR (r.domestic_abuse AND r.role IN ($suspect, $victim)))), "
        "latest AS (SELECT max(event_date) AS latest FROM mine WHERE source = $social_care) "
        "SELECT c.person_id, r.source = $social_care AS care, m.role AS my_role, CAST(r.role AS VARCHAR) AS their_role, "
        "min(r.event_date) AS first_seen, max(r.event_date) AS last_seen, "
        "bool_or(m.event_date IS NOT NULL AND m.event_date = (SELECT latest FROM latest)) AS latest_episode "
        "FROM records AS r JOIN mine AS m ON r.source = m.source AND r.event_id = m.event_id "
        "JOIN clusters AS c USING (unique_id) "
        "WHERE c.person_id <> $person_id AND (r.source = $social_care OR (r.domestic_abuse AND r.role IN ($suspect, $victim))) "
        "GROUP BY ALL",
        {"person_id": person_id, "social_care": SOCIAL_CARE, "suspect": SUSPECT, "victim": VICTIM},
    ).df()
    mine = places[places["person_id"] == person_id]
    home = mine.sort_values(["last_seen", "first_seen", "address", "postcode"], ascending=[False, False, True, True],
                            na_position="last").head(1)
    address = "" if home.empty else _address(home["address"].iloc[0], home["postcode"].iloc[0])
    since = "" if home.empty else day(home["first_seen"].iloc[0])
    rows, shared = _at_addresses(places, mine, home, person_id, overlap_days)
    rows += _on_episodes(shared_events)
    people = _household_rows(con, rows, shared_events, today or date.today())
    return Household(address=address, since=since, people=people, shared=tuple(shared))


def _address(address: str, postcode: str) -> str:
    return ", ".join(p for p in (address, postcode) if p)


def _at_addresses(places, mine, home, person_id: str, overlap_days: int) -> tuple[list[dict], list[tuple[str, int]]]:
    """Rows for the people who lived at one of the person's addresses at the time they did."""
    gap = pd.Timedelta(days=overlap_days)
    rows, shared = [], []
    for place in mine.itertuples(index=False):
        here = places[(places["address"] == place.address) & (places["postcode"] == place.postcode)
                      & (places["person_id"] != person_id)]
        found = []
        for other in here.itertuples(index=False):
            dated = not any(pd.isna(d) for d in (place.first_seen, place.last_seen, other.first_seen, other.last_seen))
            if dated and not (other.first_seen - place.last_seen <= gap and place.first_seen - other.last_seen <= gap):
                continue  # at the address, but not at the same time
            is_home = not home.empty and (place.address, place.postcode) == (home["address"].iloc[0], home["postcode"].iloc[0])
            when = (NOW if is_home and other.last_seen >= place.last_seen - gap else BEFORE) if dated else UNDATED
            found.append({
                "person_id": other.person_id, "when": when, "where": _address(place.address, place.postcode),
                "first_seen": other.first_seen, "last_seen": other.last_seen, "role": "",
            })
        if len(found) > MAX_AT_ADDRESS:
            shared.append((_address(place.address, place.postcode), len(found)))
        else:
            rows += found
    return rows, shared


def _on_episodes(shared_events: pd.DataFrame) -> list[dict]:
    """Rows for the people on the person's social care episodes."""
    care = shared_events[shared_events["care"]]
    return [
        {"person_id": e.person_id, "when": NOW if e.latest_episode else BEFORE, "where": "social care episode",
         "first_seen": e.first_seen, "last_seen": e.last_seen, "role": ""}
        for e in care.itertuples(index=False)
    ]


def _roles(person: str, shared_events: pd.DataFrame) -> str:
    """How another person stands to this one: their role on shared social care episodes and DA incidents."""
    theirs = shared_events[shared_events["person_id"] == person].sort_values(["their_role", "my_role"])
    carers, others, roles = [], [], []
    for e in theirs.itertuples(index=False):
        if e.care:
            if e.their_role in _CARER_ROLES and e.my_role == CHILD:
                carers.append(words(e.their_role))
            elif e.their_role == CHILD and e.my_role in _CARER_ROLES:
                roles.append("child in this person's care")
            else:
                others.append(words(e.their_role))
        elif e.their_role == SUSPECT and e.my_role == VICTIM:
            roles.append("DA suspect against this person")
        elif e.their_role == VICTIM and e.my_role == SUSPECT:
            roles.append("DA victim of this person")
    if carers:
        roles.insert(0, f"{' and '.join(dict.fromkeys(carers))} of this person")
    if others:
        roles.append(f"{' and '.join(dict.fromkeys(others))} on the same social care episode")
    return "; ".join(dict.fromkeys(roles))


def _household_rows(con, rows: list[dict], shared_events: pd.DataFrame, today: date) -> pd.DataFrame:
    """One row per person: the most current way they live with the person, named, with their role."""
    if not rows:
        return pd.DataFrame(columns=list(HOUSEHOLD_COLUMNS))
    order = {NOW: 0, BEFORE: 1, UNDATED: 2}
    found = pd.DataFrame(rows)
    found = found.assign(rank=found["when"].map(order), where_rank=(found["where"] == "social care episode").astype(int))
    found = found.sort_values(["person_id", "rank", "where_rank", "last_seen"], ascending=[True, True, True, False],
                              na_position="last")
    best = found.drop_duplicates("person_id")
    names = run_sql(
        con,
        "profile_household_people",
        "SELECT person_id, concat_ws(' ', forename, surname) AS name, TRY_CAST(dob AS DATE) AS dob FROM persons "
        "WHERE person_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
        {"ids": best["person_id"].tolist()},
    ).df().set_index("person_id")
    out = []
    for row in best.itertuples(index=False):
        name = names["name"].get(row.person_id) or "(no name recorded)"
        dob = names["dob"].get(row.person_id)
        out.append({
            "when": row.when, "person": name, "born": day(dob), "age": _age(dob, today),
            "role": _roles(row.person_id, shared_events) or "at the same address",
            "where": row.where,
            "seen": _span(row.first_seen, row.last_seen),
            "person_id": row.person_id, "rank": row.rank, "dob": pd.Timestamp(dob).isoformat() if present(dob) else "~",
        })
    frame = pd.DataFrame(out).sort_values(["rank", "dob", "person", "person_id"])
    return frame[list(HOUSEHOLD_COLUMNS)].reset_index(drop=True)


def _age(dob, today: date) -> str:
    if not present(dob):
        return ""
    born = pd.Timestamp(dob).date()
    return str(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


def _span(first, last) -> str:
    if not present(first) and not present(last):
        return "dates not recorded"
    if day(first) == day(last):
        return day(first)
    return f"{day(first)} to {day(last)}"

