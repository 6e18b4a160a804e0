"""One person's profile: golden view with provenance, linked records, timeline and flags.

Each function filters by the person first (their records via ``clusters``), so a
profile reads a few rows whatever the size of the run.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from linkage.pipeline import run_sql
from linkage.resolve.persons import GOLDEN_FIELDS
from linkage.safeguarding import read_flag_run

#: How sure the resolution is of each record's place in its person, strongest first.
LINK_STRENGTHS = ("confirmed", "strong", "review", "single")

#: Record fields shown beside each linked record.
RECORD_FIELDS = (
    "forename", "middle_names", "surname", "dob", "sex", "nhs_number", "pnc_id", "postcode", "address", "phone",
)
#: Event fields shown on the timeline.
EVENT_FIELDS = (
    "event_type", "role", "domestic_abuse", "dash_risk", "plan_type", "category", "service", "complaint",
    "mental_health", "substance_misuse", "pregnancy",
)

_PERSON_RECORDS = "SELECT unique_id FROM clusters WHERE person_id = $person_id"
#: A CTE ``review`` (unique_id, review_pairs): review-band pairs touching each record of a CTE ``mine``.
REVIEW_PAIRS = (
    "review AS ("
    "  SELECT unique_id, count(*) AS review_pairs FROM ("
    "    SELECT unique_id_l AS unique_id FROM pairs WHERE band = 'review' AND unique_id_l IN (SELECT unique_id FROM mine) "
    "    UNION ALL "
    "    SELECT unique_id_r FROM pairs WHERE band = 'review' AND unique_id_r IN (SELECT unique_id FROM mine)) "
    "  GROUP BY unique_id)"
)
#: A record's link strength from its cluster row ``c`` and its ``review`` row ``v``: an analyst's
#: confirmation wins, then any review-band pair, then the clustering's own strength.
LINK_STRENGTH = (
    "CASE WHEN c.link_strength = 'confirmed' THEN 'confirmed' WHEN v.review_pairs > 0 THEN 'review' "
    "ELSE c.link_strength END"
)


def person_summary(con: duckdb.DuckDBPyConnection, person_id: str) -> dict | None:
    """The person's golden row: chosen values, agencies, record count, conflicts, first and last seen.

    Args:
        con: A results cursor.
        person_id: e.g. MP0000042.

    Returns:
        Column name to value, or None if there is no such person.
    """
    cursor = run_sql(con, "profile_person", "SELECT * FROM persons WHERE person_id = $person_id", {"person_id": person_id})
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def provenance(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """Every value each field of the person has, with which agencies and records said it.

    Args:
        con: A results cursor.
        person_id: The person.

    Returns:
        One row per field and value: field, value, golden (the value the golden view
        shows), in_conflict (the field has more than one value, addresses aside),
        records, agencies, record_ids, first_seen, last_seen. Fields in golden-view
        order, the golden value first.
    """
    golden = " ".join(f"WHEN '{f}' THEN CAST(p.{f} AS VARCHAR)" for f in GOLDEN_FIELDS)
    order = " ".join(f"WHEN '{f}' THEN {i}" for i, f in enumerate(GOLDEN_FIELDS))
    return run_sql(
        con,
        "profile_provenance",
        "SELECT v.field, v.value, coalesce(v.value = CASE v.field " + golden + " END, false) AS golden, "
        "list_contains(p.conflicts, v.field) AS in_conflict, v.records, v.agencies, v.record_ids, "
        "v.first_seen, v.last_seen "
        "FROM person_values AS v JOIN persons AS p USING (person_id) "
        "WHERE v.person_id = $person_id AND v.value IS NOT NULL "
        f"ORDER BY CASE v.field {order} END, golden DESC, v.records DESC, v.value",
        {"person_id": person_id},
    ).df()


def person_records(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """Every source record linked into the person, with how strong its link is.

    A record is 'review' when a pair in the review band touches it (into this person
    or out of it), unless an analyst confirmed its link; otherwise its strength is
    the clustering's: confirmed (by an analyst), strong, or single (the only record).

    Args:
        con: A results cursor.
        person_id: The person.

    Returns:
        One row per record, grouped by agency: unique_id, agency, source, record_id,
        link_strength, best_match_probability, review_pairs, the record's identity
        fields and its event date and type.
    """
    fields = ", ".join(f"r.{f}" for f in RECORD_FIELDS)
    return run_sql(
        con,
        "profile_records",
        f"WITH mine AS ({_PERSON_RECORDS}), {REVIEW_PAIRS} "
        "SELECT r.unique_id, CAST(r.agency AS VARCHAR) AS agency, r.source, r.record_id, "
        f"{LINK_STRENGTH} AS link_strength, c.best_match_probability, coalesce(v.review_pairs, 0) AS review_pairs, "
        f"{fields}, r.event_date, r.event_type "
        "FROM records AS r JOIN clusters AS c USING (unique_id) LEFT JOIN review AS v USING (unique_id) "
        "WHERE c.person_id = $person_id ORDER BY agency, r.source, r.event_date NULLS LAST, r.record_id",
        {"person_id": person_id},
    ).df()


def timeline(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """The person's events across agencies, oldest first.

    Args:
        con: A results cursor.
        person_id: The person.

    Returns:
        One row per record with an event date: event_date, agency, source, record_id,
        unique_id, and the event fields (type, role, domestic abuse marker, DASH risk,
        plan, category, service, complaint, health markers).
    """
    fields = ", ".join(
        f"CAST(r.{f} AS VARCHAR) AS {f}" if f in ("role", "dash_risk", "plan_type") else f"r.{f}" for f in EVENT_FIELDS
    )
    return run_sql(
        con,
        "profile_timeline",
        f"SELECT r.event_date, CAST(r.agency AS VARCHAR) AS agency, r.source, r.record_id, r.unique_id, {fields} "
        f"FROM records AS r WHERE r.unique_id IN ({_PERSON_RECORDS}) AND r.event_date IS NOT NULL "
        "ORDER BY r.event_date, agency, r.record_id",
        {"person_id": person_id},
    ).df()


def person_flags(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """Flags raised on the person, or naming them among the people involved.

    Args:
        con: A results cursor.
        person_id: The person.

    Returns:
        One row per flag, most severe first: flag_id, code, subject (True when the
        flag is about this person, False when they are one of those involved),
        person_id (the flagged person) with their name and dob, person_ids, rule,
        severity, score, agencies, cross_agency, weakest_link, evidence_records,
        roles (this person's roles on the flag's evidence records), parameters (a
        dict) and as_of (the date every flag's windows end on, one per run).
    """
    frame = run_sql(
        con,
        "profile_flags",
        "WITH mine AS (SELECT f.flag_id, list(DISTINCT e.role ORDER BY e.role) FILTER (WHERE e.role IS NOT NULL) AS roles "
        "  FROM flags AS f JOIN flag_evidence AS e USING (flag_id) JOIN clusters AS c USING (unique_id) "
        "  WHERE (f.person_id = $person_id OR list_contains(f.person_ids, $person_id)) AND c.person_id = $person_id "
        "  GROUP BY f.flag_id) "
        "SELECT f.flag_id, CAST(f.code AS VARCHAR) AS code, f.person_id = $person_id AS subject, f.person_id, "
        "concat_ws(' ', p.forename, p.surname) AS name, TRY_CAST(p.dob AS DATE) AS dob, f.person_ids, f.rule, "
        "f.severity, f.score, f.agencies, f.cross_agency, f.weakest_link, f.evidence_records, "
        "coalesce(m.roles, []::VARCHAR[]) AS roles, f.parameters "
        "FROM flags AS f LEFT JOIN persons AS p USING (person_id) LEFT JOIN mine AS m USING (flag_id) "
        "WHERE f.person_id = $person_id OR list_contains(f.person_ids, $person_id) "
        "ORDER BY subject DESC, f.severity DESC, f.flag_id",
        {"person_id": person_id},
    ).df()
    frame["parameters"] = [json.loads(p) if p else {} for p in frame["parameters"]]
    stored = read_flag_run(con)
    frame["as_of"] = stored[0] if stored else None
    return frame


def flag_evidence(con: duckdb.DuckDBPyConnection, flag_ids: list[int]) -> pd.DataFrame:
    """The source records behind flags, with the person each record belongs to.

    Args:
        con: A results cursor.
        flag_ids: The flags.

    Returns:
        One row per flag and record: flag_id, event_date, agency, source, record_id,
        unique_id, person_id with the person's golden name and dob, role,
        description, link_probability.
    """
    return run_sql(
        con,
        "flag_evidence",
        "SELECT e.flag_id, e.event_date, e.agency, e.source, e.record_id, e.unique_id, c.person_id, "
        "concat_ws(' ', p.forename, p.surname) AS name, TRY_CAST(p.dob AS DATE) AS dob, e.role, "
        "e.description, e.link_probability "
        "FROM flag_evidence AS e LEFT JOIN clusters AS c USING (unique_id) LEFT JOIN persons AS p ON p.person_id = c.person_id "
        "WHERE e.flag_id IN (SELECT unnest(CAST($flag_ids AS BIGINT[]))) ORDER BY e.flag_id, e.event_date, e.unique_id",
        {"flag_ids": [int(f) for f in flag_ids]},
    ).df()


def people_named(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> dict[str, str]:
    """How to name people where an id would otherwise be shown: ``NAME (born dd/mm/yyyy)``.

    Args:
        con: A results cursor.
        person_ids: The people.

    Returns:
        Person id to their golden name and DOB; an id not in the results is absent.
    """
    rows = run_sql(
        con,
        "profile_people_named",
        "SELECT person_id, concat_ws(' ', forename, surname), TRY_CAST(dob AS DATE) FROM persons "
        "WHERE person_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
        {"ids": sorted(set(person_ids))},
    ).fetchall()
    return {pid: person_label(name, dob) for pid, name, dob in rows}


def person_label(name: str | None, dob) -> str:
    """A person as a reader names them: ``NAME (born dd/mm/yyyy)``, with placeholders for what is missing."""
    born = f"born {dob:%d/%m/%Y}" if dob is not None and not pd.isna(dob) else "DOB not known"
    return f"{name or '(no name recorded)'} ({born})"
