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
- two records whose middle names disagree outright (JAMES and ASIF, not a typo, an initial or a
  forename used as a middle name) with no identifier agreeing (``middle_names_must_agree``);
- with ``link_type: link_only``, two records of one source.

One soft rule sends a merge to review instead: two clusters that each hold a record from
a registration agency (a GP registration: one address per person at a time) and share no
postcode area are joined only by an edge on which an NHS number or PNC ID agrees. Name and
DOB alone cannot tell two GP registrations in two towns apart from namesakes; a mover's
two health records normally share an NHS number.

A record that lacks what keeps two clusters apart (a police record with no DOB between
father and son of one name, or with no postcode between namesakes registered with GPs in
two towns) but scores about as well against both is ambiguous: a second pass leaves it unlinked, for review, rather than
attaching a child's record to the wrong family. So is a record with no DOB or identifier at a
postcode where two clusters of its name are a generation apart (``generations``), paired with both or not.

Pairs an analyst confirmed (must-link) are merged first, whatever their identifiers, unless
the merge would join a pair an analyst rejected: of two contradictory decisions, keeping
people apart is the one that cannot attach a record to the wrong family. Each cluster
keeps the set of NHS numbers and PNC IDs and the range of birth years of its records, so
a merge check costs O(1) for identifiers and O(k) for the k cannot-link records it holds.

Only components of the edge graph where some rule could refuse a merge (two NHS numbers,
DOBs years apart, two GP towns, a rejection, ...) take that greedy pass, record by record;
a component where none can, told apart with array operations over every record's keys
(:class:`KeyTable`), is merged whole, which is what the greedy pass would do with it. At
1M records about a tenth of the records take the pass; the other components cost no
Python object per record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from graph.gcpause import gc_paused
from linkage.config.model import Constraints
from linkage.resolve.cluster_rules import (
    FORENAME_RULE, LazySummaries, MIDDLE_NAME_RULE, REASON_FIELD, Summary, absorb, conflict_between, declared_value, different_values,
    soft_refusal_between, summary_starter,
)
from linkage.resolve.generations import undated_beside_generations, undated_between_generations
from linkage.resolve.record_keys import KeyTable, RecordKeys


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
    summaries: Mapping[int, Summary] = field(default_factory=dict)
    identifier_labels: tuple[str, ...] = ()

    def conflict(self, a: int, b: int, constraints: Constraints, vouched: bool = False) -> str | None:
        """Why the clusters of records ``a`` and ``b`` can never be one person, if they cannot.

        ``vouched``: an identifier one person alone holds agrees on the pair, so DOBs years
        apart do not part them.
        """
        ra, rb = self.labels[a], self.labels[b]
        if ra == rb:
            return None
        return conflict_between(self.summaries[ra], self.summaries[rb], constraints, self.identifier_labels, vouched)

    def soft_refusal(self, a: int, b: int, constraints: Constraints) -> str | None:
        """The soft rule (:data:`SOFT_RULES`) that would send joining the clusters of records ``a`` and ``b`` to review."""
        ra, rb = self.labels[a], self.labels[b]
        if ra == rb:
            return None
        return soft_refusal_between(self.summaries[ra], self.summaries[rb], constraints)

    def conflicts(self, a: Sequence[int], b: Sequence[int], constraints: Constraints, vouched: Sequence[bool]) -> list[str | None]:
        """:meth:`conflict` of many pairs of records, their clusters' summaries built together."""
        a, b, vouched = list(a), list(b), list(vouched)
        load = getattr(self.summaries, "load", None)
        if load is not None:
            load(self.labels[x] for x in (*a, *b))
        return [self.conflict(x, y, constraints, v) for x, y, v in zip(a, b, vouched, strict=True)]


