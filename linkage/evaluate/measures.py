"""What an evaluation against ground truth measures: pair counts, B-cubed, hard negatives, review band.

Plain values with their derived ratios; :mod:`linkage.evaluate.scoring` fills them from the store.
A ratio whose denominator is zero is ``None`` (undefined), not 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BCubed",
    "Counts",
    "Evaluation",
    "HARD_NEGATIVE_KINDS",
    "HardNegative",
    "PairCounts",
    "REVIEW_SHARE_TARGET",
    "ReviewBand",
    "SerialPerpetrators",
    "SourcePairRecall",
]

#: (kind, people.csv column, largest acceptable merged share) for each hard negative: issue 13's
#: targets, set for 200,000 people on the generator's harsh profile.
HARD_NEGATIVE_KINDS: tuple[tuple[str, str, float], ...] = (
    ("twin", "twin_of", 0.01),
    ("junior_senior", "junior_senior_of", 0.01),
    ("namesake", "namesake_of", 0.03),
)
#: Review band target: people touched by review pairs, as a share of resolved people.
REVIEW_SHARE_TARGET = 0.02


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class PairCounts:
    """Pair counts behind a precision / recall / F1.

    A ratio whose denominator is zero is ``None`` (undefined), not 0 or 1.

    Attributes:
        true_positives: Predicted pairs that are true matches.
        predicted: Pairs predicted to be the same person.
        actual: Pairs that truly are the same person.
    """

    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float | None:
        """``true_positives / predicted``."""
        return _ratio(self.true_positives, self.predicted)

    @property
    def recall(self) -> float | None:
        """``true_positives / actual``."""
        return _ratio(self.true_positives, self.actual)

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall."""
        return _f1(self.precision, self.recall)


@dataclass(frozen=True)
class BCubed:
    """B-cubed scores, averaged over evaluated records.

    Attributes:
        precision: Mean over records of the share of its cluster that is its true person.
        recall: Mean over records of the share of its true person that is in its cluster.
    """

    precision: float | None
    recall: float | None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of the averaged precision and recall."""
        return _f1(self.precision, self.recall)


@dataclass(frozen=True)
class HardNegative:
    """Pairs of different true people that look alike, and how many were merged.

    Attributes:
        kind: ``twin``, ``junior_senior`` or ``namesake``.
        pairs: Distinct pairs of true people of this kind, both with a record in the store.
        merged: Those pairs where a record of each shares a resolved person.
        target: Largest acceptable merged share.
    """

    kind: str
    pairs: int
    merged: int
    target: float

    @property
    def share(self) -> float | None:
        """``merged / pairs``, or None without pairs."""
        return _ratio(self.merged, self.pairs)

    @property
    def meets_target(self) -> bool | None:
        """Whether the merged share is at most the target (None without pairs)."""
        return None if self.share is None else self.share <= self.target


@dataclass(frozen=True)
class SourcePairRecall:
    """Recall of true-match record pairs between two sources.

    Attributes:
        source_l: First source (alphabetically).
        source_r: Second source (equal to ``source_l`` for pairs within one source).
        true_pairs: True-match record pairs with one record from each source.
        same_cluster: Those pairs resolved to the same person.
    """

    source_l: str
    source_r: str
    true_pairs: int
    same_cluster: int

    @property
    def recall(self) -> float | None:
        """``same_cluster / true_pairs``."""
        return _ratio(self.same_cluster, self.true_pairs)


@dataclass(frozen=True)
class ReviewBand:
    """The clerical-review workload.

    Attributes:
        pairs: Scored pairs in the ``review`` band (both records evaluated).
        people_touched: Distinct resolved people holding a record of a review pair.
        resolved_people: All resolved people among evaluated records.
        target: Largest acceptable ``people_touched / resolved_people``.
    """

    pairs: int
    people_touched: int
    resolved_people: int
    target: float = REVIEW_SHARE_TARGET

    @property
    def share(self) -> float | None:
        """``people_touched / resolved_people``."""
        return _ratio(self.people_touched, self.resolved_people)

    @property
    def meets_target(self) -> bool | None:
        """Whether the share is below the target (None without resolved people)."""
        return None if self.share is None else self.share < self.target


@dataclass(frozen=True)
class SerialPerpetrators:
    """Whether serial perpetrators were brought together (aliases hide them otherwise).

    Attributes:
        people: True serial perpetrators with a record in the store.
        split: Those whose records are spread over more than one resolved person.
    """

    people: int
    split: int


@dataclass(frozen=True)
class Counts:
    """Sizes of what was evaluated.

    Attributes:
        truth_records: Rows in the truth ``records.csv``.
        truth_missing_from_store: Truth records not in the store (quarantined by ingestion).
        records_without_truth: Store records with no truth row (not evaluated; expected 0).
        records_evaluated: Store records with a truth row: every metric is over these.
        records_unclustered: Evaluated records missing from ``clusters`` (scored as singletons).
        true_people: Distinct true people among evaluated records.
        resolved_people: Distinct resolved people among evaluated records.
        singletons: Resolved people with exactly one evaluated record.
    """

    truth_records: int
    truth_missing_from_store: int
    records_without_truth: int
    records_evaluated: int
    records_unclustered: int
    true_people: int
    resolved_people: int
    singletons: int


@dataclass(frozen=True)
class Evaluation:
    """Everything :func:`evaluate` measured.

    Attributes:
        counts: Sizes of what was evaluated.
        cluster_pairs: Record pairs in the same cluster vs. the same true person.
        link_pairs: Scored pairs in the ``link`` band vs. truth.
        link_and_review_pairs: Scored pairs in the ``link`` or ``review`` band vs. truth.
        bcubed: B-cubed precision and recall.
        hard_negatives: One entry per kind in :data:`HARD_NEGATIVE_KINDS`, in that order.
        source_pairs: Recall per unordered pair of sources, sorted by source names.
        review: The review-band workload.
        serial_perpetrators: Serial perpetrators split across resolved people, or None
            if ``people.csv`` has no ``is_serial_perpetrator`` column.
    """

    counts: Counts
    cluster_pairs: PairCounts
    link_pairs: PairCounts
    link_and_review_pairs: PairCounts
    bcubed: BCubed
    hard_negatives: tuple[HardNegative, ...]
    source_pairs: tuple[SourcePairRecall, ...]
    review: ReviewBand
    serial_perpetrators: SerialPerpetrators | None
