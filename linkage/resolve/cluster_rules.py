"""What keeps two clusters apart: each cluster's summary (identifiers, birth years, places, sources),
how two summaries fold into one, and the hard and soft rules read from them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from jellyfish import damerau_levenshtein_distance

from linkage.config.model import Constraints
from linkage.resolve.record_keys import KeyTable, RecordKeys


@dataclass(slots=True)
class Summary:
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
REASON_FIELD = {
    "different NHS numbers": "nhs_number",
    "different PNC IDs": "pnc_id",
    "dates of birth years apart": "dob_year",
    ADDRESS_RULE: "postcode_area",  # a record with no postcode between two GP registrations in two towns
    PLACE_RULE: "place",  # a record with no postcode between namesakes in two towns
    FORENAME_RULE: "forename",  # a record with no forename between twins
}


def absorb(a: Summary, b: Summary) -> None:
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


def copied(cluster: Summary) -> Summary:
    """A summary that folding another into leaves the original unchanged."""
    return Summary(
        nhs=set(cluster.nhs), pnc=set(cluster.pnc), areas=set(cluster.areas), registered=cluster.registered,
        places=set(cluster.places), seen_from=cluster.seen_from, seen_to=cluster.seen_to, year_min=cluster.year_min,
        year_max=cluster.year_max, dobs=cluster.dobs, sources=cluster.sources, cannot=set(cluster.cannot),
        identifiers=tuple(set(values) for values in cluster.identifiers),
    )


def declared_value(key: RecordKeys, position: int) -> str | None:
    return key.identifiers[position] if position < len(key.identifiers) else None


def different_values(label: str) -> str:
    """The reason a declared identifier gives for keeping two clusters apart."""
    return f"different {label} values"


def summary_starter(constraints: Constraints):
    """A function giving each record its one-record cluster, with the constraint flags read once."""
    use_nhs, use_pnc = constraints.different_nhs_numbers, constraints.different_pnc_ids
    use_year = constraints.max_dob_year_gap is not None
    use_dob = use_year and constraints.dob_typo_is_evidence

    def start(key: RecordKeys) -> Summary:
        year = key.dob_year if use_year else None
        return Summary(
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


def conflict_between(
    a: Summary, b: Summary, constraints: Constraints, labels: Sequence[str] = (), vouched: bool = False
) -> str | None:
    if a.sources and b.sources and not set(a.sources).isdisjoint(b.sources):
        return SAME_SOURCE
    if a.nhs and b.nhs and not (a.nhs <= b.nhs or b.nhs <= a.nhs):
        return "different NHS numbers"
    if a.pnc and b.pnc and not (a.pnc <= b.pnc or b.pnc <= a.pnc):
        return "different PNC IDs"
    for label, mine, theirs in zip(labels, a.identifiers, b.identifiers, strict=False):
        if mine and theirs and _keystrokes_apart(mine - theirs, theirs - mine):
            return different_values(label)
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


def soft_refusal_between(a: Summary, b: Summary, constraints: Constraints) -> str | None:
    """The soft rule (:data:`SOFT_RULES`) that sends joining the two clusters to review, when no identifier agrees."""
    if constraints.address_needs_identifier and _registered_apart(a, b):
        return ADDRESS_RULE
    if constraints.place_needs_history and _apart_at_once(a, b, constraints.move_grace_days):
        return PLACE_RULE
    return None


def _registered_apart(a: Summary, b: Summary) -> bool:
    """Both clusters hold a registration record and they share no postcode area."""
    return a.registered and b.registered and bool(a.areas) and bool(b.areas) and a.areas.isdisjoint(b.areas)


def _apart_at_once(a: Summary, b: Summary, grace_days: int) -> bool:
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


def _around(outer: Summary, inner: Summary, grace_days: int) -> bool:
    """``outer`` was seen more than ``grace_days`` before and after all of ``inner``'s dated records."""
    return outer.seen_from < inner.seen_from - grace_days and outer.seen_to > inner.seen_to + grace_days  # type: ignore[operator]


def _pick(fn, x: int | None, y: int | None) -> int | None:
    if x is None:
        return y
    if y is None:
        return x
    return fn(x, y)


class LazySummaries(Mapping[int, Summary]):
    """Each cluster's summary by its representative: those the greedy pass built, the others folded from their records when asked."""

    def __init__(self, known: dict[int, Summary], labels: np.ndarray, table: KeyTable, constraints: Constraints):
        self._known = dict(known)
        self._labels = labels
        self._table = table
        self._start = summary_starter(constraints)
        self._order: np.ndarray | None = None

    def _members(self, root: int) -> np.ndarray:
        if self._order is None:
            self._order = np.argsort(self._labels, kind="stable")
            self._sorted = self._labels[self._order]
        low, high = np.searchsorted(self._sorted, [root, root + 1])
        return self._order[low:high]

    def __getitem__(self, root: int) -> Summary:
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
                absorb(found, self._start(next(keys)))
            self._known[root] = found

    def __iter__(self) -> Iterator[int]:
        return iter(np.unique(self._labels).tolist())

    def __len__(self) -> int:
        return len(np.unique(self._labels))
