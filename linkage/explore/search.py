"""Find resolved people by name (fuzzy, nickname-aware), date of birth, identifiers or postcode.

What the analyst types is standardised by the pipeline's own steps (clean names,
canonical nickname, Soundex, postcode, NHS number and PNC ID), so "Bill" finds a
WILLIAM and "943 476 5919" finds 9434765919. Every record of a person is searched,
so a person is found under an alias another agency recorded; results are people,
never raw records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from linkage.explore.search_levels import case_sql, credit_sql, name_parts, pieces_sql, term_criteria, why_sql
from linkage.pipeline import Step, run_sql
from linkage.standardise import contact, identifiers, names

#: Result columns, in order.
RESULT_COLUMNS = ("person_id", "name", "dob", "sex", "postcode", "agencies", "records", "score", "why_matched", "near_miss")

#: Typed pieces of evidence (forename, surname, DOB, NHS number, PNC ID, postcode) a person
#: who does not match every term must match to be shown as a near miss.
NEAR_MISS_PIECES = 2
#: Most near misses listed after the people who match every term.
NEAR_MISS_LIMIT = 20

#: Date formats an analyst may type a date of birth in.
DOB_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%d/%m/%y")

#: An outward code typed on its own (SE15), searched against records' outward codes.
OUTWARD_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")

@dataclass(frozen=True)
class SearchTerms:
    """What a search looks for, after the pipeline's standardisation.

    Attributes:
        forename: First forename, cleaned (None if not typed).
        forename_canonical: Its canonical form (BILL -> WILLIAM).
        surname: Surname, cleaned.
        either: One word was typed: it may be a forename or a surname.
        dob: Date of birth.
        nhs_number: NHS number as 10 digits (None if absent or failing its check digit).
        pnc_id: PNC ID as YY/NNNNNNNL (None if absent or invalid).
        postcode: Full postcode, upper case and spaced.
        outward: Outward code, when only that was typed.
        problems: Inputs that could not be used, and why (shown to the analyst).
    """

    forename: str | None = None
    forename_canonical: str | None = None
    surname: str | None = None
    either: bool = False
    dob: date | None = None
    nhs_number: str | None = None
    pnc_id: str | None = None
    postcode: str | None = None
    outward: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing usable to search for."""
        return not any((self.forename, self.surname, self.dob, self.nhs_number, self.pnc_id, self.postcode, self.outward))


def split_typed_name(name: str | None) -> tuple[str | None, str | None]:
    """Forenames and surname from a typed name: "SMITH, Bill" or "Bill Smith".

    One word is returned as the surname (the caller searches it as either part).

    Returns:
        ``(forenames, surname)``.
    """
    text = (name or "").strip()
    if not text:
        return None, None
    if "," in text:
        surname, _, forenames = text.partition(",")
        return forenames.strip() or None, surname.strip() or None
    words = text.split()
    if len(words) == 1:
        return None, words[0]
    return " ".join(words[:-1]), words[-1]


def parse_dob(value: date | str | None) -> date | None:
    """A date of birth from a date or typed text (dd/mm/yyyy, yyyy-mm-dd and similar).

    Raises:
        ValueError: The text is not a date in a known format.
    """
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = value.strip()
    if not text:
        return None
    for fmt in DOB_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("date of birth not understood; type it as dd/mm/yyyy")


def _query_steps() -> list[Step]:
    """The pipeline's own standardisation steps that apply to typed search terms."""
    return [
        names.clean_names(),
        names.split_forenames(),
        names.canonical_forename(),
        names.phonetic_codes(),
        contact.standardise_postcode(),
        identifiers.validate_nhs_number(),
        identifiers.validate_pnc_id(),
    ]


def _query_sql() -> tuple[str, dict[str, object]]:
    """One-row SELECT of the standardised query, the steps nested over the typed values."""
    relation = (
        "(SELECT CAST($forenames_raw AS VARCHAR) AS forenames_raw, CAST($surname_raw AS VARCHAR) AS surname_raw, "
        "CAST($postcode_raw AS VARCHAR) AS postcode_raw, CAST($nhs_number_raw AS VARCHAR) AS nhs_number_raw, "
        "CAST($pnc_id_raw AS VARCHAR) AS pnc_id_raw, []::VARCHAR[] AS dq)"
    )
    params: dict[str, object] = {}
    for step in _query_steps():
        relation = f"({step.render(relation)})"
        params.update(step.params)
    return relation, params