def constrained_clusters(
    keys: Sequence[RecordKeys],
    edges: Sequence[tuple[int, int]] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    constraints: Constraints,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    identified: Sequence[bool] | np.ndarray | None = None,
    kept: Sequence[float] | np.ndarray | None = None,
    identifier_labels: Sequence[str] = (),
    forenames_apart: Iterable[tuple[int, int]] = (),
    vouched: Sequence[bool] | np.ndarray | None = None,
    middle_names_apart: Iterable[tuple[int, int]] = (),
    named: Sequence[bool] | np.ndarray | None = None,
) -> ClusterResult:
    """Cluster records from scored edges, never violating a constraint.

    Args:
        keys: Identifiers and birth year per record, indexed 0..n-1 (a :class:`KeyTable`
            for a whole population: no object per record is built for most of them).
        edges: Record index pairs to merge, strongest first (the caller sorts); a list of
            pairs or an array of shape (E, 2).
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
        middle_names_apart: Pairs whose middle names disagree outright with no identifier agreeing
            (``constraints.middle_names_must_agree``): never in one cluster unless the joining edge
            has an identifier agreeing.
        named: Per edge, whether its forenames and surnames agree: such an edge left between two clusters
            with DOBs a generation apart marks them for the generations rule (default: none does).

    Returns:
        The cluster of every record, the refused edges and the ambiguous records.
    """
    table = keys if isinstance(keys, KeyTable) else KeyTable.from_records(keys)
    count = len(table)
    must_link, cannot_link, forenames_apart = list(must_link), list(cannot_link), list(forenames_apart)
    middles = list(middle_names_apart)
    graph = _EdgeList(
        ends=np.asarray(edges, dtype=np.int64).reshape(-1, 2),
        weights=np.asarray(weights, dtype=np.float64).reshape(-1),
        identified=np.zeros(len(edges), dtype=bool) if identified is None else np.asarray(identified, dtype=bool),
        vouched=np.zeros(len(edges), dtype=bool) if vouched is None else np.asarray(vouched, dtype=bool),
    )
    kept = np.full(count, float("-inf")) if kept is None else np.asarray(kept, dtype=np.float64)
    labels = tuple(identifier_labels)
    component = _components(count, np.concatenate([graph.ends, np.asarray(must_link, dtype=np.int64).reshape(-1, 2)]))
    contested = _contested(table, component, constraints, [*must_link, *cannot_link, *forenames_apart, *middles])[component]
    # Clustering allocates one small, acyclic object per record; left on, the cyclic
    # collector rescans the growing heap again and again (3-4x the run time at 200k).
    with gc_paused():
        first = _greedy(table, graph, contested, constraints, must_link, cannot_link, frozenset(), kept, labels, forenames_apart, middles)
        ambiguous = _ambiguous(first, graph, constraints.ambiguity_margin, labels)
        grouped = component.copy()
        grouped[first.records] = first.labels
        if (gap := constraints.undated_generation_gap) is not None:
            beside = graph.ends[np.zeros(len(graph.ends), dtype=bool) if named is None else np.asarray(named, dtype=bool)]
            ambiguous |= frozenset([*undated_between_generations(table, grouped, gap).tolist(), *undated_beside_generations(table, grouped, beside, gap).tolist()])
        if not ambiguous:
            summaries = LazySummaries(first.summaries, grouped, table, constraints)
            return ClusterResult(labels=grouped.tolist(), refused=first.refused, summaries=summaries, identifier_labels=labels)
        # Only the components holding an ambiguous record change when it is left out.
        again = np.isin(component, component[sorted(ambiguous)])
        second = _greedy(table, graph, again, constraints, must_link, cannot_link, ambiguous, None, labels, forenames_apart, middles)
    grouped[second.records] = second.labels
    moved = again[graph.ends[[index for index, _ in first.refused], 0]].tolist() if first.refused else []
    refused = sorted([r for r, redone in zip(first.refused, moved, strict=True) if not redone] + second.refused)
    kept_summaries = {root: c for root, c in first.summaries.items() if not again[root]}
    summaries = LazySummaries({**kept_summaries, **second.summaries}, grouped, table, constraints)
    return ClusterResult(labels=grouped.tolist(), refused=refused, ambiguous=ambiguous, summaries=summaries, identifier_labels=labels)


