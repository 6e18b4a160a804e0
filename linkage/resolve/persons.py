"""The golden view of each resolved person, keeping every agency's values with provenance."""

from __future__ import annotations

import duckdb

from linkage.codes import IDENTITY_FIELDS
from linkage.pipeline import run_sql

def build_person_tables(con: duckdb.DuckDBPyConnection, records: str, clusters: str, suffix: str = "__new") -> None:
    """Create ``person_values`` and ``persons`` from records and their clusters.

    ``person_values`` has one row per person, field and distinct value, with the
    agencies and records that hold it and when it was seen, so no agency's value is
    overwritten by another's. ``persons`` picks, per field, the value most records
    agree on (then the most recently seen), the address line and postcode together from
    one record, and lists the fields in conflict.

    Args:
        con: The store connection.
        records: The records table to read.
        clusters: The clusters table to read (``unique_id``, ``person_id``).
        suffix: Appended to the output table names.
    """
    as_text = ", ".join(f"CAST({f} AS VARCHAR) AS {f}" for f in IDENTITY_FIELDS)
    run_sql(
        con,
        "build_person_values",
        f"CREATE OR REPLACE TABLE person_values{suffix} AS "
        "SELECT person_id, field, value, count(*) AS records, "
        "list(DISTINCT agency ORDER BY agency) AS agencies, "
        "list(unique_id ORDER BY unique_id) AS record_ids, "
        "min(event_date) AS first_seen, max(event_date) AS last_seen "
        f"FROM (UNPIVOT (SELECT c.person_id, r.unique_id, CAST(r.agency AS VARCHAR) AS agency, r.event_date, {as_text} "
        f"FROM {records} AS r JOIN {clusters} AS c USING (unique_id)) "
        f"ON {', '.join(IDENTITY_FIELDS)} INTO NAME field VALUE value) "
        "GROUP BY person_id, field, value",
    )
    golden = ", ".join(
        f"first(value ORDER BY records DESC, last_seen DESC NULLS LAST, value) FILTER (WHERE field = '{f}') AS {f}"
        for f in IDENTITY_FIELDS
    )
    run_sql(
        con,
        "build_persons",
        f"CREATE OR REPLACE TABLE persons{suffix} AS "
        "WITH per_person AS ("
        "  SELECT c.person_id, count(*) AS records, list(DISTINCT CAST(r.agency AS VARCHAR) ORDER BY CAST(r.agency AS VARCHAR)) AS agencies, "
        "  min(r.event_date) AS first_seen, max(r.event_date) AS last_seen "
        f"  FROM {records} AS r JOIN {clusters} AS c USING (unique_id) GROUP BY c.person_id), "
        "conflicts AS ("
        "  SELECT person_id, list(field ORDER BY field) AS conflicts FROM ("
        f"    SELECT person_id, field FROM person_values{suffix} WHERE field <> 'address' "
        "    GROUP BY person_id, field HAVING count(*) > 1) GROUP BY person_id), "
        f"golden AS (SELECT person_id, {golden} FROM person_values{suffix} GROUP BY person_id), "
        # The address line and postcode are chosen together, from one record's pair (whole
        # pairs first, then the most records, then the latest), so the golden address is one
        # that was really recorded, never a street from one record and a postcode from another.
        "addresses AS ("
        "  SELECT c.person_id, r.address, r.postcode, count(*) AS n, max(r.event_date) AS last_seen "
        f"  FROM {records} AS r JOIN {clusters} AS c USING (unique_id) "
        "  WHERE r.address IS NOT NULL OR r.postcode IS NOT NULL GROUP BY ALL), "
        "home AS ("
        "  SELECT person_id, first({'address': address, 'postcode': postcode} ORDER BY "
        "  (address IS NOT NULL AND postcode IS NOT NULL) DESC, n DESC, last_seen DESC NULLS LAST, address, postcode) AS h "
        "  FROM addresses GROUP BY person_id) "
        "SELECT p.person_id, p.records, p.agencies, "
        "g.* EXCLUDE (person_id) REPLACE (h.h.postcode AS postcode, CAST(h.h.address AS VARCHAR) AS address), "
        "coalesce(k.conflicts, []::VARCHAR[]) AS conflicts, p.first_seen, p.last_seen "
        "FROM per_person AS p LEFT JOIN golden AS g USING (person_id) LEFT JOIN home AS h USING (person_id) "
        "LEFT JOIN conflicts AS k USING (person_id) "
        "ORDER BY p.person_id",
    )


def resolve_person_id(con: duckdb.DuckDBPyConnection, person_id: str) -> str | None:
    """The id a person is known by now: itself, or the survivor of a merge it was folded into.

    Args:
        con: A results connection.
        person_id: Any id ever issued, e.g. from a case note.

    Returns:
        The current id (for a withdrawn person, the id itself), or None if never issued.
    """
    rows = run_sql(
        con,
        "resolve_person_id",
        "SELECT CASE WHEN status = 'alias' THEN alias_of ELSE person_id END FROM person_ids WHERE person_id = $p",
        {"p": person_id.strip().upper()},
    ).fetchall()
    return rows[0][0] if rows else None
