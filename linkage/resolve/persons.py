"""The golden view of each resolved person, keeping every agency's values with provenance."""

from __future__ import annotations

import duckdb

from linkage.codes import IDENTITY_FIELDS, Agency
from linkage.pipeline import run_sql

#: The agency names in the order ``ORDER BY`` sorts them; bit ``i`` of an agency mask is the ``i``-th (from 1).
_AGENCIES = sorted(a.value for a in Agency)


def _agency_bit(agency: str) -> str:
    """SQL for a record's agency as one bit of a mask (NULL for a null agency), reading ``$agencies``.

    An agency outside :class:`Agency` stops the statement rather than going unlisted; the
    store's agency column is the agency enum, so none is ever met.
    """
    text = f"CAST({agency} AS VARCHAR)"
    return (
        f"CASE WHEN {agency} IS NOT NULL THEN coalesce(CAST(1 AS INTEGER) << list_position($agencies, {text}), "
        f"error('not an agency: ' || {text})) END"
    )


def _agency_list(bit: str) -> tuple[str, str]:
    """SQL for the aggregates behind a group's ``list(DISTINCT agency ORDER BY agency)``, and for that list from them.

    A sorted ``DISTINCT`` list per group is the costliest aggregate of the golden view; the OR
    of the agencies' bits, decoded against the sorted names (a null agency last, as
    ``ORDER BY`` puts it), gives the same list for a fraction of the time.

    Args:
        bit: The column holding :func:`_agency_bit` of each record's agency.

    Returns:
        The aggregates (``agency_mask``, ``agency_null``) and the list expression over them.
    """
    aggregates = f"bit_or({bit}) AS agency_mask, bool_or({bit} IS NULL) AS agency_null"
    known = "list_filter($agencies, lambda a, i: coalesce((agency_mask >> i) & 1 = 1, false))"
    return aggregates, f"CASE WHEN agency_null THEN list_append({known}, NULL) ELSE {known} END"


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
    params = {"agencies": _AGENCIES}
    aggregates, agencies = _agency_list("agency_bit")
    run_sql(
        con,
        "build_person_values",
        f"CREATE OR REPLACE TABLE person_values{suffix} AS "
        f"SELECT person_id, field, value, records, {agencies} AS agencies, record_ids, first_seen, last_seen FROM ("
        f"SELECT person_id, field, value, count(*) AS records, {aggregates}, "
        "list(unique_id ORDER BY unique_id) AS record_ids, "
        "min(event_date) AS first_seen, max(event_date) AS last_seen "
        "FROM (UNPIVOT (SELECT c.person_id, r.unique_id, CAST(r.agency AS VARCHAR) AS agency, "
        f"{_agency_bit('r.agency')} AS agency_bit, r.event_date, {as_text} "
        f"FROM {records} AS r JOIN {clusters} AS c USING (unique_id)) "
        f"ON {', '.join(IDENTITY_FIELDS)} INTO NAME field VALUE value) "
        "GROUP BY person_id, field, value)",
        params,
    )
    aggregates, agencies = _agency_list("r.agency_bit")
    # Per field, the value most records hold, then the latest seen (never seen last), then the first by
    # value: the least of these keys, unique as a person's values of a field are distinct. arg_min
    # over a struct costs less than a first(... ORDER BY ...) that sorts each person's values.
    key = "{'records': -records, 'last_seen': coalesce(DATE '1970-01-01' - last_seen, $never), 'value': value}"
    golden = ", ".join(f"arg_min(value, {key}) FILTER (WHERE field = '{f}') AS {f}" for f in IDENTITY_FIELDS)
    run_sql(
        con,
        "build_persons",
        f"CREATE OR REPLACE TABLE persons{suffix} AS "
        "WITH per_person AS ("
        f"  SELECT person_id, records, {agencies} AS agencies, first_seen, last_seen FROM ("
        f"  SELECT c.person_id, count(*) AS records, {aggregates}, "
        "  min(r.event_date) AS first_seen, max(r.event_date) AS last_seen "
        f"  FROM (SELECT *, {_agency_bit('agency')} AS agency_bit FROM {records}) AS r "
        f"  JOIN {clusters} AS c USING (unique_id) GROUP BY c.person_id)), "
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
        {**params, "never": 2**63 - 1},
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