@dataclass(frozen=True)
class _EdgeList:
    ends: np.ndarray  # (E, 2) record indices, strongest first
    weights: np.ndarray
    identified: np.ndarray
    vouched: np.ndarray


def _components(count: int, ends: np.ndarray) -> np.ndarray:
    """Each record's connected component over these edges, named by its smallest record index.

    Roots are hooked onto smaller roots and paths shortened, over all edges at once,
    until no edge joins two roots.
    """
    parent = np.arange(count, dtype=np.int64)
    a, b = ends[:, 0], ends[:, 1]
    while True:
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        if not apart.any():
            return parent
        a, b, ra, rb = a[apart], b[apart], ra[apart], rb[apart]
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up


def _contested(table: KeyTable, component: np.ndarray, constraints: Constraints, decided: list[tuple[int, int]]) -> np.ndarray:
    """Per component (by its smallest record index), whether some rule could refuse a merge in it.

    A component is uncontested when no two of its records could ever be kept apart: at
    most one value of each identifier, birth years within the gap, not two GP
    registrations with two postcode areas, not two places (place rule), not one source
    twice (link_only), and no analyst's decision or forename demotion inside it. The
    greedy pass would merge such a component whole. The test is on the whole component,
    so it can only err towards contested (the exact pass), never the other way.
    """
    count = len(component)
    contested = np.zeros(count, dtype=bool)

    def spread(codes: np.ndarray) -> np.ndarray:
        known = codes >= 0
        low = np.full(count, np.iinfo(np.int64).max)
        high = np.full(count, -1, dtype=np.int64)
        np.minimum.at(low, component[known], codes[known])
        np.maximum.at(high, component[known], codes[known])
        return high > low

    if constraints.different_nhs_numbers:
        contested |= spread(table.codes("nhs_number"))
    if constraints.different_pnc_ids:
        contested |= spread(table.codes("pnc_id"))
    for position in range(table.identifier_count):
        contested |= spread(table.codes(f"identifier_{position}"))
    if constraints.max_dob_year_gap is not None:
        years, known = table.numbers("dob_year")
        low = np.full(count, np.iinfo(np.int64).max)
        high = np.full(count, np.iinfo(np.int64).min)
        np.minimum.at(low, component[known], years[known])
        np.maximum.at(high, component[known], years[known])
        # A component with no known year keeps low above high: no span.
        contested |= high - np.minimum(low, high) > constraints.max_dob_year_gap
    if constraints.address_needs_identifier:
        registered, _ = table.numbers("registration")
        contested |= (np.bincount(component, weights=registered, minlength=count) >= 2) & spread(table.codes("postcode_area"))
    if constraints.place_needs_history:
        contested |= spread(table.codes("place"))
    sources = table.codes("source")
    if (sources >= 0).any():
        known = sources >= 0
        combined = component[known] * (int(sources.max()) + 1) + sources[known]
        values, counts = np.unique(combined, return_counts=True)
        contested[values[counts > 1] // (int(sources.max()) + 1)] = True
    for a, b in decided:
        if component[a] == component[b]:
            contested[component[a]] = True
    return contested


@dataclass(frozen=True)
class _Pass:
    records: np.ndarray  # the records this pass clustered
    labels: np.ndarray  # their cluster representatives, same order
    refused: list[tuple[int, str]]
    best_kept: dict[int, float]  # per record, weight of its strongest edge inside its cluster
    summaries: dict[int, Summary]
    keys: dict[int, RecordKeys]


def _greedy(
    table: KeyTable, graph: _EdgeList, members: np.ndarray, constraints, must_link, cannot_link, skip: frozenset[int], kept=None,
    labels=(), apart=(), middles=(),
) -> _Pass:
    """Merge the edges among ``members`` (whole components) strongest first, refusing what a rule forbids."""
    records = np.flatnonzero(members)
    keys = dict(zip(records.tolist(), table.rows(records), strict=True))
    parent = list(range(len(table)))
    start = summary_starter(constraints)
    clusters = {record: start(key) for record, key in keys.items()}
    best_kept = dict.fromkeys(keys, float("-inf")) if kept is None else dict(zip(keys, kept[records].tolist(), strict=True))
    forbidden: dict[int, set[int]] = {}
    for a, b in cannot_link:
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)
    named_apart: dict[int, set[int]] = {}
    for a, b in apart:
        named_apart.setdefault(a, set()).add(b)
        named_apart.setdefault(b, set()).add(a)
    middle_apart: dict[int, set[int]] = {}
    for a, b in middles:
        middle_apart.setdefault(a, set()).add(b)
        middle_apart.setdefault(b, set()).add(a)
    for record in (*forbidden, *named_apart, *middle_apart):
        if record in clusters:
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
        absorb(clusters[ra], clusters.pop(rb))

    for a, b in must_link:
        if a not in keys:
            continue  # another component's
        ra, rb = find(a), find(b)
        if ra != rb and not _rejected(ra, rb, clusters, forbidden, find):
            union(ra, rb)

    refused: list[tuple[int, str]] = []
    chosen = np.flatnonzero(members[graph.ends[:, 0]])
    for index, a, b, weight, identified, vouched in zip(
        chosen.tolist(), graph.ends[chosen, 0].tolist(), graph.ends[chosen, 1].tolist(), graph.weights[chosen].tolist(),
        graph.identified[chosen].tolist(), graph.vouched[chosen].tolist(), strict=True,
    ):
        if a in skip or b in skip:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            reason = conflict_between(clusters[ra], clusters[rb], constraints, labels, vouched)
            if reason is None and forbidden and _rejected(ra, rb, clusters, forbidden, find):
                reason = "rejected by an analyst"
            if (
                reason is None and named_apart and not identified
                and (keys[a].forename is None or keys[b].forename is None)
                and _rejected(ra, rb, clusters, named_apart, find)
            ):
                # Only through a record with no forename: a chain of nicknames and spellings
                # (ALEX, ALEXANDER, SANDY) joins true pairs whose own forenames disagree.
                reason = FORENAME_RULE
            if reason is None and not identified:
                reason = soft_refusal_between(clusters[ra], clusters[rb], constraints)
            # After the soft rules: where one sends the merge to review, a record lacking the
            # postcode or place it turns on is still found ambiguous between the two clusters.
            if reason is None and middle_apart and not identified and _rejected(ra, rb, clusters, middle_apart, find):
                reason = MIDDLE_NAME_RULE
            if reason:
                refused.append((index, reason))
                continue
            union(ra, rb)
        best_kept[a] = max(best_kept[a], weight)
        best_kept[b] = max(best_kept[b], weight)
    found = [find(record) for record in keys]
    summaries = {root: clusters[root] for root in set(found)}
    return _Pass(
        records=records, labels=np.asarray(found, dtype=np.int64), refused=refused, best_kept=best_kept,
        summaries=summaries, keys=keys,
    )


def _ambiguous(first: _Pass, graph: _EdgeList, margin: float, labels: tuple[str, ...] = ()) -> frozenset[int]:
    """Records lacking the identifier a refused edge is about, that match its far side nearly as well."""
    declared = {different_values(label): position for position, label in enumerate(labels)}
    found = set()
    for index, reason in first.refused:
        attribute = REASON_FIELD.get(reason)
        if attribute is None and reason not in declared:
            continue
        weight = float(graph.weights[index])
        for record in graph.ends[index].tolist():
            key = first.keys[record]
            value = getattr(key, attribute) if attribute else declared_value(key, declared[reason])
            if value is None and weight >= first.best_kept[record] - margin:
                found.add(record)
    return frozenset(found)


def _rejected(ra: int, rb: int, clusters: Mapping[int, Summary], forbidden: dict[int, set[int]], find) -> bool:
    """True if an analyst rejected a pair with one record in each cluster."""
    small, other = (clusters[ra], rb) if len(clusters[ra].cannot) <= len(clusters[rb].cannot) else (clusters[rb], ra)
    return any(find(y) == other for x in small.cannot for y in forbidden.get(x, ()))


