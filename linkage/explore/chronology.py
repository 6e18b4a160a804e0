"""A multi-agency chronology: every event any agency recorded about a person (or their family), in date order.

This is the table strategy discussions and case reviews are built on, so each row
says where it came from (agency, source, record), what happened and the person's
role in it, and how sure the linkage is that the record is this person's: its link
strength (as on the profile's records) and best match probability. Rows are ready
to read and to print: dates dd/mm/yyyy, codes in words, blanks for what no agency
recorded. Undated events come last, so nothing an agency holds is left out.
"""

from __future__ import annotations

import html

import duckdb
import pandas as pd

from linkage.explore.network import HOUSEHOLD, person_network
from linkage.explore.profile import LINK_STRENGTH, LINK_STRENGTHS, REVIEW_PAIRS, person_label
from linkage.explore.readable import day, present, text, words, yes_no
from linkage.pipeline import run_sql

#: The chronology's columns, in reading order.
CHRONOLOGY_COLUMNS = (
    "date", "person", "relationship", "agency", "event", "role", "domestic_abuse", "dash_risk", "plan", "category",
    "service", "complaint", "markers", "link", "match_probability", "source", "record_id", "person_id",
)
#: Who a row is about, relative to the person whose chronology it is.
THIS_PERSON = "this person"
#: Relationships (from :func:`linkage.explore.person_network`) that put someone in a family chronology.
FAMILY_RELATIONSHIPS = ("family", HOUSEHOLD)
#: How codes read in the chronology.
PLAN_WORDS = {"cp_plan": "child protection plan", "cin": "child in need", "early_help": "early help"}
MARKERS = {"mental_health": "mental health", "substance_misuse": "substance misuse", "pregnancy": "pregnancy"}


def family_members(con: duckdb.DuckDBPyConnection, person_id: str) -> dict[str, str]:
    """The people a family chronology takes in: the person's family and household, one hop out.

    Family comes from shared care events (parent, child, carer), household from a
    shared address, as on the network page.

    Args:
        con: A results cursor.
        person_id: The person at the centre.

    Returns:
        Person id to relationship (``family``, ``household`` or ``family, household``),
        the person themselves excluded; empty when they have none or do not exist.
    """
    network = person_network(con, person_id, depth=1)
    if network is None or network.edges.empty:
        return {}
    edges = network.edges[network.edges["relationship"].isin(FAMILY_RELATIONSHIPS)]
    members: dict[str, set[str]] = {}
    for edge in edges.itertuples():
        if person_id in (edge.source, edge.target):
            other = edge.target if edge.source == person_id else edge.source
            members.setdefault(other, set()).add(edge.relationship)
    return {p: ", ".join(r for r in FAMILY_RELATIONSHIPS if r in rels) for p, rels in sorted(members.items())}


def chronology(
    con: duckdb.DuckDBPyConnection, person_id: str, members: dict[str, str] | None = None
) -> pd.DataFrame:
    """Every record linked to the person (and to ``members``), as events in date order.

    Args:
        con: A results cursor.
        person_id: The person whose chronology it is.
        members: Other people to take in, id to relationship (e.g. from
            :func:`family_members`); None for the person alone.

    Returns:
        One row per record, columns :data:`CHRONOLOGY_COLUMNS`, all text (blank where
        nothing was recorded): oldest event first, undated records last, then by
        person (this person first), agency and record. ``link`` is the record's link
        strength and ``match_probability`` the best match joining it to its person.
        Empty when the person has no records.
    """
    people = {person_id: THIS_PERSON, **{p: r for p, r in (members or {}).items() if p != person_id}}
    frame = run_sql(con, "chronology_events", _events_sql(), {
        "ids": list(people), "relationships": list(people.values()),
    }).df()
    return _readable(frame)


