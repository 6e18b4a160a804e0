"""Find the shared and generic addresses of a run (refuges, hostels, custody, 'no fixed abode') and keep them.

The SQL here reads the rows :func:`graph.shared.shared_addresses` judges: each address
key once, and for dwellings with enough people to be shared, who was seen there and
who is family to whom. The result is kept as ``shared_addresses`` with the flags, so
households (flags, network, family chronology) and address display read the same list.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import duckdb
import pandas as pd
import pyarrow as pa

from graph.config import FlagRules
from graph.shared import SHARED_COLUMNS, shared_addresses
from linkage.codes import Agency, Role
from linkage.node_keys import ADDRESS_KEY_SQL
from linkage.pipeline import create_table_from_arrow, fetch_arrow, quote_ident, run_sql
from linkage.store import has_table

__all__ = [
    "AREA_SQL",
    "DWELLING_KEY_SQL",
    "SHARED_TABLE",
    "dwelling_sql",
    "find_shared_addresses",
    "in_window_sql",
    "key_area_sql",
    "read_shared_addresses",
    "window_since",
]

logger = logging.getLogger(__name__)

#: The table of a run's shared and generic addresses (columns of :data:`graph.shared.SHARED_COLUMNS`).
SHARED_TABLE = "shared_addresses"


#: The area a record's address key belongs to: its postcode, or the key itself when it has none.
#: Every record of one dwelling (:func:`dwelling_sql`) is in one area, so an area's verdicts can be
#: judged again apart from the rest. Over a records row ``r``.
AREA_SQL = f"coalesce(nullif(r.postcode, ''), {ADDRESS_KEY_SQL})"


def key_area_sql(column: str) -> str:
    """:data:`AREA_SQL` read back from a stored address key (``ADDRESS_KEY_SQL`` puts the postcode, which holds no '|', before the first '|')."""
    return f"coalesce(nullif(split_part(substr({column}, 9), '|', 1), ''), {column})"


def dwelling_sql() -> str:
    """The place a record's address names, over a records row ``r`` with an address.

    With a postcode, the postcode and the address's first two words ('12 ACACIA',
    'FLAT 3'), so '12 ACACIA RD NORTHTOWN' and '12 ACACIA ROAD' are one dwelling; without
    one, the whole address.
    """
    # regexp_extract, which DuckDB and Spark both read (Spark's parts key people by dwelling too).
    return "CASE WHEN nullif(r.postcode, '') IS NOT NULL THEN r.postcode || '|' || regexp_extract(r.address, '^[^ ]+( [^ ]+)?', 0) ELSE '|' || r.address END"


#: A record's dwelling key: ``dwelling:`` and :func:`dwelling_sql`'s value (which
#: ``graph.flags.dwelling.dwelling`` reads from an address node); null for a blank address. Over a
#: records row aliased ``r``, in SQL that DuckDB and Spark both read: an incremental run and a
#: Spark part reach every spelling of one dwelling through it (dangerous places, Operation
#: Encompass, unseen men).
DWELLING_KEY_SQL = f"CASE WHEN nullif(trim(r.address), '') IS NOT NULL THEN 'dwelling:' || {dwelling_sql()} END"


#: The records of the areas judged again, read once (a temporary table).
_AREA_RECORDS = "shared_area_records"


def _in_areas(areas: str | None) -> str:
    """A condition on a records row ``r``: its area is one of ``areas`` (a table with column ``area``), or true."""
    return "" if areas is None else f" AND {AREA_SQL} IN (SELECT area FROM {quote_ident(areas)})"


def _keys_sql(records: str, areas: str | None = None) -> str:
    """Each address key once, with its postcode, address and dwelling."""
    return (
        f"SELECT DISTINCT {ADDRESS_KEY_SQL} AS address_key, r.postcode, r.address, {dwelling_sql()} AS dwelling "
        f"FROM {quote_ident(records)} AS r WHERE nullif(trim(r.address), '') IS NOT NULL{_in_areas(areas)} ORDER BY address_key"
    )


def window_since(rules: FlagRules, as_of: date | None) -> date | None:
    """The first day a record counts from in the verdicts judged at ``as_of``; None: every record counts."""
    settings = rules.shared_addresses
    return as_of - timedelta(days=settings.window_days) if settings.window_days and as_of else None


def in_window_sql(since: str = "since", until: str = "until") -> str:
    """Whether a records row ``r`` counts in the verdicts: dated from parameter ``$<since>`` to ``$<until>``, or ``$<since>`` is null."""
    return f"(${since} IS NULL OR r.event_date BETWEEN ${since} AND ${until})"


def _residents_sql(records: str, clusters: str, areas: str | None = None) -> str:
    """People and their recorded surnames at each dwelling with at least ``$min_people`` of them (dated in the window)."""
    return (
        f"WITH seen AS (SELECT {dwelling_sql()} AS dwelling, c.person_id, r.surname "
        f"  FROM {quote_ident(records)} AS r JOIN {quote_ident(clusters)} AS c USING (unique_id) "
        f"  WHERE nullif(trim(r.address), '') IS NOT NULL AND {in_window_sql()}"
        f"{_in_areas(areas)}), "
        "busy AS (SELECT dwelling FROM seen GROUP BY dwelling HAVING count(DISTINCT person_id) >= $min_people) "
        "SELECT DISTINCT dwelling, person_id, surname FROM seen WHERE dwelling IN (SELECT dwelling FROM busy) "
        "ORDER BY dwelling, person_id, surname"
    )


def _related_sql(records: str, clusters: str) -> str:
    """Pairs of the given people who are family: on one social care episode, or suspect and victim of one DA incident."""
    return (
        "WITH linked AS (SELECT c.person_id, r.source, r.event_id, CAST(r.agency AS VARCHAR) AS agency, "
        "  CAST(r.role AS VARCHAR) AS role, coalesce(r.domestic_abuse, false) AS da "
        f"  FROM {quote_ident(records)} AS r JOIN {quote_ident(clusters)} AS c USING (unique_id) "
        "  WHERE r.event_id IS NOT NULL AND c.person_id IN (SELECT person_id FROM shared_address_people)) "
        "SELECT DISTINCT a.person_id AS person_a, b.person_id AS person_b FROM linked AS a JOIN linked AS b "
        "  ON a.source = b.source AND a.event_id = b.event_id AND a.person_id < b.person_id "
        "WHERE (a.agency = $social_care AND b.agency = $social_care) "
        "  OR (a.da AND b.da AND list_sort([a.role, b.role]) = list_sort([$suspect, $victim])) "
        "ORDER BY person_a, person_b"
    )


def find_shared_addresses(
    con: duckdb.DuckDBPyConnection,
    rules: FlagRules,
    as_of: date | None,
    records: str = "records",
    clusters: str = "clusters",
    suffix: str = "__new",
    areas: str | None = None,
    area_records: str | None = None,
) -> pd.DataFrame:
    """Judge every address of the run, or of some areas, and write ``shared_addresses<suffix>``.

    Args:
        con: The store connection.
        rules: The flag rules (their ``shared_addresses`` block).
        as_of: The date flags are computed at (the end of ``window_days``).
        records: Records table to read.
        clusters: Clusters table to read.
        suffix: Appended to the table name.
        areas: A table of areas (column ``area``, as :data:`AREA_SQL` gives them): judge only
            the addresses in these. A dwelling's verdict reads only its own residents and
            their records, so the others' stand.
        area_records: With ``areas``: a table the caller has read the records of those areas
            (and perhaps of others) into, with the columns read here, so they are not read again.

    Returns:
        The shared addresses (columns of :data:`graph.shared.SHARED_COLUMNS`).
    """
    settings = rules.shared_addresses
    local, areas_left, made = records, areas, False
    if areas is not None and area_records is not None:
        local = area_records
    elif areas is not None:
        # The areas' records once, for the two queries below: each filtered every record by its area.
        run_sql(
            con, "shared_area_records",
            f"CREATE OR REPLACE TEMP TABLE {_AREA_RECORDS} AS SELECT r.unique_id, r.postcode, r.address, r.surname, r.event_date "
            f"FROM {quote_ident(records)} AS r WHERE true{_in_areas(areas)}",
        )
        local, areas_left, made = _AREA_RECORDS, None, True
    keys = fetch_arrow(con, "shared_address_keys", _keys_sql(local, areas_left)).to_pandas()
    since = window_since(rules, as_of)
    residents = pd.DataFrame(columns=["dwelling", "person_id", "surname"])
    related = pd.DataFrame(columns=["person_a", "person_b"])
    if settings.detect:
        residents = fetch_arrow(con, "shared_address_residents", _residents_sql(local, clusters, areas_left), {
            "min_people": settings.min_people, "since": since, "until": as_of,
        }).to_pandas()
        people = pa.table({"person_id": pa.array(sorted(set(residents["person_id"])), pa.string())})
        create_table_from_arrow(con, "shared_address_people", people, temporary=True)
        try:
            related = fetch_arrow(con, "shared_address_related", _related_sql(records, clusters), {
                "social_care": Agency.SOCIAL_CARE.value, "suspect": Role.SUSPECT.value, "victim": Role.VICTIM.value,
            }).to_pandas()
        finally:
            run_sql(con, "drop_shared_address_people", "DROP TABLE IF EXISTS temp.shared_address_people")
    if made:
        run_sql(con, "drop_shared_area_records", f"DROP TABLE IF EXISTS temp.{_AREA_RECORDS}")
    found = shared_addresses(keys, residents, related, settings)
    create_table_from_arrow(con, f"{SHARED_TABLE}{suffix}", pa.table({
        "address_key": pa.array(found["address_key"].tolist(), pa.string()),
        "kind": pa.array(found["kind"].tolist(), pa.string()),
        "listed": pa.array(found["listed"].tolist(), pa.bool_()),
        "masked": pa.array(found["masked"].tolist(), pa.bool_()),
        "people": pa.array([None if pd.isna(v) else int(v) for v in found["people"]], pa.int64()),
        "groups": pa.array([None if pd.isna(v) else int(v) for v in found["groups"]], pa.int64()),
    }, schema=pa.schema([(c, t) for c, t in zip(SHARED_COLUMNS, (pa.string(), pa.string(), pa.bool_(), pa.bool_(), pa.int64(), pa.int64()), strict=True)])))
    logger.info("%d shared or generic address keys (%d listed)", len(found), int(found["listed"].sum()))
    return found


def read_shared_addresses(con: duckdb.DuckDBPyConnection, table: str = SHARED_TABLE) -> dict[str, str]:
    """Kind by address key of the stored shared addresses; empty when results predate them."""
    if not has_table(con, table):
        return {}
    return dict(run_sql(con, f"read_{table}", f"SELECT address_key, kind FROM {quote_ident(table)}").fetchall())
