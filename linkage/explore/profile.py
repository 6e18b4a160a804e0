"""One person's profile: golden view with provenance, linked records, timeline and flags, and the summary's
agencies with their latest contact and flags in words (who the person lives with: ``linkage.explore.household``).

Each function filters by the person first (their records via ``clusters``), so a
profile reads a few rows whatever the size of the run.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from linkage.codes import IDENTITY_FIELDS
from linkage.explore.readable import day, present, readable, text, words
from linkage.accountability.flag_decisions import status_text
from linkage.pipeline import run_sql
from linkage.safeguard import read_flag_run
from linkage.explore.triage import FLAG_LABELS

#: How sure the resolution is of each record's place in its person, strongest first, and how each reads.
LINK_STRENGTHS = {"confirmed": "confirmed", "strong": "strong", "review": "review", "single": "only record"}

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
    golden = " ".join(f"WHEN '{f}' THEN CAST(p.{f} AS VARCHAR)" for f in IDENTITY_FIELDS)
    order = " ".join(f"WHEN '{f}' THEN {i}" for i, f in enumerate(IDENTITY_FIELDS))
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
    fields = ", ".join(f"r.{f}" for f in IDENTITY_FIELDS)
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


#: Columns of :func:`agency_contacts`, all text but ``records``.
AGENCY_COLUMNS = ("agency", "records", "first_contact", "latest_contact", "latest_event", "role", "record_id")


def agency_contacts(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """The agencies that know the person, each with its latest contact: who to call first.

    Args:
        con: A results cursor.
        person_id: The person.

    Returns:
        One row per agency (its code), latest contact first, columns
        :data:`AGENCY_COLUMNS`: records, first and latest contact dd/mm/yyyy (blank if
        no record is dated), what the latest contact was (service, event and complaint
        or category, DASH risk), the person's role in it and its record id.
    """
    latest = "ORDER BY r.event_date DESC NULLS LAST, r.record_id DESC"
    frame = run_sql(
        con,
        "profile_agency_contacts",
        "SELECT CAST(r.agency AS VARCHAR) AS agency, count(*) AS records, min(r.event_date) AS first_contact, "
        "max(r.event_date) AS latest_contact, "
        "first(concat_ws(': ', r.service, r.event_type, coalesce(r.complaint, r.category)) "
        f"  || CASE WHEN r.dash_risk IS NOT NULL THEN ' (DASH ' || CAST(r.dash_risk AS VARCHAR) || ')' ELSE '' END {latest}) "
        "AS latest_event, "
        f"first(CAST(r.role AS VARCHAR) {latest}) AS role, first(r.record_id {latest}) AS record_id "
        f"FROM records AS r WHERE r.unique_id IN ({_PERSON_RECORDS}) "
        "GROUP BY ALL ORDER BY latest_contact DESC NULLS LAST, agency",
        {"person_id": person_id},
    ).df()
    return readable(frame, days=("first_contact", "latest_contact"), codes=("role",), keep=("records",))


#: Columns of :func:`flag_briefs`.
BRIEF_COLUMNS = ("flag_id", "code", "label", "subject", "about", "severity", "status", "open", "rule", "evidence", "more")
#: Decisions that leave a flag open: nobody has decided yet, or it is being looked at.
OPEN_STATUSES = ("new", "under_review")


def flag_briefs(
    flags: pd.DataFrame, evidence: pd.DataFrame, decisions: pd.DataFrame | None = None, max_evidence: int = 5
) -> pd.DataFrame:
    """Each flag in plain words, with its decision and its latest evidence, for the profile's summary.

    Args:
        flags: :func:`person_flags`.
        evidence: :func:`flag_evidence` of those flags.
        decisions: ``linkage.accountability.flag_decisions.decisions_in_force`` (newest first per flag); None: all new.
        max_evidence: Evidence lines kept per flag, latest first (``more`` counts the rest).

    Returns:
        One row per flag, in ``flags``' order, columns :data:`BRIEF_COLUMNS`: ``label`` (the
        flag's name), ``about`` (blank when the flag is about this person, else the flagged
        person's name and DOB and this person's roles on it), ``status`` (the decision in
        force, in words), ``open`` (new or under review), ``rule`` (the rule as written,
        in words), ``evidence`` (one line per event, latest first: date, agency, what
        happened, who and in what role; each agency's latest event is kept before
        other events, so every agency's part shows), ``more`` (events left out).
    """
    rows = []
    for flag in flags.itertuples(index=False):
        status, outcome = _decision(decisions, flag.code, flag.person_id)
        about = "" if flag.subject else (
            f"{person_label(flag.name or None, flag.dob if present(flag.dob) else None)}; this person as "
            + (", ".join(words(r) for r in flag.roles) or "involved")
        )
        lines = _evidence_lines(evidence[evidence["flag_id"] == flag.flag_id] if len(evidence) else evidence)
        rows.append({
            "flag_id": flag.flag_id, "code": flag.code, "label": FLAG_LABELS.get(flag.code, words(flag.code)),
            "subject": bool(flag.subject), "about": about, "severity": int(flag.severity),
            "status": status_text(status, outcome), "open": status in OPEN_STATUSES, "rule": flag.rule,
            "evidence": _pick(lines, max_evidence),
            "more": max(len(lines) - max_evidence, 0),
        })
    return pd.DataFrame(rows, columns=list(BRIEF_COLUMNS))


def _decision(decisions: pd.DataFrame | None, code: str, person: str) -> tuple[str, str | None]:
    if decisions is None or decisions.empty:
        return "new", None
    mine = decisions[(decisions["flag_code"] == code) & (decisions["person_id"] == person)]
    if mine.empty:
        return "new", None
    outcome = mine["outcome"].iloc[0]
    return mine["status"].iloc[0], outcome if present(outcome) else None


def _evidence_lines(evidence: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(agency, sort key, line) per event, latest first: one event's records (each person's) make one line.

    A line reads ``15/07/2023 · police · Domestic Abuse - Assault · JOHN SMITH (born ...) as suspect;
    JANE SMITH (born ...) as victim``.
    """
    events: dict[tuple, list[str]] = {}
    for e in evidence.itertuples(index=False):
        who = person_label(e.name or None, e.dob if present(e.dob) else None) if present(e.person_id) else "a withdrawn record"
        role = f" as {words(e.role)}" if present(e.role) else ""
        key = (day(e.event_date), e.event_date if present(e.event_date) else None, text(e.agency), text(e.description))
        events.setdefault(key, [])
        if f"{who}{role}" not in events[key]:
            events[key].append(f"{who}{role}")
    lines = [
        (agency, when.isoformat() if when is not None else "", " · ".join(
            p for p in (shown or "undated", words(agency), description, "; ".join(people)) if p
        ))
        for (shown, when, agency, description), people in events.items()
    ]
    return sorted(lines, key=lambda line: line[1], reverse=True)


def _pick(lines: list[tuple[str, str, str]], most: int) -> list[str]:
    """The latest line from each agency first (so every agency's part is seen), then the latest others; latest first."""
    chosen: list[tuple[str, str, str]] = []
    for agency in dict.fromkeys(line[0] for line in lines):
        chosen.append(next(line for line in lines if line[0] == agency))
    chosen = chosen[:most]
    chosen += [line for line in lines if line not in chosen][: most - len(chosen)]
    return [line[2] for line in sorted(chosen, key=lambda line: line[1], reverse=True)]
