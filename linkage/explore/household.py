"""Who a person lives with, now and before: the profile summary's first question.

Living together is what the safeguarding rules take it to be (``graph.flags.household``):
the same standardised address with seen periods no more than ``household_overlap_days``
apart, or the same social care episode. Rows are text ready to read: names, DOBs
dd/mm/yyyy, roles in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import duckdb
import pandas as pd

from graph.codes import CARER_ROLES, CHILD, SOCIAL_CARE, SUSPECT, VICTIM
from graph.keys import address_key
from linkage.explore.readable import day, words
from linkage.pipeline import run_sql
from linkage.safeguard import read_shared_addresses


#: Columns of :attr:`Household.people`, all text.
HOUSEHOLD_COLUMNS = ("when", "person", "born", "age", "role", "where", "seen", "person_id")
#: More co-residents than this at one address make it a shared address (a hostel, refuge, hospital or
#: block), not a household, even where the run's own detection (``linkage.safeguard``) did
#: not judge it so: they are counted in :attr:`Household.shared`, not listed.
MAX_AT_ADDRESS = 12
_PERSON_RECORDS = "SELECT unique_id FROM clusters WHERE person_id = $person_id"
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
        shared: (address, people) for each of the person's addresses that is a shared address
            (the run's ``shared_addresses``, or more than :data:`MAX_AT_ADDRESS` other people
            there at once), whose people are not listed.
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
        # The person's addresses, then the records at them, then whose they are: each step
        # narrows before the next join (joining every record to clusters first cost twice as much).
        f"WITH mine AS (SELECT DISTINCT r.address, coalesce(r.postcode, '') AS postcode FROM records AS r "
        f"  WHERE r.unique_id IN ({_PERSON_RECORDS}) AND nullif(trim(r.address), '') IS NOT NULL), "
        "here AS (SELECT r.unique_id, r.address, coalesce(r.postcode, '') AS postcode, r.event_date FROM records AS r "
        "  WHERE r.address IN (SELECT address FROM mine)) "
        "SELECT c.person_id, h.address, h.postcode, min(h.event_date) AS first_seen, max(h.event_date) AS last_seen "
        "FROM here AS h SEMI JOIN mine AS m ON h.address = m.address AND h.postcode = m.postcode "
        "JOIN clusters AS c ON c.unique_id = h.unique_id GROUP BY ALL ORDER BY ALL",
        {"person_id": person_id},
    ).fetchall()
    shared_events = [Shared(*row) for row in run_sql(
        con,
        "profile_household_episodes",
        f"WITH mine AS (SELECT r.source, r.event_id, CAST(r.role AS VARCHAR) AS role, r.event_date FROM records AS r "
        f"  WHERE r.unique_id IN ({_PERSON_RECORDS}) AND r.event_id IS NOT NULL "
        "  AND (r.source = $social_care OR (r.domestic_abuse AND r.role IN ($suspect, $victim)))), "
        "latest AS (SELECT max(event_date) AS latest FROM mine WHERE source = $social_care), "
        "theirs AS (SELECT r.unique_id, r.source, r.event_id, CAST(r.role AS VARCHAR) AS role, r.event_date "
        "  FROM records AS r WHERE r.event_id IN (SELECT event_id FROM mine) "
        "  AND (r.source = $social_care OR (r.domestic_abuse AND r.role IN ($suspect, $victim)))) "
        "SELECT c.person_id, t.source = $social_care AS care, m.role AS my_role, t.role AS their_role, "
        "min(t.event_date) AS first_seen, max(t.event_date) AS last_seen, "
        "coalesce(bool_or(m.event_date = (SELECT latest FROM latest)), false) AS latest_episode "
        "FROM theirs AS t JOIN mine AS m ON t.source = m.source AND t.event_id = m.event_id "
        "JOIN clusters AS c ON c.unique_id = t.unique_id WHERE c.person_id <> $person_id "
        "GROUP BY ALL ORDER BY ALL",
        {"person_id": person_id, "social_care": SOCIAL_CARE, "suspect": SUSPECT, "victim": VICTIM},
    ).fetchall()]
    mine = [Stay(*row[1:]) for row in places if row[0] == person_id]
    home = min(mine, key=lambda s: (s.last_seen is None, -_ordinal(s.last_seen), -_ordinal(s.first_seen),
                                    s.address, s.postcode), default=None)
    rows, shared = _at_addresses(places, mine, home, person_id, overlap_days, set(read_shared_addresses(con)))
    rows += [
        Found(e.person_id, NOW if e.latest_episode else BEFORE, EPISODE, e.first_seen, e.last_seen)
        for e in shared_events if e.care
    ]
    return Household(
        address=_address(home.address, home.postcode) if home else "", since=day(home.first_seen) if home else "",
        people=_household_rows(con, rows, shared_events, today or date.today()), shared=tuple(shared),
    )


class Stay(NamedTuple):
    """Someone's records at one address: when they were first and last seen there."""

    address: str
    postcode: str
    first_seen: date | None
    last_seen: date | None


