"""Reference tables the standardisation SQL joins to, built from curated lists."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import duckdb
import pyarrow as pa
from nicknames import NickNamer

from linkage.config.run import DEFAULT_NICKNAMES
from linkage.pipeline import create_table_from_arrow

NICKNAME_TABLE = "ref_nickname"
GROUP_TABLE = "ref_forename_group"


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


def forename_groups(overrides: Mapping[str, str]) -> dict[str, list[str]]:
    """Every name the curated list knows, with the names it may stand for.

    A name's group is itself, each formal name it is a nickname of, and its
    override. Two forenames are nickname-compatible when their groups meet:
    SADIE and SARAH, JACK and JACQUELINE, BOB and ROB (through ROBERT).

    Args:
        overrides: Nickname to formal name overrides, upper case.

    Returns:
        Upper-case name to its sorted group.
    """
    canonicals = NickNamer().canonical_lookup
    groups: dict[str, set[str]] = {}
    for name, formal in canonicals.items():
        groups.setdefault(name.upper(), {name.upper()}).update(f.upper() for f in formal)
    for name, formal in overrides.items():
        groups.setdefault(name, {name}).add(formal)
        groups.setdefault(formal, {formal})
    return {name: sorted(group) for name, group in groups.items()}


def lookup_tables(nicknames: Mapping[str, str] | None = None) -> dict[str, pa.Table]:
    """The reference tables' rows, by table name, for any engine to load.

    Args:
        nicknames: Nickname to formal name overrides (``StandardiseConfig.nicknames``),
            which win over the curated list; defaults to the built-in overrides.

    Returns:
        :data:`NICKNAME_TABLE` (``name``, ``canonical``) and :data:`GROUP_TABLE`
        (``name``, ``groups`` as a list of names).
    """
    overrides = {k.upper(): v.upper() for k, v in (DEFAULT_NICKNAMES if nicknames is None else nicknames).items()}
    # A formal name in the overrides is its own canonical form, whatever the list says
    # (the list files DEBORAH under DEBBIE).
    pinned = {formal: formal for formal in overrides.values()}
    mapping = {**nickname_canonicals(), **pinned, **overrides}
    groups = forename_groups(overrides)
    return {
        NICKNAME_TABLE: pa.table({"name": list(mapping), "canonical": list(mapping.values())}),
        GROUP_TABLE: pa.table({"name": list(groups), "groups": pa.array(list(groups.values()), pa.list_(pa.string()))}),
    }


def create_lookup_tables(con: duckdb.DuckDBPyConnection, nicknames: Mapping[str, str] | None = None) -> None:
    """(Re)create the reference tables in the connection's database.

    Args:
        con: An open DuckDB connection.
        nicknames: As for :func:`lookup_tables`.
    """
    for table_name, data in lookup_tables(nicknames).items():
        create_table_from_arrow(con, table_name, data)
