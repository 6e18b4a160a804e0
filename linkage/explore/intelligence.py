"""Serial and repeat domestic abuse perpetrators ranked by RFG(V), and each one's victims."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from graph import FLAG_SPECS
from graph.codes import EdgeKind
from linkage.explore.network import RELATIONSHIPS, Network, person_network
from linkage.node_keys import EVENT_NODE_SQL
from linkage.pipeline import run_sql

#: Flag codes that make someone a perpetrator of interest (each flag's spec says).
PERPETRATOR_CODES = tuple(code.value for code, spec in FLAG_SPECS.items() if spec.perpetrator)
#: The network relationship of a perpetrator to a victim.
ABUSE = RELATIONSHIPS[EdgeKind.ABUSES]
#: RFG(V) components the repeat perpetrator rule keeps in its parameters.
RFG_COMPONENTS = ("recency", "frequency", "gravity", "victims")


def perpetrators(
    con: duckdb.DuckDBPyConnection,
    *,
    serial_only: bool = False,
    agency: str | None = None,
    limit: int = 100,
) -> pd.DataFrame:
    """Serial and repeat perpetrators, highest RFG(V) score first.

    The score and its components come from the repeat perpetrator flag; a serial
    perpetrator without one (fewer incidents than the repeat rule needs) ranks
    after those scored, by victims.

    Args:
        con: A results cursor.
        serial_only: Only people flagged as serial perpetrators.
        agency: Only people whose flags rest on this agency's records.
        limit: Most people to return.

    Returns:
        One row per person: rank, person_id, name, dob, serial, repeat, score,
        recency, frequency, gravity, victims, victim_ids, weight_recency,
        weight_frequency, weight_gravity, weight_victims (the RFG(V) weights the
        score used), first_incident, last_incident, agencies, cross_agency,
        weakest_link, flag_ids.
    """
    scored = "arg_max(f.parameters, f.score) FILTER (WHERE f.code = 'repeat_perpetrator')"
    components = ", ".join(
        f"TRY_CAST(json_extract_string({scored}, '$.{c}') AS DOUBLE) AS {c}, "
        f"TRY_CAST(json_extract_string({scored}, '$.weights.{c}') AS DOUBLE) AS weight_{c}"
        for c in RFG_COMPONENTS
    )
    weights = ", ".join(f"p.weight_{c}" for c in RFG_COMPONENTS)
    return run_sql(
        con,
        "intelligence_perpetrators",
        "WITH f AS (SELECT flag_id, CAST(code AS VARCHAR) AS code, person_id, person_ids, parameters, score, agencies, "
        "  weakest_link FROM flags WHERE CAST(code AS VARCHAR) IN (SELECT unnest($codes))), "
        "per_person AS ("
        f"  SELECT f.person_id, bool_or(f.code = 'serial_perpetrator') AS serial, "
        f"  bool_or(f.code = 'repeat_perpetrator') AS repeat, max(f.score) AS score, {components}, "
        "  list_sort(list_distinct(flatten(list(f.person_ids[2:])))) AS victim_ids, "
        "  list_sort(list_distinct(flatten(list(f.agencies)))) AS agencies, min(f.weakest_link) AS weakest_link, "
        "  list(f.flag_id ORDER BY f.flag_id) AS flag_ids "
        "  FROM f GROUP BY f.person_id), "
        "dates AS ("
        "  SELECT f.person_id, min(e.event_date) AS first_incident, max(e.event_date) AS last_incident "
        "  FROM f JOIN flag_evidence AS e USING (flag_id) JOIN clusters AS c ON c.unique_id = e.unique_id "
        "  WHERE c.person_id = f.person_id GROUP BY f.person_id) "
        "SELECT row_number() OVER (ORDER BY p.score DESC NULLS LAST, len(p.victim_ids) DESC, p.person_id) AS rank, "
        "p.person_id, concat_ws(' ', s.forename, s.surname) AS name, TRY_CAST(s.dob AS DATE) AS dob, p.serial, p.repeat, "
        "p.score, p.recency, p.frequency, p.gravity, coalesce(p.victims, len(p.victim_ids)) AS victims, p.victim_ids, "
        f"{weights}, "
        "d.first_incident, d.last_incident, p.agencies, len(p.agencies) >= 2 AS cross_agency, p.weakest_link, p.flag_ids "
        "FROM per_person AS p JOIN persons AS s USING (person_id) LEFT JOIN dates AS d USING (person_id) "
        "WHERE (NOT $serial_only OR p.serial) AND ($agency IS NULL OR list_contains(p.agencies, $agency)) "
        "ORDER BY rank LIMIT $limit",
        {"codes": list(PERPETRATOR_CODES), "serial_only": serial_only, "agency": agency, "limit": limit},
    ).df()


def perpetrator_incidents(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """Every domestic abuse incident where the person is the suspect, one row per victim.

    Args:
        con: A results cursor.
        person_id: The perpetrator.

    Returns:
        event_date, victim_id, victim_name, agency, source, record_id, event_type,
        dash_risk, link_probability (the weaker of the two records' links), oldest first.
    """
    return run_sql(
        con,
        "intelligence_incidents",
        _INCIDENTS + "SELECT * EXCLUDE (event_key) FROM incidents ORDER BY event_date, victim_id",
        {"person_id": person_id},
    ).df()


def victims(con: duckdb.DuckDBPyConnection, person_id: str) -> pd.DataFrame:
    """The perpetrator's victims: incidents against each, dates, agencies, worst DASH risk.

    Args:
        con: A results cursor.
        person_id: The perpetrator.

    Returns:
        One row per victim, most incidents first: victim_id, name, dob, sex, incidents,
        first_incident, last_incident, agencies, worst_dash, weakest_link, repeat_victim
        (flagged as a repeat victim).
    """
    return run_sql(
        con,
        "intelligence_victims",
        _INCIDENTS
        + "SELECT i.victim_id, i.victim_name AS name, TRY_CAST(p.dob AS DATE) AS dob, CAST(p.sex AS VARCHAR) AS sex, "
        "count(DISTINCT i.event_key) AS incidents, min(i.event_date) AS first_incident, max(i.event_date) AS last_incident, "
        "list(DISTINCT i.agency ORDER BY i.agency) AS agencies, "
        "CASE max(CASE i.dash_risk WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'standard' THEN 1 END) "
        "WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'standard' END AS worst_dash, "
        "min(i.link_probability) AS weakest_link, "
        "EXISTS (SELECT 1 FROM flags AS f WHERE f.person_id = i.victim_id AND CAST(f.code AS VARCHAR) = 'repeat_victim') "
        "AS repeat_victim "
        "FROM incidents AS i JOIN persons AS p ON p.person_id = i.victim_id "
        "GROUP BY ALL ORDER BY incidents DESC, last_incident DESC, i.victim_id",
        {"person_id": person_id},
    ).df()


# DA incidents with the person as suspect, paired with the victims on the same event (graph.tables.abuse_edges).
_INCIDENTS = (
    "WITH linked AS ("
    "  SELECT r.*, c.person_id, "
    "  CASE WHEN c.link_strength IN ('single', 'confirmed') THEN 1.0 ELSE coalesce(c.best_match_probability, 1.0) END "
    "  AS link_probability, " + EVENT_NODE_SQL + " AS event_key "
    "  FROM records AS r JOIN clusters AS c USING (unique_id) WHERE r.domestic_abuse), "
    "suspect AS (SELECT * FROM linked WHERE person_id = $person_id AND CAST(role AS VARCHAR) = 'suspect'), "
    "incidents AS ("
    "  SELECT s.event_date, v.person_id AS victim_id, concat_ws(' ', pv.forename, pv.surname) AS victim_name, "
    "  CAST(s.agency AS VARCHAR) AS agency, s.source, s.record_id, s.event_type, CAST(s.dash_risk AS VARCHAR) AS dash_risk, "
    "  least(s.link_probability, v.link_probability) AS link_probability, s.event_key "
    "  FROM suspect AS s JOIN linked AS v ON v.event_key = s.event_key AND CAST(v.role AS VARCHAR) = 'victim' "
    "  AND v.person_id <> s.person_id JOIN persons AS pv ON pv.person_id = v.person_id) "
)


def victim_network(con: duckdb.DuckDBPyConnection, person_id: str) -> Network | None:
    """The perpetrator and the people they are recorded abusing, as a network to draw.

    Args:
        con: A results cursor.
        person_id: The perpetrator.

    Returns:
        The perpetrator's one-step network kept to their perpetrator-victim links
        (``graph`` stays the whole one-step neighbourhood, for export), or None if
        there is no such person.
    """
    network = person_network(con, person_id, depth=1)
    if network is None:
        return None
    edges = network.edges[(network.edges["relationship"] == ABUSE) & (network.edges["source"] == person_id)]
    nodes = network.nodes[network.nodes["centre"] | network.nodes["id"].isin(edges["target"])]
    return replace(network, nodes=nodes.reset_index(drop=True), edges=edges.reset_index(drop=True))
