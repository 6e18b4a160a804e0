"""Shared and generic addresses: refuges, hostels, custody suites, 'no fixed abode'.

Unrelated people recorded at one of these are not a household, so the graph makes no
``lives_at`` edge to them (:func:`graph.build_graph`'s ``shared_addresses``). Which
addresses they are comes from a list in the config and, optionally, from the data: a
dwelling where many resolved people are seen who share no surname and no family link.
The caller (``linkage``) reads the rows from the store; this module only judges them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from graph.codes import AddressKind
from graph.config import SharedAddressRules

__all__ = ["SHARED_COLUMNS", "listed_addresses", "shared_addresses", "unrelated_groups"]

#: Columns of :func:`shared_addresses`' result.
SHARED_COLUMNS = ["address_key", "kind", "listed", "masked", "people", "groups"]


def listed_addresses(keys: pd.DataFrame, rules: SharedAddressRules) -> pd.Series:
    """The address keys that match an entry of the config's list, with the entry's kind.

    Args:
        keys: One row per address key: ``address_key``, ``postcode`` and ``address``
            (standardised, as on the records).
        rules: The shared-address settings.

    Returns:
        Kind by address key; the first matching entry wins.
    """
    # Kinds in a plain array, made a Series once: each masked assignment into a Series
    # indexed by hundreds of thousands of keys rebuilt its index engine (seconds at 1M people).
    kinds = np.full(len(keys), None, dtype=object)
    unmatched = np.ones(len(keys), dtype=bool)
    postcode = keys["postcode"].fillna("").astype(str).to_numpy()
    address = keys["address"].fillna("").astype(str)
    for entry in rules.known:
        hit = np.ones(len(keys), dtype=bool)
        if entry.postcode is not None:
            hit &= postcode == entry.postcode
        if entry.address is not None:
            # Whole words: '1 MILL LANE' is the start of '1 MILL LANE NORTHTOWN', not of '11 MILL LANE'.
            hit &= ((address == entry.address) | address.str.startswith(entry.address + " ")).to_numpy(dtype=bool)
        hit &= unmatched
        kinds[hit] = entry.kind.value
        unmatched &= ~hit
    return pd.Series(kinds, index=keys["address_key"].to_numpy(), dtype=object).dropna()


def unrelated_groups(residents: pd.DataFrame, related: pd.DataFrame) -> pd.DataFrame:
    """People at each dwelling, and how many groups of related people they fall into.

    Two residents are in one group when they share a surname word (a double-barrelled
    name joins both families) or a family link, directly or through others there.

    Args:
        residents: ``dwelling``, ``person_id`` and ``surname``: one row per surname a
            person was recorded under there (a null surname joins nobody).
        related: ``person_a`` and ``person_b``: pairs linked as family (wherever they live).

    Returns:
        One row per dwelling: ``dwelling``, ``people``, ``groups``.
    """
    if residents.empty:
        return _no_dwellings()
    # Union-find over (kind, dwelling, person or surname word): every link is within one
    # dwelling, so a dwelling's groups are the distinct roots of its people.
    parent: dict[tuple, tuple] = {}

    def root(node: tuple) -> tuple:
        top = parent.setdefault(node, node)
        while top != parent[top]:
            top = parent[top]
        while node != top:
            up = parent[node]
            parent[node] = top
            node = up
        return top

    def join(a: tuple, b: tuple) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb

    people = residents[["dwelling", "person_id"]].drop_duplicates()
    for dwelling, person, surname in residents[["dwelling", "person_id", "surname"]].dropna().itertuples(index=False):
        for word in re.split(r"[^A-Z0-9]+", str(surname).upper()):
            if word:
                join(("p", dwelling, person), ("s", dwelling, word))
    pairs = related.merge(people, left_on="person_a", right_on="person_id").merge(
        people, left_on=["person_b", "dwelling"], right_on=["person_id", "dwelling"]
    )
    for d, a, b in pairs[["dwelling", "person_a", "person_b"]].itertuples(index=False):
        join(("p", d, a), ("p", d, b))
    roots: dict[str, set[tuple]] = {}
    for d, p in people.itertuples(index=False):
        roots.setdefault(d, set()).add(root(("p", d, p)))
    groups = {d: len(found) for d, found in roots.items()}
    out = people.groupby("dwelling", sort=True).size().rename("people").reset_index()
    out["groups"] = out["dwelling"].map(groups).fillna(0).astype(int)
    return out


def _no_dwellings() -> pd.DataFrame:
    """:func:`unrelated_groups` of nobody, typed as it is for somebody."""
    return pd.DataFrame({
        "dwelling": pd.Series([], dtype=object), "people": pd.Series([], dtype="int64"), "groups": pd.Series([], dtype="int64"),
    })


def shared_addresses(
    keys: pd.DataFrame, residents: pd.DataFrame, related: pd.DataFrame, rules: SharedAddressRules
) -> pd.DataFrame:
    """Every shared or generic address key: listed in the config, or found from the data.

    Args:
        keys: One row per address key: ``address_key``, ``postcode``, ``address`` and
            ``dwelling`` (the place it names; several spellings of one place share it).
        residents: As :func:`unrelated_groups` takes them, for the dwellings worth judging.
        related: As :func:`unrelated_groups` takes them.
        rules: The shared-address settings.

    Returns:
        Columns :data:`SHARED_COLUMNS`, by address key: ``kind`` (an
        :class:`~graph.codes.AddressKind` value; a listed kind wins), ``listed``, ``masked``
        (its kind is one of ``masked_kinds``: the address is withheld from most users), and
        the dwelling's ``people`` and ``groups`` (null when not judged from the data).
    """
    listed = listed_addresses(keys, rules)
    judged = unrelated_groups(residents, related) if rules.detect else _no_dwellings()
    many = judged[(judged["people"] >= rules.min_people) & (judged["groups"] >= rules.min_unrelated)]
    # Typed alike, so keys with no dwelling at all (data with no addresses) still merge.
    out = keys[["address_key", "dwelling"]].astype({"dwelling": object}).merge(
        judged.astype({"dwelling": object}), on="dwelling", how="left"
    )
    out["listed"] = out["address_key"].isin(listed.index)
    found = out["dwelling"].isin(many["dwelling"])
    out = out[out["listed"] | found].copy()
    kinds = listed.to_dict()
    out["kind"] = [kinds.get(k, AddressKind.MANY_UNRELATED.value) for k in out["address_key"]]
    out["masked"] = out["kind"].isin([k.value for k in rules.masked_kinds])
    out["people"] = out["people"].astype("Int64")
    out["groups"] = out["groups"].astype("Int64")
    return out[SHARED_COLUMNS].sort_values("address_key", ignore_index=True)