#: Column headings of the printed chronology.
HEADINGS = {
    "date": "Date", "person": "Person", "relationship": "Relationship", "agency": "Agency", "event": "Event",
    "role": "Role", "domestic_abuse": "DA", "dash_risk": "DASH", "plan": "Plan", "category": "Category",
    "service": "Service", "complaint": "Complaint", "markers": "Markers", "link": "Link",
    "match_probability": "Best match", "source": "Source", "record_id": "Record", "person_id": "Person id",
}
_PRINT_STYLE = (
    "body{font-family:sans-serif;font-size:10pt;margin:1.5em}h1{font-size:14pt;margin:0}"
    "p{margin:.3em 0 1em}table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #999;padding:2px 4px;text-align:left;vertical-align:top}"
    "th{background:#eee}tr{page-break-inside:avoid}thead{display:table-header-group}"
    "@page{size:A4 landscape;margin:12mm}@media print{body{margin:0}}"
)


def chronology_html(events: pd.DataFrame, title: str, notes: list[str]) -> bytes:
    """The chronology as a printable page: a heading, notes, and the table (A4 landscape, headings on every page).

    Every cell is HTML-escaped, so nothing an agency recorded is run as markup.

    Args:
        events: From :func:`chronology` (agency may already be named for the reader).
        title: The page heading, e.g. the person's name and id.
        notes: Lines under the heading (who printed it, when, for what purpose, what it covers).

    Returns:
        The page as UTF-8 bytes.
    """
    head = "".join(f"<th>{html.escape(HEADINGS.get(c, c))}</th>" for c in events.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        for row in events.itertuples(index=False)
    )
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in notes)
    page = (
        f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        f"<style>{_PRINT_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{lines}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )
    return page.encode("utf-8")


def _events_sql() -> str:
    """The records of the people asked for, with the event fields and each record's link strength."""
    return (
        "WITH people AS (SELECT unnest($ids) AS person_id, unnest($relationships) AS relationship, "
        "  generate_subscripts($ids, 1) AS position), "
        "mine AS (SELECT c.unique_id FROM clusters AS c JOIN people USING (person_id)), "
        f"{REVIEW_PAIRS} "
        "SELECT r.event_date, c.person_id, people.relationship, concat_ws(' ', ps.forename, ps.surname) AS name, "
        "TRY_CAST(ps.dob AS DATE) AS dob, CAST(r.agency AS VARCHAR) AS agency, r.source, r.record_id, r.event_type, "
        "CAST(r.role AS VARCHAR) AS role, r.domestic_abuse, CAST(r.dash_risk AS VARCHAR) AS dash_risk, "
        "CAST(r.plan_type AS VARCHAR) AS plan_type, r.category, r.service, r.complaint, "
        "r.mental_health, r.substance_misuse, r.pregnancy, "
        f"{LINK_STRENGTH} AS link_strength, c.best_match_probability "
        "FROM records AS r JOIN clusters AS c USING (unique_id) JOIN people USING (person_id) "
        "LEFT JOIN persons AS ps ON ps.person_id = c.person_id LEFT JOIN review AS v USING (unique_id) "
        "ORDER BY r.event_date NULLS LAST, people.position, agency, r.source, r.record_id"
    )


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The query's rows as the chronology reads: words and dd/mm/yyyy, blank for nothing recorded."""
    rows = []
    for row in frame.itertuples(index=False):
        markers = [word for field, word in MARKERS.items() if yes_no(getattr(row, field)) == "yes"]
        rows.append({
            "date": day(row.event_date),
            "person": person_label(row.name or None, row.dob if present(row.dob) else None),
            "relationship": row.relationship,
            "agency": row.agency or "",
            "event": words(row.event_type),
            "role": words(row.role),
            "domestic_abuse": yes_no(row.domestic_abuse),
            "dash_risk": text(row.dash_risk),
            "plan": PLAN_WORDS.get(row.plan_type, text(row.plan_type)),
            "category": text(row.category),
            "service": text(row.service),
            "complaint": text(row.complaint),
            "markers": ", ".join(markers),
            "link": LINK_STRENGTHS.get(row.link_strength, text(row.link_strength)),
            "match_probability": f"{row.best_match_probability:.3f}" if present(row.best_match_probability) else "",
            "source": text(row.source),
            "record_id": text(row.record_id),
            "person_id": row.person_id,
        })
    return pd.DataFrame(rows, columns=list(CHRONOLOGY_COLUMNS))

