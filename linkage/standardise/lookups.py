"""Reference tables the standardisation SQL joins to, built from curated lists."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import duckdb
import pyarrow as pa
from nicknames import NickNamer

from linkage.config.run import DEFAULT_NICKNAMES
from linkage.pipeline import run_sql

NICKNAME_TABLE = "ref_nickname"


@lru_cache(maxsize=1)
def nickname_canonicals() -> dict[str, str]:
    """Map every name in the curated ``nicknames`` list onto one canonical form.

    A name's candidates are the names it is a nickname of, plus itself when it
    has nicknames of its own. The candidate with the most nicknames wins (ties
    alphabetically), so BOB, BOBBY and ROB all become ROBERT, and a name that is
    only a formal name maps to itself. The choice is deterministic; the list
    has odd entries (BILL under ROBERT), which ``StandardiseConfig.nicknames``
    overrides.

    Returns:
        Upper-case name to upper-case canonical name.
    """
    namer = NickNamer()
    nicknames = namer.nickname_lookup
    canonicals = namer.canonical_lookup
    names = set(nicknames) | set(canonicals)
    result = {}
    for name in sorted(names):
        candidates = set(canonicals.get(name, set()))
        if name in nicknames:
            candidates.add(name)
        best = min(candidates, key=lambda c: (-len(nicknames.get(c, ())), c))
        result[name.upper()] = best.upper()
    return result


def create_lookup_tables(con: duckdb.DuckDBPyConnection, nicknames: Mapping[str, str] | None = None) -> None:
    """(Re)create the reference tables in the connection's database.

    Args:
        con: An open DuckDB connection.
        nicknames: Nickname to formal name overrides (``StandardiseConfig.nicknames``),
            which win over the curated list; defaults to the built-in overrides.
    """
    overrides = DEFAULT_NICKNAMES if nicknames is None else nicknames
    mapping = {**nickname_canonicals(), **{k.upper(): v.upper() for k, v in overrides.items()}}
    table = pa.table({"name": list(mapping), "canonical": list(mapping.values())})
    con.register("_nickname_source", table)
    try:
        run_sql(
            con,
            "create_nickname_table",
            f"CREATE OR REPLACE TABLE {NICKNAME_TABLE} AS SELECT name, canonical FROM _nickname_source",
        )
    finally:
        con.unregister("_nickname_source")
