"""Serial and repeat perpetrators ranked by RFG(V), with victims checked against the generator's truth."""

from __future__ import annotations

import pytest

from linkage.explore import perpetrator_incidents, perpetrators, victim_network, victims


def test_perpetrators_are_ranked_by_score_then_victims(cur):
    ranked = perpetrators(cur)
    assert not ranked.empty
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    scored = ranked["score"].dropna()
    assert list(scored) == sorted(scored, reverse=True)
    assert ranked["score"].notna().cummin().equals(ranked["score"].notna()), "unscored people rank last"
    assert (ranked["serial"] | ranked["repeat"]).all()


def test_the_score_is_the_weighted_sum_of_its_components(cur):
    ranked = perpetrators(cur).dropna(subset=["score"])
    for row in ranked.itertuples():
        total = sum(getattr(row, c) * getattr(row, f"weight_{c}") for c in ("recency", "frequency", "gravity", "victims"))
        assert total == pytest.approx(row.score, abs=1e-3)


FILTERS = [
    ("serial only", {"serial_only": True}, lambda r: r["serial"].all()),
    ("an agency none of the evidence comes from", {"agency": "education"}, lambda r: r.empty),
    ("a limit", {"limit": 3}, lambda r: len(r) == 3),
]


@pytest.mark.parametrize(("description", "kwargs", "check"), FILTERS, ids=[c[0] for c in FILTERS])
def test_perpetrator_filters(cur, description, kwargs, check):
    assert check(perpetrators(cur, **kwargs)), description


def test_true_serial_perpetrators_are_listed_as_serial(cur, truth, resolved):
    people = truth["people"]
    true_serial = {resolved[p] for p in people.loc[people["is_serial_perpetrator"] == "true", "person_id"] if p in resolved}
    listed = set(perpetrators(cur, serial_only=True, limit=1000)["person_id"])
    assert true_serial
    assert len(true_serial & listed) / len(true_serial) >= 0.9


def test_victims_and_incident_counts_match_the_truth(cur, truth, resolved):
    edges = truth["da_edges"]
    edges = edges[edges["perpetrator_id"].isin(resolved) & edges["victim_id"].isin(resolved)]
    checked = 0
    for perpetrator, group in edges.groupby("perpetrator_id"):
        if len(group) < 2:
            continue
        found = victims(cur, resolved[perpetrator]).set_index("victim_id")
        for edge in group.itertuples():
            assert found.at[resolved[edge.victim_id], "incidents"] == int(edge.incidents)
        checked += 1
    assert checked >= 3, "too few perpetrators with two victims resolved cleanly to test"


def test_incidents_and_victim_network_agree_with_victims(cur):
    person_id = perpetrators(cur, serial_only=True)["person_id"].iloc[0]
    people = victims(cur, person_id)
    incidents = perpetrator_incidents(cur, person_id)
    assert set(incidents["victim_id"]) == set(people["victim_id"])
    assert incidents["event_date"].is_monotonic_increasing
    network = victim_network(cur, person_id)
    assert set(network.edges["target"]) == set(people["victim_id"])
    assert (network.edges["relationship"] == "perpetrator-victim").all()
    assert set(network.nodes["id"]) == {person_id, *people["victim_id"]}
