"""End to end on a generated set: run, evaluate, decisions, re-runs, failure, export."""

from __future__ import annotations

import csv
import shutil

import pytest

from linkage.batch import run_all
from linkage.errors import MashError
from linkage.export import export_links
from linkage.history import list_runs
from linkage.evaluate import evaluate
from linkage.resolve import load_latest_model
from linkage.store import layout, open_results, open_state


@pytest.fixture
def copy(linked, tmp_path):
    """A private copy of the linked store and its models."""
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    return run.model_copy(update={"store": tmp_path / "store" / "mash.duckdb"})


def query(store, sql, params=None):
    with open_results(store) as con:
        return con.execute(sql, params).fetchall()


def test_every_record_is_in_exactly_one_person(linked):
    run, report = linked
    assert query(run.store, "SELECT count(*), count(DISTINCT unique_id) FROM clusters") == [(report.resolution.records,) * 2]
    assert query(run.store, "SELECT count(*) FROM records r ANTI JOIN clusters c USING (unique_id)") == [(0,)]
    assert query(run.store, "SELECT count(DISTINCT person_id) FROM clusters") == [(report.resolution.people,)]


def test_accuracy_against_truth(linked):
    run, _ = linked
    with open_results(run.store) as con:
        result = evaluate(con, run.extracts_dir / "truth")
    # A plain Splink set-up reaches F1 ~0.96 and merges most twins; these floors fail it.
    assert result.cluster_pairs.f1 >= 0.98
    assert result.cluster_pairs.precision >= 0.99
    merged = sum(h.merged for h in result.hard_negatives)
    pairs = sum(h.pairs for h in result.hard_negatives)
    assert pairs >= 20
    assert merged <= 0.1 * pairs, [(h.kind, h.merged, h.pairs) for h in result.hard_negatives]


def test_golden_view_keeps_every_agency_value(linked):
    run, _ = linked
    # Pick a person known to several agencies with two spellings of a field.
    person, field = query(
        run.store,
        "SELECT person_id, field FROM person_values WHERE field = 'surname' GROUP BY ALL HAVING count(*) > 1 ORDER BY person_id LIMIT 1",
    )[0]
    values = query(run.store, "SELECT value, records, agencies, record_ids FROM person_values WHERE person_id = $p AND field = $f", {"p": person, "f": field})
    assert len(values) > 1
    assert sum(v[1] for v in values) == sum(len(v[3]) for v in values), "each value lists the records that hold it"
    assert query(run.store, "SELECT list_contains(conflicts, 'surname') FROM persons WHERE person_id = $p", {"p": person}) == [(True,)]


def test_golden_address_was_recorded_as_one(linked):
    """The golden address line and postcode come from one record, never a street from one and a postcode from another."""
    run, _ = linked
    apart = query(
        run.store,
        "SELECT count(*) FROM persons AS p WHERE (p.address IS NOT NULL OR p.postcode IS NOT NULL) AND NOT EXISTS ("
        "SELECT 1 FROM records AS r JOIN clusters AS c USING (unique_id) WHERE c.person_id = p.person_id "
        "AND r.address IS NOT DISTINCT FROM p.address AND r.postcode IS NOT DISTINCT FROM p.postcode)",
    )
    moved = query(
        run.store,
        "SELECT count(*) FROM (SELECT c.person_id FROM records r JOIN clusters c USING (unique_id) "
        "WHERE r.postcode IS NOT NULL GROUP BY 1 HAVING count(DISTINCT r.postcode) > 1)",
    )
    assert moved[0][0] > 0, "the set has people recorded at two addresses"
    assert apart == [(0,)]


def test_rerun_reuses_model_and_changes_nothing(copy):
    before = query(copy.store, "SELECT unique_id, person_id FROM clusters ORDER BY unique_id")
    report = run_all(copy)
    assert not report.resolution.trained, "the saved model is reused"
    assert report.resolution.model.version == 1
    assert query(copy.store, "SELECT unique_id, person_id FROM clusters ORDER BY unique_id") == before


def test_retrain_makes_a_new_version(copy):
    report = run_all(copy, retrain=True)
    assert report.resolution.trained and report.resolution.model.version == 2
    assert load_latest_model(copy.store).version == 2


def decide(store, left, right, decision):
    with open_state(store) as con:
        con.execute(
            "INSERT INTO review_decisions (unique_id_l, unique_id_r, decision, reason, reviewer) VALUES ($l, $r, $d, 'test', 'analyst1')",
            {"l": left, "r": right, "d": decision},
        )


def person_of(store, uid):
    return query(store, "SELECT person_id FROM clusters WHERE unique_id = $u", {"u": uid})[0][0]


def test_rejected_link_splits_and_survives_reruns(copy):
    left, right = query(copy.store, "SELECT unique_id_l, unique_id_r FROM pairs WHERE band = 'link' ORDER BY match_weight LIMIT 1")[0]
    assert person_of(copy.store, left) == person_of(copy.store, right)
    decide(copy.store, left, right, "reject")
    run_all(copy)
    assert person_of(copy.store, left) != person_of(copy.store, right)
    assert query(copy.store, "SELECT band FROM pairs WHERE unique_id_l = $l AND unique_id_r = $r", {"l": left, "r": right}) == [("rejected",)]
    run_all(copy)
    assert person_of(copy.store, left) != person_of(copy.store, right), "the decision is applied again"
    assert query(copy.store, "SELECT count(*) FROM review_decisions") == [(1,)]


def test_confirmed_review_pair_links(copy):
    left, right = query(copy.store, "SELECT unique_id_l, unique_id_r FROM pairs WHERE band = 'review' ORDER BY match_weight DESC LIMIT 1")[0]
    assert person_of(copy.store, left) != person_of(copy.store, right)
    decide(copy.store, left, right, "confirm")
    run_all(copy)
    assert person_of(copy.store, left) == person_of(copy.store, right)
    assert query(copy.store, "SELECT link_strength FROM clusters WHERE unique_id = $u", {"u": left}) == [("confirmed",)]


def test_failed_run_leaves_previous_results(copy):
    before = query(copy.store, "SELECT unique_id, person_id FROM clusters ORDER BY unique_id")
    load_latest_model(copy.store).path.write_text("{broken")
    with pytest.raises(MashError, match="not a readable MASH Link model file"):
        run_all(copy)
    assert query(copy.store, "SELECT unique_id, person_id FROM clusters ORDER BY unique_id") == before
    where = layout(copy.store)
    assert sorted(p.name for p in where.runs_dir.glob("run-*.duckdb")) == ["run-000001.duckdb"], "the failed run's file is removed"
    with open_state(copy.store) as state:
        latest = list_runs(state, 1)[0]
    status, error = latest.status, latest.error
    assert status == "failed" and "not a readable MASH Link model file" in error


def test_export_links_one_row_per_record(linked, tmp_path):
    run, report = linked
    out = tmp_path / "links.csv"
    with open_results(run.store) as con:
        written = export_links(con, out)
    rows = list(csv.DictReader(out.open()))
    assert written == len(rows) == report.resolution.records
    assert set(rows[0]) == {"source", "record_id", "person_id", "link_strength", "best_match_probability"}
    assert {r["link_strength"] for r in rows} <= {"confirmed", "strong", "single"}
