"""The graph's input read from a run's results: people, events and the keys that join them.

``graph/`` works on plain DataFrames and knows no SQL; this is its side of the bridge in: SQL
over ``persons``, ``records`` and ``clusters`` whose Arrow schemas are the graph's input contract.
"""

from __future__ import annotations


import duckdb
import pandas as pd
import pyarrow as pa

from linkage.codes import Role
from linkage.pipeline import fetch_arrow
from linkage.node_keys import ADDRESS_KEY_SQL, EVENT_KEY_SQL, EVENT_NODE_SQL
from linkage.safeguard.shared_addresses import DWELLING_KEY_SQL
from linkage.standardise.lookups import NICKNAME_TABLE, near_name_members_sql


#: Arrow schema of :func:`graph_frames`' people, as DuckDB hands it over (checked in the tests).
GRAPH_PEOPLE_SCHEMA = pa.schema([
    ("person_id", pa.string()),
    ("dob", pa.date32()),
    ("sex", pa.string()),
    ("agencies", pa.list_(pa.field("l", pa.string()))),
    ("forename", pa.string()),
    ("surname", pa.string()),
    ("names", pa.list_(pa.field("l", pa.list_(pa.field("l", pa.string()))))),
])


#: Arrow schema of :func:`graph_frames`' events, as DuckDB hands it over (checked in the tests).
GRAPH_EVENTS_SCHEMA = pa.schema([
    ("unique_id", pa.string()),
    ("person_id", pa.string()),
    ("link_probability", pa.float64()),
    *((name, pa.string()) for name in ("source", "agency", "record_id", "event_id")),
    ("event_date", pa.date32()),
    ("event_type", pa.string()),
    ("domestic_abuse", pa.bool_()),
    *((name, pa.string()) for name in ("role", "dash_risk", "plan_type", "category", "service", "complaint")),
    *((name, pa.bool_()) for name in ("mental_health", "substance_misuse", "pregnancy")),
    ("postcode", pa.string()),
    ("address", pa.string()),
    # The graph's node keys of the record's event and address (``linkage.node_keys``).
    ("event_node", pa.string()),
    ("address_node", pa.string()),
])


#: The ``persons`` columns :func:`graph_people_sql` reads.
GRAPH_PERSONS_COLUMNS = ("person_id", "dob", "sex", "agencies", "forename", "surname")


#: Forenames this long or longer are read as a known nickname one keystroke away (shorter: ANN is AMY's neighbour).
FUZZY_FORENAME_LENGTH = 4


def graph_people_sql(persons: str = "persons", records: str = "records", clusters: str = "clusters") -> str:
    """SQL for the graph's people: one row per resolved person, by id (see :func:`graph_frames`).

    ``names`` lists each DA victim's distinct recorded (forename, surname), each
    forename also in its canonical form (a canonical form can mislead: LEE -> ASHLEY) and
    as each name it may stand for (MANDY -> AMANDA, MIRANDA), a forename no list knows also
    as the names of a known nickname one keystroke away (MANDDY -> MANDY's), and a surname
    that is a nickname read as the forename it stands for (ATHERMERE, CLO -> CHLOE,
    ATHERMERE), sorted; the serial rule asks whether two victims of one perpetrator are one person.
    It is null for everyone else, so the graph holds no more names than that rule needs.
    """
    victim = f"CAST(r.role AS VARCHAR) = '{Role.VICTIM}' AND r.domestic_abuse"
    return (
        f"WITH victim_records AS (SELECT r.unique_id, r.forename, r.forename_canonical, r.forename_groups, r.surname "
        f"  FROM {records} AS r JOIN {clusters} AS c USING (unique_id) "
        f"  WHERE c.person_id IN (SELECT c.person_id FROM {records} AS r JOIN {clusters} AS c USING (unique_id) WHERE {victim})), "
        "readings AS ("
        "  SELECT unique_id, unnest([[forename, surname], [forename_canonical, surname], "
        # Read swapped (forename in the surname column), its forename canonical too: CLO ATHERMERE.
        "    [n.canonical, forename]]) AS name "
        f"  FROM victim_records AS r LEFT JOIN {NICKNAME_TABLE} AS n ON n.name = r.surname "
        # Every name the forename may stand for: MANDY is AMANDA's as well as MIRANDA's.
        "  UNION ALL SELECT unique_id, [member, surname] FROM ("
        "    SELECT unique_id, surname, unnest(forename_groups) AS member FROM victim_records) "
        # A forename no list knows, one keystroke from a nickname it does (MANDDY, ELLLA): that nickname's names.
        # Compared once per distinct forename, not per record: the comparison is most of the query's time.
        "  UNION ALL SELECT r.unique_id, [f.member, r.surname] FROM victim_records AS r JOIN ("
        f"    {near_name_members_sql('victim_records', FUZZY_FORENAME_LENGTH)}"
        "  ) AS f USING (forename)), "
        "named AS ("
        "  SELECT c.person_id, list_sort(list(DISTINCT name) FILTER (WHERE list_position(name, NULL) IS NULL)) AS names "
        f"  FROM readings JOIN {clusters} AS c USING (unique_id) GROUP BY c.person_id) "
        "SELECT p.person_id, TRY_CAST(p.dob AS DATE) AS dob, p.sex, p.agencies, p.forename, p.surname, n.names "
        f"FROM {persons} AS p LEFT JOIN named AS n USING (person_id) ORDER BY p.person_id"
    )