def standardise_query(
    con: duckdb.DuckDBPyConnection,
    *,
    name: str | None = None,
    dob: date | str | None = None,
    nhs_number: str | None = None,
    pnc_id: str | None = None,
    postcode: str | None = None,
) -> SearchTerms:
    """Standardise typed search terms with the pipeline's rules.

    Args:
        con: A results cursor (holds the nickname reference tables and ``soundex``).
        name: "Forenames Surname", "SURNAME, Forenames" or one word.
        dob: A date, or text such as 03/02/1977.
        nhs_number: Spaces and dashes allowed.
        pnc_id: Any case and spacing.
        postcode: Any case and spacing, or an outward code alone.

    Returns:
        The terms, with any that could not be used listed in ``problems``.
    """
    problems: list[str] = []
    forenames, surname = split_typed_name(name)
    either = forenames is None and surname is not None
    try:
        born = parse_dob(dob)
    except ValueError as exc:
        born, problems = None, [*problems, str(exc)]
    relation, params = _query_sql()
    typed = _raw_terms(name, postcode, nhs_number, pnc_id)
    row = run_sql(
        con,
        "standardise_search",
        f"SELECT forename, forename_canonical, surname, postcode, nhs_number, pnc_id FROM {relation}",
        {**params, **typed},
    ).fetchone()
    forename, canonical, clean_surname, clean_postcode, nhs, pnc = row
    outward = None
    if typed["postcode_raw"] and clean_postcode is None:
        compact = re.sub(r"[^A-Za-z0-9]", "", typed["postcode_raw"]).upper()
        if OUTWARD_PATTERN.match(compact):
            outward = compact
        else:
            problems.append("postcode not understood")
    if typed["nhs_number_raw"] and nhs is None:
        problems.append("NHS number is not 10 digits with a valid check digit")
    if typed["pnc_id_raw"] and pnc is None:
        problems.append("PNC ID is not in the form YY/NNNNNNNL with a valid check letter")
    return SearchTerms(
        forename=forename, forename_canonical=canonical, surname=clean_surname, either=either and bool(clean_surname),
        dob=born, nhs_number=nhs, pnc_id=pnc, postcode=clean_postcode, outward=outward, problems=tuple(problems),
    )


