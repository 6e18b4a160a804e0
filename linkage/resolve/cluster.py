"""Clustering that keeps people apart.

Connected components chain two people together through one weak record (a police
record with no DOB that scores well against both twins). Instead, edges are merged
greedily, strongest first, and a merge is refused when the two clusters would then hold
records that can never be one person:

- two different valid NHS numbers, or two different PNC IDs;
- two values of a declared identifier (``ModelConfig.identifiers``, ``different_values:
  two_people``) more than one keystroke apart: a typo in one is not two people;
- dates of birth more than ``max_dob_year_gap`` years apart, unless (``dob_typo_is_evidence``)
  each such pair is one keystroke apart (1985 keyed as 1958 or 1975): a typo is the
  model's evidence to weigh, not a veto; nor when the joining edge shares a value of an
  identifier one person alone holds (``same_value: same_person``): then a DOB was miskeyed;
- a pair an analyst rejected (cannot-link);
- with ``link_type: link_only``, two records of one source.

One soft rule sends a merge to review instead: two clusters that each hold a record from
a registration agency (a GP registration: one address per person at a time) and share no
postcode area are joined only by an edge on which an NHS number or PNC ID agrees. Name and
DOB alone cannot tell two GP registrations in two towns apart from namesakes; a mover's
two health records normally share an NHS number.

A record that lacks what keeps two clusters apart (a police record with no DOB between
father and son of one name, or with no postcode between namesakes registered with GPs in
two towns) but scores about as well against both is ambiguous: a second pass leaves it unlinked, for review, rather than
attaching a child's record to the wrong family.

Pairs an analyst confirmed (must-link) are merged first, whatever their identifiers, unless
the merge would join a pair an analyst rejected: of two contradictory decisions, keeping
people apart is the one that cannot attach a record to the wrong family. Each cluster
keeps the set of NHS numbers and PNC IDs and the range of birth years of its records, so
a merge check costs O(1) for identifiers and O(k) for the k cannot-link records it holds.
The whole pass is O(E log E) for sorting E edges plus near-linear union-find; at 1M
records and a few million edges it takes seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jellyfish import damerau_levenshtein_distance

from graph.gcpause import gc_paused
from linkage.config.model import Constraints


@dataclass(frozen=True)
class RecordKeys:
    """What the constraints need to know about one record."""

    nhs_number: str | None = None
    pnc_id: str | None = None
    dob_year: int | None = None
    dob: int | None = None  # YYYYMMDD, for the one-keystroke exemption from the DOB gap
    source: str | None = None  # set only when sources are linked, not deduplicated (link_only)
    forename: str | None = None  # the forename rule's deciding field (a record without one is ambiguous)
    postcode_area: str | None = None  # outward code, e.g. SE15
    registration: bool = False  # from an agency whose address is a registration (GP)
    place: str | None = None  # postcode area, e.g. SE: where the record puts the person
    day: int | None = None  # the record's event date (days since 1970), when it has a place
    identifiers: tuple[str | None, ...] = ()  # declared 'two_people' identifiers, in the order of their labels


@dataclass(slots=True)
class _Cluster:
    nhs: set[str] = field(default_factory=set)
    pnc: set[str] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)
    registered: bool = False
    places: set[str] = field(default_factory=set)
    seen_from: int | None = None  # first and last dated record with a place
    seen_to: int | None = None
    year_min: int | None = None
    year_max: int | None = None
    dobs: tuple[int, ...] = ()  # distinct DOBs (YYYYMMDD), kept only for the typo exemption
    sources: tuple[str, ...] = ()  # link_only: the sources its records come from, each once
    cannot: set[int] = field(default_factory=set)  # members with cannot-link constraints
    identifiers: tuple[set[str], ...] = ()  # values of each declared 'two_people' identifier


@dataclass(frozen=True)
class ClusterResult:
    """Cluster label per record, the edges a constraint refused, and ambiguous records.

    Attributes:
        labels: For each record index, the index of its cluster's representative
            (the smallest record index in the cluster).
        refused: ``(edge index, reason)`` for each edge not merged because of a constraint.
        ambiguous: Records left unlinked because they match two incompatible clusters.
        summaries: Per representative, the identifiers and birth years its cluster holds.
        identifier_labels: Labels of the declared identifiers in ``RecordKeys.identifiers``.
    """

    labels: list[int]
    refused: list[tuple[int, str]]
    ambiguous: frozenset[int] = frozenset()
    summaries: dict[int, _Cluster] = field(default_factory=dict)
    identifier_labels: tuple[str, ...] = ()

    def conflict(self, a: int, b: int, constraints: Constraints, vouched: bool = False) -> str | None:
        """Why the clusters of records ``a`` and ``b`` can never be one person, if they cannot.

        ``vouched``: an identifier one person alone holds agrees on the pair, so DOBs years
        apart do not part them.
        """
        ra, rb = self.labels[a], self.labels[b]
        if ra == rb:
            return None
        return _conflict(self.summaries[ra], self.summaries[rb], constraints, self.identifier_labels, vouched)


#: With ``link_type: link_only`` each source lists a person at most once.
SAME_SOURCE = "two records of one source (link_only)"
#: A soft rule: the pair goes to review rather than being kept apart for good.
ADDRESS_RULE = "no shared postcode area and no identifier agrees"
#: A soft rule: one person lives at one home at a time, so two clusters seen in different
#: postcode areas over the same period, with no identifier to join them, are sent to review.
PLACE_RULE = "in different postcode areas over the same period and no identifier agrees"
#: Two records whose forenames disagree outright (twins) are not joined through others either.
FORENAME_RULE = "forenames differ and no identifier agrees (through other records)"
#: The refusals that send a pair to review rather than keeping its records apart.
SOFT_RULES = frozenset({ADDRESS_RULE, PLACE_RULE})

#: Which identifier each constraint is about, to tell which end of a refused edge lacks it.
_REASON_FIELD = {
    "different NHS numbers": "nhs_number",
    "different PNC IDs": "pnc_id",
    "dates of birth years apart": "dob_year",
    ADDRESS_RULE: "postcode_area",  # a record with no postcode between two GP registrations in two towns
    PLACE_RULE: "place",  # a record with no postcode between namesakes in two towns
    FORENAME_RULE: "forename",  # a record with no forename between twins
}


def constrained_clusters(
    keys: Sequence[RecordKeys],
    edges: Sequence[tuple[int, int]],
    weights: Sequence[float],
    constraints: Constraints,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    identified: Sequence[bool] | None = None,
    kept: Sequence[float] | None = None,
    identifier_labels: Sequence[str] = (),
    forenames_apart: Iterable[tuple[int, int]] = (),
    vouched: Sequence[bool] | None = None,
) -> ClusterResult:
    """Cluster records from scored edges, never violating a constraint.

    Args:
        keys: Identifiers and birth year per record, indexed 0..n-1.
        edges: Record index pairs to merge, strongest first (the caller sorts).
        weights: Match weight of each edge, same order.
        identified: Per edge, whether an NHS number or PNC ID agrees on it (default: none do).
        constraints: Which hard rules apply, and the ambiguity margin.
        must_link: Pairs merged first, whatever their identifiers (confirmed by an analyst), unless
            that joins a pair in ``cannot_link``.
        cannot_link: Pairs never placed in one cluster (rejected by an analyst).
        kept: Per record, the weight of an edge inside it already (an identity profile's
            own pair: ``linkage.resolve.profiles``), or -inf: the margin a record needs
            before it is ambiguous counts it like any edge it kept.
        identifier_labels: Labels of the declared identifiers that keep people apart, in the
            order of ``RecordKeys.identifiers`` (named in the reasons of refused edges).
        forenames_apart: Pairs whose forenames disagree outright with no identifier agreeing
            (the twins' signature: ``bands.select_edges`` demotes them), kept in different
            clusters unless the joining edge has an identifier agreeing
            (``constraints.forenames_keep_apart``).
        vouched: Per edge, whether an identifier one person alone holds agrees on it
            (``same_value: same_person``): the DOB gap does not refuse that merge.

    Returns:
        The cluster of every record, the refused edges and the ambiguous records.
    """
    must_link, cannot_link, forenames_apart = list(must_link), list(cannot_link), list(forenames_apart)
    identified = [False] * len(edges) if identified is None else identified
    vouched = [False] * len(edges) if vouched is None else vouched
    # Clustering allocates one small, acyclic object per record; left on, the cyclic
    # collector rescans the growing heap again and again (3-4x the run time at 200k).
    labels = tuple(identifier_labels)
    with gc_paused():
        first = _greedy(keys, edges, weights, identified, vouched, constraints, must_link, cannot_link, frozenset(), kept, labels, forenames_apart)
        ambiguous = _ambiguous(keys, edges, weights, first, constraints.ambiguity_margin, labels)
        if not ambiguous:
            return ClusterResult(labels=first.labels, refused=first.refused, summaries=first.summaries, identifier_labels=labels)
        second = _greedy(keys, edges, weights, identified, vouched, constraints, must_link, cannot_link, ambiguous, None, labels, forenames_apart)
    return ClusterResult(
        labels=second.labels, refused=second.refused, ambiguous=ambiguous, summaries=second.summaries, identifier_labels=labels
    )


@dataclass(frozen=True)
class _Pass:
    labels: list[int]
    refused: list[tuple[int, str]]
    best_kept: list[float]  # per record, weight of its strongest edge inside its cluster
    summaries: dict[int, _Cluster]


def _greedy(keys, edges, weights, identified, vouched, constraints, must_link, cannot_link, skip: frozenset[int], kept=None, labels=(), apart=()) -> _Pass:
    parent = list(range(len(keys)))
    start = _starter(constraints)
    clusters = [start(k) for k in keys]
    best_kept = [float("-inf")] * len(keys) if kept is None else list(kept)
    forbidden: dict[int, set[int]] = {}
    for a, b in cannot_link:
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)
    named_apart: dict[int, set[int]] = {}
    for a, b in apart:
        named_apart.setdefault(a, set()).add(b)
        named_apart.setdefault(b, set()).add(a)
    for record in (*forbidden, *named_apart):
        clusters[record].cannot.add(record)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(ra: int, rb: int) -> None:
        if ra > rb:
            ra, rb = rb, ra  # the smallest index represents the cluster
        parent[rb] = ra
        a, b = clusters[ra], clusters[rb]
        a.nhs |= b.nhs
        a.pnc |= b.pnc
        a.areas |= b.areas
        a.registered = a.registered or b.registered
        a.places |= b.places
        a.seen_from = _pick(min, a.seen_from, b.seen_from)
        a.seen_to = _pick(max, a.seen_to, b.seen_to)
        a.cannot |= b.cannot
        a.year_min = _pick(min, a.year_min, b.year_min)
        a.year_max = _pick(max, a.year_max, b.year_max)
        if b.dobs:
            a.dobs += tuple(d for d in b.dobs if d not in a.dobs)
        a.sources += b.sources
        for mine, theirs in zip(a.identifiers, b.identifiers, strict=True):
            mine |= theirs
        clusters[rb] = _Cluster()

    for a, b in must_link:
        ra, rb = find(a), find(b)
        if ra != rb and not _rejected(ra, rb, clusters, forbidden, find):
            union(ra, rb)

    refused: list[tuple[int, str]] = []
    for index, (a, b) in enumerate(edges):
        if a in skip or b in skip:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            reason = _conflict(clusters[ra], clusters[rb], constraints, labels, vouched[index])
            if reason is None and forbidden and _rejected(ra, rb, clusters, forbidden, find):
                reason = "rejected by an analyst"
            if (
                reason is None and named_apart and not identified[index]
                and (keys[a].forename is None or keys[b].forename is None)
                and _rejected(ra, rb, clusters, named_apart, find)
            ):
                # Only through a record with no forename: a chain of nicknames and spellings
                # (ALEX, ALEXANDER, SANDY) joins true pairs whose own forenames disagree.
                reason = FORENAME_RULE
            if reason is None and constraints.address_needs_identifier and not identified[index]:
                if _registered_apart(clusters[ra], clusters[rb]):
                    reason = ADDRESS_RULE
            if reason is None and constraints.place_needs_history and not identified[index]:
                if _apart_at_once(clusters[ra], clusters[rb], constraints.move_grace_days):
                    reason = PLACE_RULE
            if reason:
                refused.append((index, reason))
                continue
            union(ra, rb)
        weight = weights[index]
        best_kept[a] = max(best_kept[a], weight)
        best_kept[b] = max(best_kept[b], weight)
    labels = [find(i) for i in range(len(keys))]
    summaries = {root: clusters[root] for root in set(labels)}
    return _Pass(labels=labels, refused=refused, best_kept=best_kept, summaries=summaries)


def _ambiguous(keys, edges, weights, first: _Pass, margin: float, labels: tuple[str, ...] = ()) -> frozenset[int]:
    """Records lacking the identifier a refused edge is about, that match its far side nearly as well."""
    declared = {_different(label): position for position, label in enumerate(labels)}
    found = set()
    for index, reason in first.refused:
        attribute = _REASON_FIELD.get(reason)
        if attribute is None and reason not in declared:
            continue
        for record in edges[index]:
            value = getattr(keys[record], attribute) if attribute else _declared_value(keys[record], declared[reason])
            if value is None and weights[index] >= first.best_kept[record] - margin:
                found.add(record)
    return frozenset(found)


def _declared_value(key: RecordKeys, position: int) -> str | None:
    return key.identifiers[position] if position < len(key.identifiers) else None


def _different(label: str) -> str:
    """The reason a declared identifier gives for keeping two clusters apart."""
    return f"different {label} values"


def _starter(constraints: Constraints):
    """A function giving each record its one-record cluster, with the constraint flags read once."""
    use_nhs, use_pnc = constraints.different_nhs_numbers, constraints.different_pnc_ids
    use_year = constraints.max_dob_year_gap is not None
    use_dob = use_year and constraints.dob_typo_is_evidence

    def start(key: RecordKeys) -> _Cluster:
        year = key.dob_year if use_year else None
        return _Cluster(
            nhs={key.nhs_number} if use_nhs and key.nhs_number else set(),
            pnc={key.pnc_id} if use_pnc and key.pnc_id else set(),
            areas={key.postcode_area} if key.postcode_area else set(),
            registered=key.registration,
            places={key.place} if key.place else set(),
            seen_from=key.day if key.place else None,
            seen_to=key.day if key.place else None,
            year_min=year,
            year_max=year,
            dobs=(key.dob,) if use_dob and key.dob is not None else (),
            sources=(key.source,) if key.source is not None else (),
            identifiers=tuple({value} if value else set() for value in key.identifiers),
        )

    return start


def _conflict(
    a: _Cluster, b: _Cluster, constraints: Constraints, labels: Sequence[str] = (), vouched: bool = False
) -> str | None:
    if a.sources and b.sources and not set(a.sources).isdisjoint(b.sources):
        return SAME_SOURCE
    if a.nhs and b.nhs and not (a.nhs <= b.nhs or b.nhs <= a.nhs):
        return "different NHS numbers"
    if a.pnc and b.pnc and not (a.pnc <= b.pnc or b.pnc <= a.pnc):
        return "different PNC IDs"
    for label, mine, theirs in zip(labels, a.identifiers, b.identifiers, strict=False):
        if mine and theirs and _keystrokes_apart(mine - theirs, theirs - mine):
            return _different(label)
    gap = constraints.max_dob_year_gap
    if gap is not None and not vouched and a.year_min is not None and b.year_min is not None:
        span = max(a.year_max, b.year_max) - min(a.year_min, b.year_min)  # type: ignore[type-var]
        if span > gap and not (constraints.dob_typo_is_evidence and _typos_apart(a.dobs, b.dobs, gap)):
            return "dates of birth years apart"
    return None


def _typos_apart(a: tuple[int, ...], b: tuple[int, ...], gap: int) -> bool:
    """Every DOB of one cluster more than ``gap`` years from one of the other is one keystroke from it.

    One keystroke: one digit changed, added or lost, or two adjacent digits swapped, in
    YYYYMMDD (Damerau-Levenshtein distance 1). False when either side's DOBs are unknown.
    """
    if not a or not b:
        return False
    return all(
        damerau_levenshtein_distance(str(x), str(y)) <= 1
        for x in a for y in b if abs(x // 10000 - y // 10000) > gap
    )


def _keystrokes_apart(mine: set[str], theirs: set[str]) -> bool:
    """Some value held only by one cluster is more than one keystroke from one held only by the other.

    One keystroke is a Damerau-Levenshtein distance of 1 (a character added, dropped,
    changed or two swapped): a typo in one record, evidence for the model, never a veto.
    """
    return any(damerau_levenshtein_distance(x, y) > 1 for x in mine for y in theirs)


def _registered_apart(a: _Cluster, b: _Cluster) -> bool:
    """Both clusters hold a registration record and they share no postcode area."""
    return a.registered and b.registered and bool(a.areas) and bool(b.areas) and a.areas.isdisjoint(b.areas)


def _apart_at_once(a: _Cluster, b: _Cluster, grace_days: int) -> bool:
    """The clusters put the person in different postcode areas over one period.

    Each cluster's place history is its postcode areas and the span of its dated records
    that have one. One move explains two areas: one span ends before the other begins,
    give or take ``grace_days`` (an old address still given for a while after a move).
    Two spans that overlap by more, or one cluster seen at home both before and after
    the other's whole stay elsewhere (a lone record in another town, inside a namesake's
    years at home), mean two homes at once: two people.
    """
    if not a.places or not b.places or not a.places.isdisjoint(b.places):
        return False
    if a.seen_from is None or b.seen_from is None:
        return False
    overlap = min(a.seen_to, b.seen_to) - max(a.seen_from, b.seen_from)  # type: ignore[operator]
    return overlap > grace_days or _around(a, b, grace_days) or _around(b, a, grace_days)


def _around(outer: _Cluster, inner: _Cluster, grace_days: int) -> bool:
    """``outer`` was seen more than ``grace_days`` before and after all of ``inner``'s dated records."""
    return outer.seen_from < inner.seen_from - grace_days and outer.seen_to > inner.seen_to + grace_days  # type: ignore[operator]


def _rejected(ra: int, rb: int, clusters: list[_Cluster], forbidden: dict[int, set[int]], find) -> bool:
    """True if an analyst rejected a pair with one record in each cluster."""
    small, other = (clusters[ra], rb) if len(clusters[ra].cannot) <= len(clusters[rb].cannot) else (clusters[rb], ra)
    return any(find(y) == other for x in small.cannot for y in forbidden.get(x, ()))


def _pick(fn, x: int | None, y: int | None) -> int | None:
    if x is None:
        return y
    if y is None:
        return x
    return fn(x, y)