class Shared(NamedTuple):
    """Another person on one of the person's social care episodes or DA incidents, and the roles of both."""

    person_id: str
    care: bool
    my_role: str
    their_role: str
    first_seen: date | None
    last_seen: date | None
    latest_episode: bool


class Found(NamedTuple):
    """One way another person lives or lived with the person."""

    person_id: str
    when: str
    where: str
    first_seen: date | None
    last_seen: date | None


#: ``where`` for people found on a social care episode rather than at an address.
EPISODE = "social care episode"
_RANK = {NOW: 0, BEFORE: 1, UNDATED: 2}


def _ordinal(day_: date | None) -> int:
    return day_.toordinal() if day_ is not None else 0


def _address_key(place: Stay) -> str:
    """The place's address node key (``graph.keys.address_key``; a blank postcode is '')."""
    return address_key(place.postcode, place.address)


def _address(address: str, postcode: str) -> str:
    return ", ".join(p for p in (address, postcode) if p)


def _at_addresses(places: list[tuple], mine: list[Stay], home: Stay | None, person_id: str,
                  overlap_days: int, shared_keys: set[str]) -> tuple[list[Found], list[tuple[str, int]]]:
    """The people who lived at one of the person's addresses at the time they did (none at a shared one)."""
    gap = timedelta(days=overlap_days)
    rows, shared = [], []
    for place in mine:
        found = []
        for other_id, address, postcode, first, last in places:
            if other_id == person_id or (address, postcode) != (place.address, place.postcode):
                continue
            dated = None not in (place.first_seen, place.last_seen, first, last)
            if dated and not (first - place.last_seen <= gap and place.first_seen - last <= gap):
                continue  # at the address, but not at the same time
            now = place == home and dated and last >= place.last_seen - gap
            found.append(Found(other_id, (NOW if now else BEFORE) if dated else UNDATED,
                               _address(address, postcode), first, last))
        if len(found) > MAX_AT_ADDRESS or _address_key(place) in shared_keys:
            shared.append((_address(place.address, place.postcode), len(found)))
        else:
            rows += found
    return rows, shared


def _roles(person: str, shared_events: list[Shared]) -> str:
    """How another person stands to this one: their role on shared social care episodes and DA incidents."""
    carers, others, roles = [], [], []
    for e in sorted((e for e in shared_events if e.person_id == person), key=lambda e: (e.their_role, e.my_role)):
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


def _household_rows(con: duckdb.DuckDBPyConnection, rows: list[Found], shared_events: list[Shared],
                    today: date) -> pd.DataFrame:
    """One row per person: the most current way they live with the person (an address before an
    episode, then the latest), named, with their role; now first, then oldest first."""
    best: dict[str, Found] = {}
    for row in sorted(rows, key=lambda r: (_RANK[r.when], r.where == EPISODE, -_ordinal(r.last_seen))):
        best.setdefault(row.person_id, row)
    if not best:
        return pd.DataFrame(columns=list(HOUSEHOLD_COLUMNS))
    names = {pid: (name, dob) for pid, name, dob in run_sql(
        con,
        "profile_household_people",
        "SELECT person_id, concat_ws(' ', forename, surname) AS name, TRY_CAST(dob AS DATE) AS dob FROM persons "
        "WHERE person_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
        {"ids": sorted(best)},
    ).fetchall()}
    out = []
    for row in best.values():
        name, dob = names.get(row.person_id, (None, None))
        out.append((_RANK[row.when], dob or date.max, name or "(no name recorded)", row.person_id, {
            "when": row.when, "person": name or "(no name recorded)", "born": day(dob), "age": _age(dob, today),
            "role": _roles(row.person_id, shared_events) or "at the same address", "where": row.where,
            "seen": _span(row.first_seen, row.last_seen), "person_id": row.person_id,
        }))
    return pd.DataFrame([r[-1] for r in sorted(out, key=lambda r: r[:-1])], columns=list(HOUSEHOLD_COLUMNS))


def _age(dob: date | None, today: date) -> str:
    if dob is None:
        return ""
    return str(today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day)))


def _span(first: date | None, last: date | None) -> str:
    if first is None and last is None:
        return "dates not recorded"
    if day(first) == day(last):
        return day(first)
    return f"{day(first)} to {day(last)}"

