"""Components no rule can part are merged whole: the result equals the greedy pass over every component."""

from __future__ import annotations

import random

import numpy as np
import pytest

from linkage.config.model import Constraints
from linkage.resolve import cluster
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.record_keys import KeyTable, RecordKeys

#: (description, constraints) for each set-up the populations are clustered under.
SETUPS = [
    ("default rules", Constraints()),
    ("place rule on", Constraints(place_needs_history=True)),
    ("no DOB gap, no address rule", Constraints(max_dob_year_gap=None, address_needs_identifier=False)),
]


def population(seed: int) -> tuple[list[RecordKeys], list[tuple[int, int]], list[float], list[bool], list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]]]:
    """Records with few distinct values (so components both with and without conflicts arise) and random edges."""
    rng = random.Random(seed)
    n = 60

    def maybe(values):
        return rng.choice([None, None, *values])

    keys = [
        RecordKeys(
            nhs_number=maybe(["9434765919", "4010232137"]), pnc_id=maybe(["01/1A", "02/2B"]) if rng.random() < 0.2 else None,
            dob_year=(year := maybe([1980, 1981, 1990])), dob=None if year is None else year * 10000 + 101,
            forename=maybe(["ANN", "ROSE"]), postcode_area=maybe(["SE15", "LS6"]), registration=rng.random() < 0.3,
            place=(place := maybe(["SE", "LS"])), day=rng.randrange(17000, 19000) if place else None,
        )
        for _ in range(n)
    ]
    edges = sorted({tuple(sorted(rng.sample(range(n), 2))) for _ in range(70)})
    rng.shuffle(edges)
    weights = sorted((rng.uniform(5, 25) for _ in edges), reverse=True)
    identified = [rng.random() < 0.1 for _ in edges]
    pairs = [tuple(sorted(rng.sample(range(n), 2))) for _ in range(6)]
    return keys, edges, weights, identified, pairs[:2], pairs[2:4], pairs[4:]


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("description,constraints", SETUPS)
def test_shortcut_gives_the_greedy_result(seed, description, constraints, monkeypatch):
    keys, edges, weights, identified, must, cannot, apart = population(seed)
    kept = [float("-inf")] * len(keys)

    def run():
        result = constrained_clusters(
            keys, edges, weights, constraints, must_link=must, cannot_link=cannot, identified=identified, kept=kept,
            forenames_apart=apart,
        )
        # Every cluster's summary, and the conflict of every pair of clusters, as bands would ask.
        roots = sorted(set(result.labels))
        conflicts = result.conflicts(roots, roots[::-1], constraints, [False] * len(roots))
        return result.labels, result.refused, result.ambiguous, conflicts

    shortcut = run()
    monkeypatch.setattr(cluster, "_contested", lambda table, component, *args: np.ones(len(component), dtype=bool))
    assert shortcut == run(), description


def test_key_table_gives_back_each_record():
    keys = [RecordKeys("9434765919", dob_year=1980, dob=19800101, identifiers=("X1",)), RecordKeys(postcode_area="SE15", registration=True)]
    table = KeyTable.from_records(keys)
    columnar = KeyTable(table._table)  # the same keys without the objects: built back from the columns
    assert list(columnar) == [keys[0], RecordKeys(postcode_area="SE15", registration=True, identifiers=(None,))]
    assert len(columnar) == 2 and columnar[-1] == columnar[1]
