"""The records an incremental run re-clusters: everything connected to a touched record.

Connected means joined, directly or through other records, by a scored pair, an analyst's
decision, and optionally a shared police DA incident (``constraints.context_links``) or the
same name at the same postcode (``constraints.undated_generation_gap``). That is a closure:
the connected components of the seeds in one graph whose links are all symmetric.

It was first grown in SQL, a round per step outwards, each round scanning every pair and
joining every record twice; a chain of people linked one to the next took a dozen rounds,
about two CPU seconds at a million records each night. Here the links are read once, as
integers (each record numbered, each incident and each name-at-postcode a node of its own
that its records link to, so a group of n records is n links, not n squared), and the
closure is walked in NumPy, each round a vectorised pass over them. The result is the same
set: the walk follows the same links until no new record is reached.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from linkage.ingest.changes import TOUCHED
from linkage.pipeline import create_table_from_arrow, run_sql

#: Temp table of records whose people are re-clustered.
AFFECTED = "affected_records"
#: Temp table numbering every record (and any other id a seed or a link names) for the walk.
_NODES = "affected_nodes"

_GROUPS = {
    # Every other police DA party to the same incident (the context step reads them).
    "context": (
        "source, event_id",
        "agency = 'police' AND domestic_abuse AND event_id IS NOT NULL",
    ),
    # The same name at the same postcode (the generations rule reads them).
    "households": (
        "postcode, forename_canonical, surname_soundex",
        "postcode IS NOT NULL AND forename_canonical IS NOT NULL AND surname_soundex IS NOT NULL",
    ),
}


def find_affected(con: duckdb.DuckDBPyConnection, context: bool = False, households: bool = False) -> None:
    """Fill ``affected_records``: touched records, their earlier people, and all connected to them.

    With ``context`` (``constraints.context_links``) the other parties of their police DA
    incidents are connected too: the context step reads a record's co-participant's person
    and that person's other victims or suspects, as a full run would. With ``households``
    (``constraints.undated_generation_gap``) so are the records of the same name at the same
    postcode: the generations rule reads them (``linkage.resolve.generations``).
    """
    run_sql(
        con, "seed_affected",
        f"CREATE OR REPLACE TEMP TABLE {AFFECTED} AS SELECT unique_id FROM {TOUCHED} "
        f"UNION SELECT unique_id FROM clusters WHERE person_id IN (SELECT person_id FROM clusters WHERE unique_id IN "
        f"(SELECT unique_id FROM {TOUCHED})) "
        "UNION SELECT unique_id_l FROM review_decisions UNION SELECT unique_id_r FROM review_decisions",
    )
    _number_nodes(con)
    (expected,) = run_sql(
        con, "count_links", "SELECT (SELECT count(*) FROM pairs) + (SELECT count(*) FROM review_decisions)"
    ).fetchone()
    links = [_pair_links(con)]
    if len(links[0][0]) != expected:
        _number_pair_ids(con)
        links = [_pair_links(con)]
    offset = _node_count(con)
    for name, wanted in (("context", context), ("households", households)):
        if wanted:
            group_links, groups = _group_links(con, name, offset)
            links.append(group_links)
            offset += groups
    seeds = run_sql(con, "affected_seed_nodes", f"SELECT n.i FROM {_NODES} AS n SEMI JOIN {AFFECTED} USING (unique_id)").fetchnumpy()["i"]
    reached = closure(np.concatenate([a for a, _ in links]), np.concatenate([b for _, b in links]), seeds, offset)
    create_table_from_arrow(con, "affected_reached", pa.table({"i": pa.array(reached, pa.int64())}), temporary=True)
    run_sql(
        con, "add_affected",
        f"INSERT INTO {AFFECTED} SELECT n.unique_id FROM {_NODES} AS n SEMI JOIN affected_reached USING (i) "
        f"WHERE n.unique_id NOT IN (SELECT unique_id FROM {AFFECTED})",
    )
    # A profile's records beyond its two lowest ids have no pairs of their own: add them with it.
    run_sql(
        con, "affected_profiles",
        f"INSERT INTO {AFFECTED} SELECT unique_id FROM profiles WHERE profile_id IN (SELECT profile_id FROM profiles "
        f"WHERE unique_id IN (SELECT unique_id FROM {AFFECTED})) AND unique_id NOT IN (SELECT unique_id FROM {AFFECTED})",
    )
    # An anti join: NOT IN over every record is a mark join, several times slower (unique ids are never null).
    run_sql(
        con, "keep_current_affected",
        f"DELETE FROM {AFFECTED} WHERE unique_id IN (SELECT unique_id FROM {AFFECTED} ANTI JOIN records USING (unique_id))",
    )
    for table in (_NODES, "affected_reached"):
        run_sql(con, f"drop_{table}", f"DROP TABLE {table}")


def closure(a: np.ndarray, b: np.ndarray, seeds: np.ndarray, nodes: int) -> np.ndarray:
    """The nodes connected to ``seeds`` by the undirected links ``a[k] -- b[k]``, the seeds included.

    Args:
        a: One end of each link (node numbers below ``nodes``).
        b: The other end.
        seeds: Where the walk starts.
        nodes: How many nodes there are.

    Returns:
        The nodes reached, ascending.
    """
    reached = np.zeros(nodes, dtype=bool)
    reached[seeds] = True
    frontier = reached.copy()
    while True:
        # Each round looks out from the nodes the last one reached only: everyone else's neighbours are in.
        found = np.concatenate([b[frontier[a]], a[frontier[b]]])
        found = found[~reached[found]]
        if found.size == 0:
            return np.flatnonzero(reached)
        frontier[:] = False
        frontier[found] = True
        reached[found] = True


def _number_nodes(con: duckdb.DuckDBPyConnection) -> None:
    """Number every record, then the ids only a seed or a decision names (a withdrawn record's)."""
    named = (
        f"SELECT unique_id FROM {AFFECTED} UNION SELECT unique_id_l FROM review_decisions "
        "UNION SELECT unique_id_r FROM review_decisions"
    )
    run_sql(
        con, "affected_nodes",
        f"CREATE OR REPLACE TEMP TABLE {_NODES} AS SELECT unique_id, row_number() OVER () - 1 AS i FROM "
        f"(SELECT unique_id FROM records UNION ALL (SELECT unique_id FROM ({named}) ANTI JOIN records USING (unique_id)))",
    )


def _number_pair_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Number the ids of pairs whose record is gone too, so that their links are not lost.

    Every pair's records are current once the touched records' pairs are dropped; this is
    only for results where one is not.
    """
    run_sql(
        con, "affected_pair_nodes",
        f"INSERT INTO {_NODES} SELECT unique_id, $start + row_number() OVER () - 1 FROM "
        f"(SELECT unique_id_l AS unique_id FROM pairs UNION SELECT unique_id_r FROM pairs) ANTI JOIN {_NODES} USING (unique_id)",
        {"start": _node_count(con)},
    )


def _node_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(run_sql(con, "count_affected_nodes", f"SELECT count(*) FROM {_NODES}").fetchone()[0])


def _pair_links(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """Scored pairs and analysts' decisions as links between numbered records."""
    found = run_sql(
        con, "affected_pair_links",
        f"SELECT l.i AS a, r.i AS b FROM (SELECT unique_id_l, unique_id_r FROM pairs "
        "UNION ALL SELECT unique_id_l, unique_id_r FROM review_decisions) AS p "
        f"JOIN {_NODES} AS l ON l.unique_id = p.unique_id_l JOIN {_NODES} AS r ON r.unique_id = p.unique_id_r",
    ).fetchnumpy()
    return np.asarray(found["a"], dtype=np.int64), np.asarray(found["b"], dtype=np.int64)


def _group_links(con: duckdb.DuckDBPyConnection, name: str, offset: int) -> tuple[tuple[np.ndarray, np.ndarray], int]:
    """Each record of a group of two or more (an incident, a name at a postcode) linked to a node for the group.

    Groups are numbered from ``offset``. Returns the links and how many groups there are.
    """
    key, where = _GROUPS[name]
    found = run_sql(
        con, f"affected_{name}_links",
        f"WITH g AS (SELECT {key}, row_number() OVER () - 1 AS g FROM records WHERE {where} GROUP BY {key} HAVING count(*) > 1) "
        f"SELECT n.i AS a, g.g AS b FROM (SELECT unique_id, {key} FROM records WHERE {where}) AS r JOIN g USING ({key}) "
        f"JOIN {_NODES} AS n USING (unique_id)",
    ).fetchnumpy()
    b = np.asarray(found["b"], dtype=np.int64)
    groups = int(b.max()) + 1 if b.size else 0
    return (np.asarray(found["a"], dtype=np.int64), b + offset), groups
