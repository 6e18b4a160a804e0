"""Person search finds resolved people by fuzzy, nickname-aware name, DOB, identifiers and postcode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from linkage.explore import search_people, standardise_query
from linkage.explore import search


@dataclass(frozen=True)
class Case:
    """A record of a correctly resolved person, and what an analyst types to find them."""

    description: str
    pick: str
    query: Callable[[dict[str, Any]], dict[str, Any]]
    why: str = ""
    top: bool = False


def _misspell(surname: str) -> str:
    # Swap two letters in the middle: a typing slip, not a different name.
    i = len(surname) // 2
    return surname[: i - 1] + surname[i] + surname[i - 1] + surname[i + 1 :]


def _spaced_nhs(nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"


CASES = [
    Case(
        "nickname: 'Bill' finds a person recorded as WILLIAM",
        "r.forename = 'WILLIAM' AND r.surname IS NOT NULL",
        lambda r: {"name": f"Bill {r['surname'].title()}"},
        why="nickname",
    ),
    Case(
        "misspelt surname (two letters transposed)",
        "length(r.surname) >= 7 AND r.forename IS NOT NULL",
        lambda r: {"name": f"{r['forename'].title()} {_misspell(r['surname']).title()}"},
        why="close spelling",
    ),
    Case(
        "'SURNAME, forename' order in lower case",
        "r.forename IS NOT NULL AND r.surname IS NOT NULL",
        lambda r: {"name": f"{r['surname'].lower()}, {r['forename'].lower()}"},
        why="exact",
    ),
    Case(
        "alias: a surname only some records hold",
        "r.surname IS NOT NULL AND r.forename IS NOT NULL AND r.surname <> p.surname",
        lambda r: {"name": f"{r['forename']} {r['surname']}"},
        why="exact",
    ),
    Case(
        "DOB only, typed dd/mm/yyyy",
        "r.dob IS NOT NULL",
        lambda r: {"dob": r["dob"].strftime("%d/%m/%Y")},
        why="DOB",
    ),
    Case(
        "NHS number typed with spaces",
        "r.nhs_number IS NOT NULL",
        lambda r: {"nhs_number": _spaced_nhs(r["nhs_number"])},
        why="NHS number",
        top=True,
    ),
    Case(
        "PNC ID in lower case with spaces",
        "r.pnc_id IS NOT NULL",
        lambda r: {"pnc_id": " ".join(r["pnc_id"].lower().split("/"))},
        why="PNC ID",
        top=True,
    ),
    Case(
        "postcode in lower case without its space",
        "r.postcode IS NOT NULL",
        lambda r: {"postcode": r["postcode"].replace(" ", "").lower()},
        why="postcode",
    ),
    Case(
        "'Olly' (not in the curated nickname list) and a misspelt surname with the DOB finds an OLIVER",
        "r.forename = 'OLIVER' AND length(r.surname) >= 5 AND r.dob IS NOT NULL",
        lambda r: {"name": f"Olly {r['surname'].title()}e", "dob": r["dob"].strftime("%d/%m/%Y")},
        why="forename nickname",
        top=True,
    ),
    Case(
        "name and DOB together",
        "r.forename IS NOT NULL AND r.surname IS NOT NULL AND r.dob IS NOT NULL",
        lambda r: {"name": f"{r['forename']} {r['surname']}", "dob": r["dob"]},
        why="DOB",
        top=True,
    ),
]


def _record(cur, pure_people, pick: str) -> dict[str, Any]:
    cur.register("pure_people", pure_people)
    cursor = cur.execute(
        "SELECT r.*, c.person_id FROM records AS r JOIN clusters AS c USING (unique_id) "
        "JOIN pure_people USING (person_id) JOIN persons AS p USING (person_id) "
        f"WHERE {pick} ORDER BY r.unique_id LIMIT 1"
    )
    row = cursor.fetchone()
    assert row is not None, f"no correctly resolved person fits: {pick}"
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c.description for c in CASES])
def test_search_finds_the_resolved_person(cur, pure_people, case):
    record = _record(cur, pure_people, case.pick)
    found = search_people(cur, **case.query(record))
    assert record["person_id"] in set(found["person_id"]), case.description
    row = found.set_index("person_id").loc[record["person_id"]]
    assert case.why in row["why_matched"], case.description
    if case.top:
        assert found["person_id"].iloc[0] == record["person_id"], case.description
    # Results are people, each once, never raw records; matches first, each tier best first.
    assert found["person_id"].is_unique
    assert found["near_miss"].is_monotonic_increasing
    for _, tier in found.groupby("near_miss"):
        assert tier["score"].is_monotonic_decreasing


NEAR_MISSES = [
    # (description, what is typed from the record, what the near miss says)
    ("DOB and surname, forename unknown to any agency", lambda r: {"name": f"Zebedee {r['surname']}", "dob": r["dob"]},
     ["forename: no match", "surname: ", "DOB: "]),
    ("DOB and forename, surname changed", lambda r: {"name": f"{r['forename']} Qwertyuiop", "dob": r["dob"]},
     ["surname: no match", "forename: ", "DOB: "]),
    ("the whole name at a postcode no agency has for them", lambda r: {"name": f"{r['forename']} {r['surname']}", "postcode": "ZE2 9XX"},
     ["postcode: no match", "name: "]),
]


@pytest.mark.parametrize(("description", "query", "says"), NEAR_MISSES, ids=[c[0] for c in NEAR_MISSES])
def test_a_person_matching_some_terms_is_a_near_miss_with_why(cur, pure_people, description, query, says):
    record = _record(cur, pure_people, "r.forename IS NOT NULL AND r.surname IS NOT NULL AND r.dob IS NOT NULL")
    found = search_people(cur, **query(record))
    assert record["person_id"] in set(found["person_id"]), description
    row = found.set_index("person_id").loc[record["person_id"]]
    assert row["near_miss"], description
    for words in says:
        assert words in row["why_matched"], (description, words, row["why_matched"])
    assert 0 < row["score"] < 1


def test_one_matching_piece_is_not_a_near_miss(cur, pure_people):
    record = _record(cur, pure_people, "r.forename IS NOT NULL AND r.surname IS NOT NULL AND r.dob IS NOT NULL")
    found = search_people(cur, name="Zebedee Qwertyuiop", dob=record["dob"])
    assert found.empty, "the DOB alone, with a name nobody has, lists nobody"


def test_near_misses_are_capped(cur, monkeypatch):
    # Surname and postcode area shared by several people; a forename none of them has.
    surname, outward, people = cur.execute(
        "SELECT r.surname, r.postcode_outward, count(DISTINCT c.person_id) AS n FROM records AS r JOIN clusters AS c USING (unique_id) "
        "WHERE r.surname IS NOT NULL AND r.postcode_outward IS NOT NULL GROUP BY ALL ORDER BY n DESC, r.surname LIMIT 1"
    ).fetchone()
    assert people >= 3
    query = {"name": f"Zebedee {surname}", "postcode": outward}
    assert search_people(cur, **query)["near_miss"].sum() >= 3
    monkeypatch.setattr(search, "NEAR_MISS_LIMIT", 2)
    found = search_people(cur, **query)
    assert found["near_miss"].sum() == 2 and found["near_miss"].all()


NO_MATCH = [
    ("a name nobody has", {"name": "Zyzzyx Qwertyuiop"}),
    ("an NHS number failing its check digit", {"nhs_number": "123 456 7890"}),
    ("a known name with a DOB a century away", {"name": "William", "dob": "01/01/1801"}),
]


@pytest.mark.parametrize(("description", "query"), NO_MATCH, ids=[c[0] for c in NO_MATCH])
def test_search_without_a_match_is_empty(cur, description, query):
    assert search_people(cur, **query).empty, description


def test_nothing_typed_returns_no_people(cur):
    assert search_people(cur).empty


TERMS = [
    ("nickname gets its canonical form", {"name": "bill smith"}, {"forename": "BILL", "forename_canonical": "WILLIAM", "surname": "SMITH"}),
    ("one word may be either name", {"name": "o'brien"}, {"surname": "OBRIEN", "either": True}),
    ("NHS number spaces removed", {"nhs_number": "943 476 5919"}, {"nhs_number": "9434765919"}),
    ("postcode spaced and upper-cased", {"postcode": "se154qr"}, {"postcode": "SE15 4QR"}),
    ("outward code alone", {"postcode": "se15"}, {"outward": "SE15", "postcode": None}),
    ("invalid NHS number reported", {"nhs_number": "1234567890"}, {"nhs_number": None}),
]


@pytest.mark.parametrize(("description", "typed", "expected"), TERMS, ids=[c[0] for c in TERMS])
def test_typed_terms_are_standardised_like_the_pipeline(cur, description, typed, expected):
    terms = standardise_query(cur, **typed)
    for field, value in expected.items():
        assert getattr(terms, field) == value, description


def test_unusable_terms_are_reported(cur):
    terms = standardise_query(cur, nhs_number="1234567890", dob="not a date")
    assert len(terms.problems) == 2
    assert terms.empty
