"""Why a record is linked: its pairs and Splink's match-weight waterfall."""

from __future__ import annotations

import math

import pytest

from linkage.explore import PRIOR, level_labels, record_pairs, waterfall
from linkage.resolve import load_latest_model


@pytest.fixture(scope="module")
def model(linked):
    run, _ = linked
    return load_latest_model(run.store)


def _link_pair(cur) -> tuple[str, str, float]:
    return cur.execute(
        "SELECT unique_id_l, unique_id_r, match_weight FROM pairs WHERE band = 'link' AND gamma_forename >= 0 "
        "ORDER BY unique_id_l LIMIT 1"
    ).fetchone()


def test_waterfall_adds_up_to_the_match_weight_from_the_models_prior(cur, model):
    left, right, weight = _link_pair(cur)
    bars = waterfall(cur, left, right, model.splink)
    assert bars["comparison"].iloc[0] == PRIOR
    prior = model.splink["probability_two_random_records_match"]
    assert bars["weight"].iloc[0] == pytest.approx(math.log2(prior / (1 - prior)))
    assert bars["cumulative"].iloc[-1] == pytest.approx(weight)
    assert bars["probability"].iloc[-1] == pytest.approx(1 / (1 + 2 ** -weight))
    assert set(bars["comparison"].iloc[1:]) >= {"forename", "surname", "dob", "nhs_number", "pnc_id", "postcode"}


def test_waterfall_labels_each_level_and_shows_both_values(cur, model):
    left, right, _ = _link_pair(cur)
    bars = waterfall(cur, left, right, model.splink).set_index("comparison")
    forename = bars.loc["forename"]
    assert forename["level"], "a level label from the model"
    if forename["value_l"] == forename["value_r"]:
        assert forename["level"] == "Exact match on forename"


def test_waterfall_is_the_same_either_way_round(cur, model):
    left, right, _ = _link_pair(cur)
    assert waterfall(cur, left, right, model.splink).equals(waterfall(cur, right, left, model.splink))


def test_an_unscored_pair_has_no_waterfall(cur):
    assert waterfall(cur, "police:nope", "health:nope").empty


def test_record_pairs_put_the_persons_own_links_first(cur):
    left, _, _ = _link_pair(cur)
    pairs = record_pairs(cur, left)
    person = cur.execute("SELECT person_id FROM clusters WHERE unique_id = $u", {"u": left}).fetchone()[0]
    assert pairs["same_person"].iloc[0]
    assert (pairs.loc[pairs["same_person"], "other_person_id"] == person).all()
    assert list(pairs["same_person"]) == sorted(pairs["same_person"], reverse=True)


def test_a_record_scored_as_its_profile_shows_its_representative_s_pairs(cur):
    member, rep, second = cur.execute(
        "SELECT p.unique_id, p.profile_id, (SELECT min(unique_id) FROM profiles AS q WHERE q.profile_id = p.profile_id "
        "AND q.unique_id <> q.profile_id) FROM profiles AS p WHERE p.unique_id <> p.profile_id "
        "AND p.profile_id IN (SELECT unique_id_l FROM pairs WHERE unique_id_r NOT IN (SELECT unique_id FROM profiles "
        "WHERE profile_id = pairs.unique_id_l)) ORDER BY p.unique_id LIMIT 1"
    ).fetchone()
    mine, theirs = record_pairs(cur, member), record_pairs(cur, rep)
    assert len(mine) == len(theirs) > 0, "the identical record's pairs are its representative's"
    assert member not in set(mine["other_id"]), "never paired with itself"
    if member == second:
        assert rep in set(mine["other_id"]), "the profile's own pair, seen from its second record"


LEVELS = [
    ("null level is -1, others count down from the top", {
        "comparisons": [{"output_column_name": "dob", "comparison_levels": [
            {"is_null_level": True, "label_for_charts": "dob is NULL"},
            {"label_for_charts": "Exact"}, {"label_for_charts": "Swapped"}, {"label_for_charts": "Else"},
        ]}]
    }, {"dob": {-1: "one or both values missing", 2: "Exact", 1: "Swapped", 0: "Else"}}),
    ("no null level", {
        "comparisons": [{"output_column_name": "sex", "comparison_levels": [
            {"label_for_charts": "Exact"}, {"label_for_charts": "Else"},
        ]}]
    }, {"sex": {1: "Exact", 0: "Else"}}),
    ("no model", None, {}),
]


@pytest.mark.parametrize(("description", "settings", "expected"), LEVELS, ids=[c[0] for c in LEVELS])
def test_level_labels_follow_splinks_gamma_numbering(description, settings, expected):
    assert level_labels(settings) == expected, description