def search_people(
    con: duckdb.DuckDBPyConnection,
    *,
    name: str | None = None,
    dob: date | str | None = None,
    nhs_number: str | None = None,
    pnc_id: str | None = None,
    postcode: str | None = None,
    limit: int = 50,
) -> pd.DataFrame:
    """Resolved people matching the given terms on some record of theirs, best first, then the near misses.

    Name matching is fuzzy and nickname-aware (exact, nickname, close spelling,
    Soundex, middle name, initial; forename and surname swapped) and looks at
    every record of a person, so aliases are found. Dates of birth match exactly,
    with day and month swapped, or with the year one out. Identifiers match
    exactly after standardisation; a postcode matches exactly, or an outward code
    typed alone matches that area.

    A person who matches every term is a match. One who does not, but matches at
    least :data:`NEAR_MISS_PIECES` of the typed pieces (forename, surname, DOB, NHS
    number, PNC ID, postcode: say the DOB and the surname, or the whole name at
    another postcode) is a near miss, listed after the matches with what did not
    match: a search never says "nobody" when a DOB-and-surname or DOB-and-forename
    candidate exists.

    Args:
        con: A results cursor.
        name: "Forenames Surname", "SURNAME, Forenames" or one word (forename or surname).
        dob: A date, or text such as 03/02/1977.
        nhs_number: Spaces and dashes allowed.
        pnc_id: Any case and spacing.
        postcode: Full postcode or outward code, any case and spacing.
        limit: Most matches to return (near misses are capped at :data:`NEAR_MISS_LIMIT`).

    Returns:
        One row per person: person_id, name, dob, sex, postcode, agencies, records,
        score (0..1: the mean of each term's best level; a term not matched counts 0
        and half a name counts half its level), why_matched (each term's best level and
        the value it matched, or "no match") and near_miss. Matches come first, best
        first, then near misses, best first. Empty if nothing usable was given.
        ``attrs["problems"]`` lists terms that could not be used.
    """
    terms = standardise_query(con, name=name, dob=dob, nhs_number=nhs_number, pnc_id=pnc_id, postcode=postcode)
    if terms.empty:
        return _frame([], terms)
    criteria = term_criteria(terms)
    # With both names typed, each also on its own: half a name is evidence for a near miss.
    parts = name_parts(terms)
    columns = {**criteria, **parts}
    level_items = ",\n".join(
        f"{case_sql(levels, 'score')} AS {key}_score, {case_sql(levels, 'label')} AS {key}_label, {shown} AS {key}_value"
        for key, (levels, shown) in columns.items()
    )
    any_level = " OR ".join(f"{key}_score IS NOT NULL" for key in columns)
    per_person = ", ".join(
        f"max({key}_score) AS {key}_score, "
        f"arg_max({key}_value || ' (' || {key}_label || ')', {key}_score) AS {key}_why"
        for key in columns
    )
    all_given = " AND ".join(f"m.{key}_score IS NOT NULL" for key in criteria)
    pieces = " + ".join(pieces_sql(key, parts) for key in criteria)
    credit = " + ".join(credit_sql(key, parts) for key in criteria)
    why = ", ".join(why_sql(key, parts) for key in criteria)
    relation, step_params = _query_sql()
    sql = (
        f"WITH q AS (SELECT *, CAST($dob AS DATE) AS dob, CAST($outward AS VARCHAR) AS outward FROM {relation}), "
        "matched AS (SELECT * FROM ("
        f"  SELECT r.unique_id, {level_items} FROM records AS r, q) WHERE {any_level}), "
        f"people AS (SELECT c.person_id, {per_person} FROM matched JOIN clusters AS c USING (unique_id) GROUP BY c.person_id), "
        f"judged AS (SELECT m.*, NOT ({all_given}) AS near_miss, ({pieces}) AS pieces, "
        f"round(({credit}) / {len(criteria)}, 3) AS score, concat_ws('; ', {why}) AS why_matched FROM people AS m), "
        "ranked AS (SELECT *, row_number() OVER (PARTITION BY near_miss ORDER BY score DESC, person_id) AS place "
        "FROM judged WHERE NOT near_miss OR pieces >= $pieces) "
        "SELECT p.person_id, concat_ws(' ', p.forename, p.surname) AS name, TRY_CAST(p.dob AS DATE) AS dob, "
        "CAST(p.sex AS VARCHAR) AS sex, p.postcode, p.agencies, p.records, m.score, m.why_matched, m.near_miss "
        "FROM ranked AS m JOIN persons AS p USING (person_id) "
        "WHERE m.place <= CASE WHEN m.near_miss THEN $near_limit ELSE $limit END "
        "ORDER BY m.near_miss, m.score DESC, p.records DESC, p.person_id"
    )
    params = {
        **step_params, **_raw_terms(name, postcode, nhs_number, pnc_id),
        "outward": terms.outward, "dob": terms.dob, "limit": limit, "near_limit": NEAR_MISS_LIMIT,
        "pieces": NEAR_MISS_PIECES,
    }
    rows = run_sql(con, "search_people", sql, params).fetchall()
    return _frame(rows, terms)


def _raw_terms(
    name: str | None, postcode: str | None, nhs_number: str | None, pnc_id: str | None
) -> dict[str, str | None]:
    """Typed values under the raw column names the standardisation steps read."""
    forenames, surname = split_typed_name(name)
    either = forenames is None and surname is not None
    return {
        "forenames_raw": surname if either else forenames,
        "surname_raw": surname,
        "postcode_raw": (postcode or "").strip() or None,
        "nhs_number_raw": (nhs_number or "").strip() or None,
        "pnc_id_raw": (pnc_id or "").strip() or None,
    }


def _frame(rows: list[tuple], terms: SearchTerms) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    frame.attrs["problems"] = list(terms.problems)
    return frame
