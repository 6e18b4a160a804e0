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
attaching a child's record to the wrong family.

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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


#: The scalar fields of :class:`RecordKeys`, in :class:`KeyTable`'s columns.
_FIELDS = ("nhs_number", "pnc_id", "dob_year", "dob", "source", "forename", "postcode_area", "registration", "place", "day")


class KeyTable(Sequence[RecordKeys]):
    """Every record's :class:`RecordKeys`, held by column in one Arrow table.

    A whole population's keys without an object per record: clustering reads them by
    column to tell which components a rule could part, and builds :class:`RecordKeys`
    (:meth:`rows`) only for the records of those.
    """

    def __init__(self, columns: pa.Table, records: Sequence[RecordKeys] | None = None):
        """Keys from ``columns``: one per :data:`_FIELDS`, then ``identifier_0``, ``identifier_1``, ...

        Args:
            columns: The keys by column (:meth:`from_columns` builds it).
            records: The same keys as objects, when the caller has them already.
        """
        self._table = columns.combine_chunks()
        self._records = records
        self._width = columns.num_columns - len(_FIELDS)

    @classmethod
    def from_columns(cls, columns: Mapping[str, pa.Array | pa.ChunkedArray], identifiers: Sequence[pa.Array | pa.ChunkedArray] = ()) -> KeyTable:
        """Keys from one array per :data:`_FIELDS` name and one per declared identifier, in label order."""
        names = [*_FIELDS, *(f"identifier_{i}" for i in range(len(identifiers)))]
        return cls(pa.table([*(columns[name] for name in _FIELDS), *identifiers], names=names))

    @classmethod
    def from_records(cls, keys: Sequence[RecordKeys]) -> KeyTable:
        """Keys already built one record at a time (small inputs, tests)."""
        width = max((len(k.identifiers) for k in keys), default=0)
        columns = {name: pa.array([getattr(k, name) for k in keys]) for name in _FIELDS}
        identifiers = [pa.array([k.identifiers[i] if i < len(k.identifiers) else None for k in keys]) for i in range(width)]
        table = cls.from_columns(columns, identifiers)
        return cls(table._table, list(keys))

    def __len__(self) -> int:
        return self._table.num_rows

    @overload
    def __getitem__(self, index: int) -> RecordKeys: ...
    @overload
    def __getitem__(self, index: slice) -> list[RecordKeys]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.rows(np.arange(len(self))[index])
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self.rows(np.array([index % len(self)]))[0]

    def __iter__(self) -> Iterator[RecordKeys]:
        return iter(self.rows(np.arange(len(self))))

    def rows(self, indices: np.ndarray) -> list[RecordKeys]:
        """The keys of these records, as objects, in this order."""
        if self._records is not None:
            return [self._records[i] for i in indices.tolist()]
        part = self._table.take(pa.array(indices, pa.int64()))
        columns = [part[name].to_pylist() for name in _FIELDS]
        declared = [part[f"identifier_{i}"].to_pylist() for i in range(self._width)]
        identifiers = list(zip(*declared, strict=True)) if declared else [()] * part.num_rows
        return [
            RecordKeys(
                nhs_number=n, pnc_id=p, dob_year=y, dob=b, source=s, forename=f, postcode_area=a, registration=bool(g),
                place=pl, day=d, identifiers=i,
            )
            for n, p, y, b, s, f, a, g, pl, d, i in zip(*columns, identifiers, strict=True)
        ]

    def codes(self, name: str) -> np.ndarray:
        """A column's values as integer codes, equal values equal codes; -1 for null."""
        column = self._table[name].combine_chunks()
        if pa.types.is_null(column.type) or not len(column):
            return np.full(len(column), -1, dtype=np.int64)
        if pa.types.is_integer(column.type):
            return pc.fill_null(column, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        indices = pc.dictionary_encode(column).indices
        return pc.fill_null(indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A numeric or boolean column as int64 values and a mask of the known ones."""
        column = self._table[name].combine_chunks()
        if pa.types.is_null(column.type) or not len(column):
            return np.zeros(len(column), dtype=np.int64), np.zeros(len(column), dtype=bool)
        known = pc.is_valid(column).to_numpy(zero_copy_only=False)
        return pc.fill_null(column.cast(pa.int64()), 0).to_numpy(zero_copy_only=False), known

    @property
    def identifier_count(self) -> int:
        """How many declared identifiers each record holds."""
        return self._width


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
    summaries: Mapping[int, _Cluster] = field(default_factory=dict)
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

    def soft_refusal(self, a: int, b: int, constraints: Constraints) -> str | None:
        """The soft rule (:data:`SOFT_RULES`) that would send joining the clusters of records ``a`` and ``b`` to review."""
        ra, rb = self.labels[a], self.labels[b]
        if ra == rb:
            return None
        return _soft_refusal(self.summaries[ra], self.summaries[rb], constraints)

    def conflicts(self, a: Sequence[int], b: Sequence[int], constraints: Constraints, vouched: Sequence[bool]) -> list[str | None]:
        """:meth:`conflict` of many pairs of records, their clusters' summaries built together."""
        a, b, vouched = list(a), list(b), list(vouched)
        load = getattr(self.summaries, "load", None)
        if load is not None:
            load(self.labels[x] for x in (*a, *b))
        return [self.conflict(x, y, constraints, v) for x, y, v in zip(a, b, vouched, strict=True)]


#: With ``link_type: link_only`` each source lists a person at most once.
SAME_SOURCE = "two records of one source (link_only)"
#: A soft rule: the pair goes to review rather than being kept apart for good.
ADDRESS_RULE = "no shared postcode area and no identifier agrees"
#: A soft rule: one person lives at one home at a time, so two clusters seen in different
#: postcode areas over the same period, with no identifier to join them, are sent to review.
PLACE_RULE = "in different postcode areas over the same period and no identifier agrees"
#: Two records whose forenames disagree outright (twins) are not joined through others either.
FORENAME_RULE = "forenames differ and no identifier agrees (through other records)"
#: Two records whose middle names disagree outright are two people, and are not joined through others.
MIDDLE_NAME_RULE = "middle names differ and no identifier agrees"
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
        if not ambiguous:
            summaries = _Summaries(first.summaries, grouped, table, constraints)
            return ClusterResult(labels=grouped.tolist(), refused=first.refused, summaries=summaries, identifier_labels=labels)
        # Only the components holding an ambiguous record change when it is left out.
        again = np.isin(component, component[sorted(ambiguous)])
        second = _greedy(table, graph, again, constraints, must_link, cannot_link, ambiguous, None, labels, forenames_apart, middles)
    grouped[second.records] = second.labels
    moved = again[graph.ends[[index for index, _ in first.refused], 0]].tolist() if first.refused else []
    refused = sorted([r for r, redone in zip(first.refused, moved, strict=True) if not redone] + second.refused)
    kept_summaries = {root: c for root, c in first.summaries.items() if not again[root]}
    summaries = _Summaries({**kept_summaries, **second.summaries}, grouped, table, constraints)
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
    summaries: dict[int, _Cluster]
    keys: dict[int, RecordKeys]


def _greedy(
    table: KeyTable, graph: _EdgeList, members: np.ndarray, constraints, must_link, cannot_link, skip: frozenset[int], kept=None,
    labels=(), apart=(), middles=(),
) -> _Pass:
    """Merge the edges among ``members`` (whole components) strongest first, refusing what a rule forbids."""
    records = np.flatnonzero(members)
    keys = dict(zip(records.tolist(), table.rows(records), strict=True))
    parent = list(range(len(table)))
    start = _starter(constraints)
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
        _absorb(clusters[ra], clusters.pop(rb))

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
            reason = _conflict(clusters[ra], clusters[rb], constraints, labels, vouched)
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
                reason = _soft_refusal(clusters[ra], clusters[rb], constraints)
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


def _absorb(a: _Cluster, b: _Cluster) -> None:
    """Fold cluster ``b``'s summary into ``a``'s."""
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


class _Summaries(Mapping[int, _Cluster]):
    """Each cluster's summary by its representative: those the greedy pass built, the others folded from their records when asked."""

    def __init__(self, known: dict[int, _Cluster], labels: np.ndarray, table: KeyTable, constraints: Constraints):
        self._known = dict(known)
        self._labels = labels
        self._table = table
        self._start = _starter(constraints)
        self._order: np.ndarray | None = None

    def _members(self, root: int) -> np.ndarray:
        if self._order is None:
            self._order = np.argsort(self._labels, kind="stable")
            self._sorted = self._labels[self._order]
        low, high = np.searchsorted(self._sorted, [root, root + 1])
        return self._order[low:high]

    def __getitem__(self, root: int) -> _Cluster:
        found = self._known.get(root)
        if found is None:
            self.load([root])
            if root not in self._known:
                raise KeyError(root)
            found = self._known[root]
        return found

    def load(self, roots: Iterable[int]) -> None:
        """Build the summaries of these representatives not built yet, reading their records' keys at once."""
        count = len(self._labels)
        # Only representatives of this clustering have a summary (others raise KeyError when asked).
        wanted = sorted({root for root in roots if root not in self._known and 0 <= root < count and self._labels[root] == root})
        if not wanted:
            return
        members = [self._members(root) for root in wanted]
        keys = iter(self._table.rows(np.concatenate(members)))
        for root, records in zip(wanted, members, strict=True):
            found = self._start(next(keys))
            for _ in range(len(records) - 1):
                _absorb(found, self._start(next(keys)))
            self._known[root] = found

    def __iter__(self) -> Iterator[int]:
        return iter(np.unique(self._labels).tolist())

    def __len__(self) -> int:
        return len(np.unique(self._labels))


def _ambiguous(first: _Pass, graph: _EdgeList, margin: float, labels: tuple[str, ...] = ()) -> frozenset[int]:
    """Records lacking the identifier a refused edge is about, that match its far side nearly as well."""
    declared = {_different(label): position for position, label in enumerate(labels)}
    found = set()
    for index, reason in first.refused:
        attribute = _REASON_FIELD.get(reason)
        if attribute is None and reason not in declared:
            continue
        weight = float(graph.weights[index])
        for record in graph.ends[index].tolist():
            key = first.keys[record]
            value = getattr(key, attribute) if attribute else _declared_value(key, declared[reason])
            if value is None and weight >= first.best_kept[record] - margin:
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


def _soft_refusal(a: _Cluster, b: _Cluster, constraints: Constraints) -> str | None:
    """The soft rule (:data:`SOFT_RULES`) that sends joining the two clusters to review, when no identifier agrees."""
    if constraints.address_needs_identifier and _registered_apart(a, b):
        return ADDRESS_RULE
    if constraints.place_needs_history and _apart_at_once(a, b, constraints.move_grace_days):
        return PLACE_RULE
    return None


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


def _rejected(ra: int, rb: int, clusters: Mapping[int, _Cluster], forbidden: dict[int, set[int]], find) -> bool:
    """True if an analyst rejected a pair with one record in each cluster."""
    small, other = (clusters[ra], rb) if len(clusters[ra].cannot) <= len(clusters[rb].cannot) else (clusters[rb], ra)
    return any(find(y) == other for x in small.cannot for y in forbidden.get(x, ()))


def _pick(fn, x: int | None, y: int | None) -> int | None:
    if x is None:
        return y
    if y is None:
        return x
    return fn(x, y)


class Joins:
    """Clusters joined after clustering (the relational context step), each join's summary folded as it is made.

    A check after a join sees the joined cluster whole, as the greedy pass does: a cluster
    that took one person's records cannot then take a second person's whose NHS number or
    DOB differs from the first's. :meth:`result` gives the clustering with the joins made,
    its summaries those of the joined clusters (a joined-away representative has none).
    """

    def __init__(self, result: ClusterResult):
        self._result = result
        self._parent: dict[int, int] = {}
        self._summaries: dict[int, _Cluster] = {}

    def find(self, record: int) -> int:
        """The representative of the cluster now holding ``record``."""
        root = self._result.labels[record]
        while root in self._parent:
            root = self._parent[root]
        return root

    def _summary(self, root: int) -> _Cluster:
        found = self._summaries.get(root)
        return self._result.summaries[root] if found is None else found

    def conflict(self, a: int, b: int, constraints: Constraints) -> str | None:
        """:meth:`ClusterResult.conflict` between the clusters now holding records ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        return _conflict(self._summary(ra), self._summary(rb), constraints, self._result.identifier_labels)

    def soft_refusal(self, a: int, b: int, constraints: Constraints) -> str | None:
        """:meth:`ClusterResult.soft_refusal` between the clusters now holding records ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        return _soft_refusal(self._summary(ra), self._summary(rb), constraints)

    def join(self, a: int, b: int) -> None:
        """Join the clusters now holding records ``a`` and ``b`` (the smaller representative stays)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        low, high = min(ra, rb), max(ra, rb)
        merged = _copied(self._summary(low))
        _absorb(merged, self._summary(high))
        self._summaries[low] = merged
        self._summaries.pop(high, None)
        self._parent[high] = low

    def result(self) -> ClusterResult:
        """The clustering with every join made (the same object when none was)."""
        if not self._parent:
            return self._result
        labels = np.asarray(self._result.labels, dtype=np.int64)
        gone = np.fromiter(self._parent, dtype=np.int64)
        moved = np.isin(labels, gone)
        roots = {high: self.find(high) for high in self._parent}
        labels[moved] = _mapped(labels[moved], roots)
        summaries = _Joined(self._result.summaries, dict(self._summaries), frozenset(self._parent))
        r = self._result
        return ClusterResult(labels=labels.tolist(), refused=r.refused, ambiguous=r.ambiguous, summaries=summaries,
                             identifier_labels=r.identifier_labels)


def _mapped(values: np.ndarray, mapping: Mapping[int, int]) -> np.ndarray:
    """Each value through ``mapping`` (every value must be a key)."""
    keys = np.fromiter(mapping, dtype=np.int64)
    targets = np.fromiter(mapping.values(), dtype=np.int64)
    order = np.argsort(keys)
    return targets[order][np.searchsorted(keys[order], values)]


def _copied(cluster: _Cluster) -> _Cluster:
    """A summary that folding another into leaves the original unchanged."""
    return _Cluster(
        nhs=set(cluster.nhs), pnc=set(cluster.pnc), areas=set(cluster.areas), registered=cluster.registered,
        places=set(cluster.places), seen_from=cluster.seen_from, seen_to=cluster.seen_to, year_min=cluster.year_min,
        year_max=cluster.year_max, dobs=cluster.dobs, sources=cluster.sources, cannot=set(cluster.cannot),
        identifiers=tuple(set(values) for values in cluster.identifiers),
    )


class _Joined(Mapping[int, _Cluster]):
    """The summaries of a clustering after :class:`Joins`: the joined clusters' own, the others' as before."""

    def __init__(self, base: Mapping[int, _Cluster], joined: dict[int, _Cluster], gone: frozenset[int]):
        self._base, self._joined, self._gone = base, joined, gone

    def __getitem__(self, root: int) -> _Cluster:
        if root in self._gone:
            raise KeyError(root)
        found = self._joined.get(root)
        return self._base[root] if found is None else found

    def load(self, roots: Iterable[int]) -> None:
        """Build the untouched clusters' summaries at once (see ``_Summaries.load``)."""
        load = getattr(self._base, "load", None)
        if load is not None:
            load(root for root in roots if root not in self._gone and root not in self._joined)

    def __iter__(self) -> Iterator[int]:
        return (root for root in self._base if root not in self._gone)

    def __len__(self) -> int:
        return len(self._base) - len(self._gone)
