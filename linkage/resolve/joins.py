"""Clusters joined after clustering (the relational context step), each join checked against the
people as joined so far."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from linkage.config.model import Constraints
from linkage.resolve.cluster import ClusterResult
from linkage.resolve.cluster_rules import Summary, absorb, conflict_between, copied, soft_refusal_between


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
        self._summaries: dict[int, Summary] = {}

    def find(self, record: int) -> int:
        """The representative of the cluster now holding ``record``."""
        root = self._result.labels[record]
        while root in self._parent:
            root = self._parent[root]
        return root

    def _summary(self, root: int) -> Summary:
        found = self._summaries.get(root)
        return self._result.summaries[root] if found is None else found

    def summary_of(self, record: int) -> Summary:
        """The summary of the cluster now holding ``record``."""
        return self._summary(self.find(record))

    def conflict(self, a: int, b: int, constraints: Constraints) -> str | None:
        """:meth:`ClusterResult.conflict` between the clusters now holding records ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        return conflict_between(self._summary(ra), self._summary(rb), constraints, self._result.identifier_labels)

    def soft_refusal(self, a: int, b: int, constraints: Constraints) -> str | None:
        """:meth:`ClusterResult.soft_refusal` between the clusters now holding records ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        return soft_refusal_between(self._summary(ra), self._summary(rb), constraints)

    def join(self, a: int, b: int) -> None:
        """Join the clusters now holding records ``a`` and ``b`` (the smaller representative stays)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        low, high = min(ra, rb), max(ra, rb)
        merged = copied(self._summary(low))
        absorb(merged, self._summary(high))
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


class _Joined(Mapping[int, Summary]):
    """The summaries of a clustering after :class:`Joins`: the joined clusters' own, the others' as before."""

    def __init__(self, base: Mapping[int, Summary], joined: dict[int, Summary], gone: frozenset[int]):
        self._base, self._joined, self._gone = base, joined, gone

    def __getitem__(self, root: int) -> Summary:
        if root in self._gone:
            raise KeyError(root)
        found = self._joined.get(root)
        return self._base[root] if found is None else found

    def load(self, roots: Iterable[int]) -> None:
        """Build the untouched clusters' summaries at once (see ``cluster_rules.LazySummaries.load``)."""
        load = getattr(self._base, "load", None)
        if load is not None:
            load(root for root in roots if root not in self._gone and root not in self._joined)

    def __iter__(self) -> Iterator[int]:
        return (root for root in self._base if root not in self._gone)

    def __len__(self) -> int:
        return len(self._base) - len(self._gone)
