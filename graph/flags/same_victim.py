"""Which of one perpetrator's victims are one person the linker left split.

A serial perpetrator flag says a man has harmed two or more partners. The commonest
false one is a single victim whose records the linker did not join: a police victim
record with no DOB, a nickname, a typo or swapped names. Between the victims of one
perpetrator such a split is far likelier than two partners sharing a name, so the
serial rule counts them once (and says so in the flag). Two victims stay two whenever
their sexes conflict or their known DOBs differ by more than a slip of the keyboard
(:func:`dobs_close`).

A victim's police record under a surname she no longer uses (or her maiden name) agrees
with her other records on forename alone, which between two partners is not enough. One
more thing makes it enough (``serial_same_home_is_one_victim``): both were recorded living
at one postcode, as a woman and her own police record are, and one of them has no DOB to
tell them apart (:func:`forenames_agree`, :func:`share_a_home`). Refuges and hostels are
no home here: the graph draws no ``lives_at`` edge to a shared address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import jellyfish
import networkx as nx

from graph.codes import EdgeKind
from graph.config import FlagRules
from graph.flags.adjacency import nodes_of, succ_of
from graph.keys import ADDRESS_PREFIX

__all__ = ["dobs_close", "forenames_agree", "names_agree", "share_a_home", "victim_groups"]

#: One keystroke (insertion, deletion, substitution or transposition) between two names.
_MAX_EDITS = 1
#: Shorter names must match exactly: one edit turns ANN into AMY's neighbours.
_MIN_FUZZY_LENGTH = 4


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < _MIN_FUZZY_LENGTH:
        return False
    return jellyfish.damerau_levenshtein_distance(a, b) <= _MAX_EDITS


def names_agree(left: Iterable[Sequence[str]], right: Iterable[Sequence[str]]) -> bool:
    """Whether any recorded name of one person agrees with any of another's.

    Names are ``(forename, surname)`` pairs as standardised, forenames already in
    canonical form (BOB -> ROBERT). Two names agree when forename and surname are each
    equal or one keystroke apart (names of four letters or more), in either order, so a
    swapped or misspelt record still agrees. A person's every recorded name counts, so
    a victim recorded under a married name agrees with her records under that name.

    Args:
        left: One person's recorded names.
        right: The other person's recorded names.

    Returns:
        True if some pair of names agrees.
    """
    right = list(right)
    for fore, sur in left:
        for other_fore, other_sur in right:
            if _close(fore, other_fore) and _close(sur, other_sur):
                return True
            if _close(fore, other_sur) and _close(sur, other_fore):
                return True
    return False


def forenames_agree(left: Iterable[Sequence[str]], right: Iterable[Sequence[str]]) -> bool:
    """Whether a forename one person was recorded under agrees with one of another's.

    As :func:`names_agree` reads names (equal, or one keystroke apart at four letters or
    more), on the forename alone; a record with the two names swapped (the forename in the
    surname field) agrees through its surname field. Two surnames alone never agree here:
    a mother and her daughter share one.

    Args:
        left: One person's recorded ``(forename, surname)`` names.
        right: The other person's.

    Returns:
        True if some forename, read either way round, agrees.
    """
    right = list(right)
    for fore, sur in left:
        for other_fore, other_sur in right:
            if _close(fore, other_fore) or _close(fore, other_sur) or _close(sur, other_fore):
                return True
    return False


def _postcodes(graph: nx.MultiDiGraph, person: str) -> set[str]:
    """The postcodes of the addresses a person was recorded living at (``lives_at`` edges; never a shared address)."""
    found = set()
    for node, edges in succ_of(graph)[person].items():
        if EdgeKind.LIVES_AT in edges and isinstance(node, str) and node.startswith(ADDRESS_PREFIX):
            postcode = node[len(ADDRESS_PREFIX):].split("|", 1)[0]
            if postcode:
                found.add(postcode)
    return found


def share_a_home(graph: nx.MultiDiGraph, a: str, b: str) -> bool:
    """Whether two people were recorded living at one postcode (a refuge or hostel does not count)."""
    return not _postcodes(graph, a).isdisjoint(_postcodes(graph, b))


def dobs_close(a: date, b: date) -> bool:
    """Whether two different DOBs are one DOB recorded badly.

    Close: one digit apart (YYYYMMDD), day and month transposed, or one is 1 January
    of the other's year (the date systems put in when only the year is known).
    """
    one, two = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    if sum(x != y for x, y in zip(one, two)) <= 1:
        return True
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return True
    return a.year == b.year and (1, 1) in ((a.month, a.day), (b.month, b.day))


def _same_victim(graph: nx.MultiDiGraph, a: str, b: str, rules: FlagRules) -> bool:
    node_a, node_b = nodes_of(graph)[a], nodes_of(graph)[b]
    sex_a, sex_b = node_a.get("sex"), node_b.get("sex")
    if sex_a and sex_b and sex_a != sex_b:
        return False
    dob_a, dob_b = node_a.get("dob"), node_b.get("dob")
    known = isinstance(dob_a, date) and isinstance(dob_b, date)
    if known and dob_a == dob_b and rules.serial_same_dob_is_one_victim:
        return True
    if known and dob_a != dob_b and not dobs_close(dob_a, dob_b):
        return False
    names_a, names_b = node_a.get("names") or (), node_b.get("names") or ()
    if rules.serial_same_name_is_one_victim and names_agree(names_a, names_b):
        return True
    return (
        rules.serial_same_home_is_one_victim and not known and forenames_agree(names_a, names_b)
        and share_a_home(graph, a, b)
    )


def victim_groups(graph: nx.MultiDiGraph, victims: Sequence[str], rules: FlagRules) -> list[list[str]]:
    """Group one perpetrator's victims into the people they most likely are.

    A victim joins the first group whose every member is the same victim as it (see
    the module docstring and ``serial_same_*_is_one_victim``), so a victim without a
    DOB cannot bridge two victims whose DOBs differ.

    Args:
        graph: The safeguarding graph (person nodes carry ``dob``, ``sex``, ``names``).
        victims: The perpetrator's victim person ids, in a fixed order.
        rules: Which of the two same-victim tests are on.

    Returns:
        The groups, each a list of person ids in the order given.
    """
    groups: list[list[str]] = []
    for victim in victims:
        home = next((g for g in groups if all(_same_victim(graph, victim, m, rules) for m in g)), None)
        if home is None:
            groups.append([victim])
        else:
            home.append(victim)
    return groups
