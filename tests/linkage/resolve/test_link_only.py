"""``link_type: link_only``: sources that each list a person at most once are linked, never deduplicated."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.record_keys import RecordKeys
from linkage.resolve.model_inputs import SOURCES_DIFFER, blocking_rules
from linkage.resolve.profiles import collapse

def test_two_records_of_one_source_never_share_a_cluster():
    keys = [RecordKeys(source="a"), RecordKeys(source="b"), RecordKeys(source="a")]
    # a1-b and b-a2 both score well: a chain would put a1 and a2 together.
    result = constrained_clusters(keys, [(0, 1), (1, 2)], [20.0, 18.0], _link_only_model().constraints)
    assert result.labels[0] == result.labels[1] != result.labels[2]
    assert result.refused == [(1, "two records of one source (link_only)")]


def _link_only_model(model=None):
    from linkage.config import ModelConfig

    return (model or ModelConfig()).model_copy(update={"link_type": "link_only"})


def test_every_rule_asks_for_two_sources():
    from splink.internals.dialects import SplinkDialect

    dialect = SplinkDialect.from_string("duckdb")
    for rule in blocking_rules(_link_only_model()):
        assert SOURCES_DIFFER in rule.get_blocking_rule(dialect.sql_dialect_str).blocking_rule_sql


@pytest.fixture(scope="module")
def linked_only(generated_input):
    """The generated records (three agencies) trained, scored and clustered with link_type: link_only."""
    from linkage.resolve.run import cluster_records
    from linkage.resolve.linker import make_linker, scored_pairs
    from linkage.resolve.train import train

    records, model = generated_input
    model = _link_only_model(model)
    trained = train(records, model)
    pairs = scored_pairs(make_linker(records, trained).inference.predict(threshold_match_probability=model.thresholds.review))
    profiles = collapse(records, model)
    return records, pairs, cluster_records(profiles, pairs, {}, model)


def test_no_pair_within_a_source_is_scored(linked_only):
    records, pairs, _ = linked_only
    source = dict(zip(records["unique_id"].to_pylist(), records["source"].to_pylist(), strict=True))
    assert pairs.num_rows > 1000, "pairs across sources are scored"
    within = [(l, r) for l, r in zip(pairs["unique_id_l"].to_pylist(), pairs["unique_id_r"].to_pylist(), strict=True) if source[l] == source[r]]
    assert within == []


def test_no_person_holds_two_records_of_one_source(linked_only):
    records, _, clustered = linked_only
    labels = pa.table({"person": pa.array(clustered.labels), "source": records["source"]})
    counts = labels.group_by(["person", "source"]).aggregate([("source", "count")])
    assert pc.max(counts["source_count"]).as_py() == 1
    people = len(set(clustered.labels))
    assert people < records.num_rows * 0.9, "records of different agencies still link"
