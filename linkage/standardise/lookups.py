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


def near_name_members_sql(forenames: str, min_length: int) -> str:
    """SQL: each distinct forename no list knows, with the names of each listed name one keystroke from it.

    Compared once per distinct forename (the distance is the costly part), against listed names
    that start with the same letter and are at most one letter longer or shorter.

    Args:
        forenames: A table, view or parenthesised query with a ``forename`` column.
        min_length: Shorter forenames are left out (one keystroke from too many names).

    Returns:
        SQL with columns ``forename`` and ``member`` (a name the listed name may stand for), one
        row per pair.
    """
    return (
        f"SELECT u.forename, unnest(g.groups) AS member "
        f"FROM (SELECT DISTINCT forename FROM {forenames} WHERE forename NOT IN (SELECT name FROM {GROUP_TABLE})) AS u "
        f"JOIN {GROUP_TABLE} AS g ON length(u.forename) >= {int(min_length)} AND left(g.name, 1) = left(u.forename, 1) "
        "AND abs(length(g.name) - length(u.forename)) <= 1 AND damerau_levenshtein(g.name, u.forename) = 1"
    )


@lru_cache(maxsize=1)
def nickname_canonicals() -> dict[str, str]:
    """Map every name in the curated ``nicknames`` list onto one canonical form.

    The rule, in three steps:

    1. A name *follows* a formal name it is listed under when that name covers it:
       every nickname the list gives the name is that formal name or one of its
       nicknames, and the formal name ranks above it (more nicknames, then longer,
       then alphabetical, so two names that cover each other, THOM and THOMAS, do
       not go round in a circle). A pure nickname (none of its own) is covered by
       every name it is listed under; BOB (ROB, ROBERT) follows ROBERT; TIM follows
       TIMOTHY; THOM and TOM follow THOMAS.
    2. A name that follows nothing is a formal name and maps to itself, even when
       the list also files it under another name: ALEXANDER has AL, ALEC and SANDY,
       which ALEXANDRIA has not, so it stays ALEXANDER; JOHN is not JOHNATHAN.
    3. A name that follows others maps to the formal name they all lead to (ALEX ->
       ALEXANDER, CHARLIE -> CHARLES). When they lead to several it is ambiguous and
       maps to itself (KIT: CHRISTOPHER or KATHERINE; SAM: SAMUEL or SAMANTHA; ANDY:
       ANDREW or ANDREA), so no nickname is joined with one of its formal names over
       the others: the list does not say which is meant, nor which is a man's name.
       Picking the one that sounds most alike would not do: ANDREW and ANDREA,
       STEPHEN and STEPHANIE share a Soundex code. Comparisons still see every formal
       name a nickname may stand for (:func:`forename_groups`).

    ``StandardiseConfig.nicknames`` overrides win over this (:func:`lookup_tables`):
    the list files BILL under ROBERT as well as WILLIAM, and ROB under ROBERTO too.

    Returns:
        Upper-case name to upper-case canonical name.
    """
    namer = NickNamer()
    nicknames = namer.nickname_lookup
    listed_under = namer.canonical_lookup

    def rank(name: str) -> tuple[int, int, str]:
        return (-len(nicknames.get(name, ())), -len(name), name)

    def followed(name: str) -> list[str]:
        own = set(nicknames.get(name, ()))
        return [
            formal for formal in sorted(listed_under.get(name, ()))
            if own <= set(nicknames[formal]) | {formal} and rank(formal) < rank(name)
        ]

    leads_to: dict[str, frozenset[str]] = {}

    def formal_names(name: str) -> frozenset[str]:
        # Each step goes up in rank, so the walk ends.
        if name not in leads_to:
            parents = followed(name)
            leads_to[name] = frozenset().union(*map(formal_names, parents)) if parents else frozenset((name,))
        return leads_to[name]

    result = {}
    for name in sorted(set(nicknames) | set(listed_under)):
        formal = formal_names(name)
        result[name.upper()] = (min(formal) if len(formal) == 1 else name).upper()
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