def graph_events_sql(records: str = "records", clusters: str = "clusters") -> str:
    """SQL for the graph's events: one row per record with its person, by record id (see :func:`graph_frames`).

    Ordered, so the graph's insertion order is the same from run to run, and the graph
    of any part of the population (an incremental run's neighbourhood, a Spark
    component) meets its rows in the whole graph's order. No rule should depend on that
    order (``tests/graph`` checks the one that did), but nothing then can.
    """
    return (
        "SELECT r.unique_id, c.person_id, "
        "CASE WHEN c.link_strength IN ('single', 'confirmed') THEN 1.0 ELSE coalesce(c.best_match_probability, 1.0) END "
        "AS link_probability, r.source, CAST(r.agency AS VARCHAR) AS agency, r.record_id, r.event_id, r.event_date, "
        "r.event_type, r.domestic_abuse, CAST(r.role AS VARCHAR) AS role, CAST(r.dash_risk AS VARCHAR) AS dash_risk, "
        "CAST(r.plan_type AS VARCHAR) AS plan_type, r.category, r.service, r.complaint, r.mental_health, "
        f"r.substance_misuse, r.pregnancy, r.postcode, r.address, {EVENT_NODE_SQL} AS event_node, {ADDRESS_KEY_SQL} AS address_node "
        f"FROM {records} AS r JOIN {clusters} AS c USING (unique_id) ORDER BY r.unique_id"
    )


def graph_frames(
    con: duckdb.DuckDBPyConnection, records: str = "records", clusters: str = "clusters", persons: str = "persons"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The graph's inputs: resolved people and one row per record with its event.

    A record's ``link_probability`` is its best match into its person, 1.0 when it is
    alone or an analyst confirmed the link. The frames come from
    :func:`graph_people_sql` and :func:`graph_events_sql` through Arrow, with
    :data:`GRAPH_PEOPLE_SCHEMA` and :data:`GRAPH_EVENTS_SCHEMA`.

    Returns:
        ``(people, events)`` as the ``graph`` package expects them.
    """
    events = fetch_arrow(con, "graph_events", graph_events_sql(records, clusters)).to_pandas()
    people = fetch_arrow(con, "graph_people", graph_people_sql(persons, records, clusters)).to_pandas()
    return people, events


def person_keys_sql(records: str = "records", clusters: str | None = "clusters", people: str | None = None) -> str:
    """SQL for each person's events, addresses and dwellings, keyed as the graph keys its nodes.

    Kept as ``person_keys``, each key hashed (:func:`stored_person_keys_sql`): an incremental
    run walks it to find who shares an event, an address or a dwelling (any spelling of one
    address) with the people it changed.

    Args:
        records: Records table.
        clusters: Clusters table, or None when ``records`` has each record's ``person_id`` already.
        people: A table of ``person_id`` to limit it to, or None for everyone.
    """
    person = "c.person_id" if clusters else "r.person_id"
    only = f" WHERE {person} IN (SELECT person_id FROM {people})" if people else ""
    joined = f"{records} AS r JOIN {clusters} AS c USING (unique_id)" if clusters else f"{records} AS r"
    # Every key from one pass over the records (a UNION of selects would read them once per key).
    return (
        f"SELECT DISTINCT person_id, k FROM (SELECT {person} AS person_id, "
        f"unnest([{EVENT_KEY_SQL}, {ADDRESS_KEY_SQL}, {DWELLING_KEY_SQL}]) AS k FROM {joined}{only}) WHERE k IS NOT NULL"
    )


def stored_person_keys_sql(records: str = "records", clusters: str | None = "clusters", people: str | None = None) -> str:
    """SQL for the ``person_keys`` table: :func:`person_keys_sql` with each key as its 64-bit hash.

    An incremental run joins the table to itself at each step of its walk (four a night);
    joined on its text, hashing the keys of two million rows again each time took a quarter
    of a CPU second per step at a million people. Two keys with one hash (odds of about one
    in ten million there) could only make a walk reach more people, never fewer, and a
    flag recomputed for more people is the same flag.

    Args:
        records: Records table.
        clusters: Clusters table, or None when ``records`` has each record's ``person_id`` already.
        people: A table of ``person_id`` to limit it to, or None for everyone.
    """
    return f"SELECT person_id, hash(k) AS k FROM ({person_keys_sql(records, clusters, people)})"
