"""Edge selection and the band each scored pair ends in, on hand-built pairs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from linkage.config import ModelConfig
from linkage.resolve import bands
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.record_keys import RecordKeys
from linkage.resolve.model import FORENAME_LOOKALIKE_GAMMAS, FORENAME_NEAR_NICKNAME, forename_comparison

MODEL = ModelConfig()
H = dict(registration=True)

# Each case: description, record keys, pairs (l, r, probability, weight, gamma_forename, gamma_nhs, gamma_pnc
# [, gamma_partner: -1 when left out]), decisions, expected band per pair.
CASES = [
    (
        "strong pair is linked",
        [RecordKeys(), RecordKeys()],
        [(0, 1, 0.99, 15.0, 6, -1, -1)], {},
        ["link"],
    ),
    (
        "pair in the review band between two people who could be one goes to review",
        [RecordKeys(), RecordKeys()],
        [(0, 1, 0.85, 3.0, 6, -1, -1)], {},
        ["review"],
    ),
    (
        "review-band pair inside one person (through another record) is supported",
        [RecordKeys(), RecordKeys(), RecordKeys()],
        [(0, 1, 0.99, 15.0, 6, -1, -1), (0, 2, 0.99, 15.0, 6, -1, -1), (1, 2, 0.85, 3.0, 6, -1, -1)], {},
        ["link", "link", "supported"],
    ),
    (
        "forenames that disagree outright but the same DA incident partner: a victim's cut-short forename, linked",
        [RecordKeys(), RecordKeys()],
        [(0, 1, 0.99, 15.0, 0, -1, -1, 1)], {},
        ["link"],
    ),
    (
        "forenames that disagree outright and different DA incident partners: still kept apart",
        [RecordKeys(), RecordKeys()],
        [(0, 1, 0.99, 15.0, 0, -1, -1, 0)], {},
        ["distinct"],
    ),
    (
        "forenames that disagree outright with no identifier: twins, kept apart",
        [RecordKeys(), RecordKeys()],
        [(0, 1, 0.99, 15.0, 0, -1, -1)], {},
        ["distinct"],
    ),
    (
        "forenames disagree but the NHS number matches: linked",
        [RecordKeys("9434765919"), RecordKeys("9434765919")],
        [(0, 1, 0.99, 25.0, 0, 1, -1)], {},
        ["link"],
    ),
    (
        "different NHS numbers keep a strong pair apart",
        [RecordKeys("9434765919"), RecordKeys("4010232137")],
        [(0, 1, 0.99, 15.0, 6, 0, -1)], {},
        ["distinct"],
    ),
    (
        "review-band pair between people with different NHS numbers is not worth reviewing",
        [RecordKeys("9434765919"), RecordKeys("4010232137")],
        [(0, 1, 0.85, 3.0, 6, 0, -1)], {},
        ["distinct"],
    ),
    (
        "two GP registrations in different areas with no identifier go to review",
        [RecordKeys(postcode_area="SE15", **H), RecordKeys(postcode_area="LS6", **H)],
        [(0, 1, 0.99, 15.0, 6, -1, -1)], {},
        ["review"],
    ),
    (
        "different areas but only one registration: a mover, linked",
        [RecordKeys(postcode_area="SE15", **H), RecordKeys(postcode_area="LS6")],
        [(0, 1, 0.99, 15.0, 6, -1, -1)], {},
        ["link"],
    ),
    (
        "an analyst's rejection wins over a strong score",
        [RecordKeys(), RecordKeys()],
        [(0, 1, 0.99, 15.0, 6, -1, -1)], {(0, 1): "reject"},
        ["rejected"],
    ),
    (
        "an analyst's confirmation links a review pair",
        [RecordKeys(), RecordKeys()],
        [(0, 1, 0.85, 3.0, 6, -1, -1)], {(0, 1): "confirm"},
        ["confirmed"],
    ),
]


@pytest.mark.parametrize(("description", "keys", "rows", "decisions", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bands(description, keys, rows, decisions, expected):
    left = np.array([r[0] for r in rows])
    right = np.array([r[1] for r in rows])
    pairs = pa.table({
        "match_probability": [r[2] for r in rows],
        "match_weight": [r[3] for r in rows],
        "gamma_forename": [r[4] for r in rows],
        "gamma_nhs_number": [r[5] for r in rows],
        "gamma_pnc_id": [r[6] for r in rows],
        "gamma_partner": [r[7] if len(r) > 7 else -1 for r in rows],
    })
    edges = bands.select_edges(pairs, MODEL)
    result = constrained_clusters(
        keys,
        list(zip(left[edges.positions].tolist(), right[edges.positions].tolist(), strict=True)),
        pairs["match_weight"].to_numpy()[edges.positions].tolist(),
        MODEL.constraints,
        must_link=[k for k, v in decisions.items() if v == "confirm"],
        cannot_link=[k for k, v in decisions.items() if v == "reject"],
        identified=edges.identified[edges.positions].tolist(),
    )
    got, reasons = bands.assign_bands(pairs, left, right, edges, result, decisions, MODEL)
    assert got == expected, description
    assert all((r is None) == (b == "link") for b, r in zip(got, reasons, strict=True)), "every non-link says why"


def test_edges_strongest_first():
    pairs = pa.table({
        "match_probability": [0.96, 0.99, 0.5, 0.98],
        "match_weight": [5.0, 12.0, 0.1, 9.0],
        "gamma_forename": [6, 6, 6, 6],
        "gamma_nhs_number": [-1, -1, -1, -1],
        "gamma_pnc_id": [-1, -1, -1, -1],
        "gamma_partner": [-1, -1, -1, -1],
    })
    assert bands.select_edges(pairs, MODEL).positions.tolist() == [1, 3, 0]


# A declared identifier's agreement, per how it is declared: (description, declaration, forename gamma, DOB years
# of the two records, expected band). Its exact level is gamma 2 (it has a typo level).
DECLARED_CASES = [
    ("same_person: shared value, forenames replaced outright: one person", {"same_value": "same_person"}, 0, (1970, 1970), "link"),
    ("same_person: shared value, DOB years apart: a miskeyed DOB, one person", {"same_value": "same_person"}, 6, (1969, 1937), "link"),
    ("evidence: shared value, forenames replaced outright: twins' signature, apart", {}, 0, (1970, 1970), "distinct"),
    ("evidence: shared value, DOB years apart: apart", {}, 6, (1969, 1937), "distinct"),
    ("two_people: shared value lifts the forename rule", {"different_values": "two_people"}, 0, (1970, 1970), "link"),
    ("two_people: shared value does not lift the DOB gap", {"different_values": "two_people"}, 6, (1969, 1937), "distinct"),
]


@pytest.mark.parametrize(("description", "declared", "forename", "years", "expected"), DECLARED_CASES, ids=[c[0] for c in DECLARED_CASES])
def test_declared_identifier_agreement(description, declared, forename, years, expected):
    model = ModelConfig(identifiers={"ref": declared})
    pairs = pa.table({
        "match_probability": [0.99], "match_weight": [15.0], "gamma_forename": [forename],
        "gamma_nhs_number": [-1], "gamma_pnc_id": [-1], "gamma_partner": [-1], "gamma_id_ref": [2],
    })
    keys = [RecordKeys(dob_year=year, dob=year * 10000 + 101) for year in years]
    edges = bands.select_edges(pairs, model)
    result = constrained_clusters(
        keys, [(0, 1)] if edges.positions.size else [], [15.0] if edges.positions.size else [], model.constraints,
        identified=edges.identified[edges.positions].tolist(), vouched=edges.vouched[edges.positions].tolist(),
    )
    got, _ = bands.assign_bands(pairs, np.array([0]), np.array([1]), edges, result, {}, model)
    assert got == [expected], description


def test_one_keystroke_agreement_vouches_for_nothing():
    """A same_person identifier one keystroke apart (gamma 1) is evidence only: twins' numbers can be consecutive."""
    model = ModelConfig(identifiers={"ref": {"same_value": "same_person"}})
    pairs = pa.table({
        "match_probability": [0.99], "match_weight": [15.0], "gamma_forename": [0],
        "gamma_nhs_number": [-1], "gamma_pnc_id": [-1], "gamma_partner": [-1], "gamma_id_ref": [1],
    })
    edges = bands.select_edges(pairs, model)
    assert (edges.identified.tolist(), edges.vouched.tolist(), edges.demoted.tolist()) == ([False], [False], [True])


# Each case: description, (middle names, forename) of the left and right record, whether they disagree outright.
MIDDLE_CASES = [
    ("two different full middle names: two people", ("JAMES", "RICHARD"), ("ASIF", "RICHARD"), True),
    ("the same middle name", ("JAMES", "RICHARD"), ("JAMES", "RICHARD"), False),
    ("a middle name one keystroke off is a typo", ("JAMES", "RICHARD"), ("JAMSE", "RICHARD"), False),
    ("an initial says nothing", ("J", "RICHARD"), ("ASIF", "RICHARD"), False),
    ("a missing middle name says nothing", (None, "RICHARD"), ("ASIF", "RICHARD"), False),
    ("one middle name shared among several", ("JAMES PAUL", "RICHARD"), ("PAUL", "RICHARD"), False),
    ("none shared among several", ("JAMES PAUL", "RICHARD"), ("ASIF OMAR", "RICHARD"), True),
    ("a forename recorded as the middle name (known by it)", ("RICHARD", "JAMES"), ("PAUL", "RICHARD"), False),
]


@pytest.mark.parametrize(("description", "left", "right", "expected"), MIDDLE_CASES, ids=[c[0] for c in MIDDLE_CASES])
def test_middle_names_differ(description, left, right, expected):
    got = bands.middle_names_differ([left[0]], [right[0]], [left[1]], [right[1]])
    assert got.tolist() == [expected], description


def test_middle_names_that_differ_keep_people_apart_below_the_link_threshold_too():
    """Father and son of one name and address: the pair with two middle names is distinct, not review."""
    pairs = pa.table({
        "match_probability": [0.99, 0.85], "match_weight": [15.0, 3.0], "gamma_forename": [8, 8],
        "gamma_nhs_number": [-1, -1], "gamma_pnc_id": [-1, -1], "gamma_partner": [-1, -1],
    })
    left, right = np.array([0, 0]), np.array([1, 2])
    edges = bands.select_edges(pairs, MODEL)
    differ = np.array([True, True])
    result = constrained_clusters(
        [RecordKeys()] * 3, [(0, 1)], [15.0], MODEL.constraints, middle_names_apart=[(0, 1), (0, 2)],
    )
    got, reasons = bands.assign_bands(pairs, left, right, edges, result, {}, MODEL, differ)
    assert got == ["distinct", "distinct"]
    assert reasons == [bands.MIDDLE_NAME_RULE] * 2


# Each case: description, forenames, the least share, the model's term frequencies (None: no table), established per row.
FREQUENCIES = pa.table({"forename": ["OLIVER", "OLIVIA", "OLIVRE"], "tf_forename": [0.01, 0.002, 0.00001]})
ESTABLISHED_CASES = [
    ("names held by the share or more are established", ["OLIVER", "OLIVIA"], 0.0003, FREQUENCIES, [True, True]),
    ("a rare spelling (a keying error) is not", ["OLIVER", "OLIVRE"], 0.0003, FREQUENCIES, [True, False]),
    ("a name the model never saw is not", ["OLIVER", "ZEBEDEE"], 0.0003, FREQUENCIES, [True, False]),
    ("a record with no forename is not", [None, "OLIVER"], 0.0003, FREQUENCIES, [False, True]),
    ("the share sets the bar", ["OLIVER", "OLIVIA"], 0.005, FREQUENCIES, [True, False]),
    ("off when the share is None", ["OLIVER", "OLIVIA"], None, FREQUENCIES, [False, False]),
    ("off with no term-frequency table (forename not in term_frequency)", ["OLIVER", "OLIVIA"], 0.0003, None, [False, False]),
]


@pytest.mark.parametrize(("description", "names", "share", "frequencies", "expected"), ESTABLISHED_CASES, ids=[c[0] for c in ESTABLISHED_CASES])
def test_established_forenames(description, names, share, frequencies, expected):
    got = bands.established_forenames(pa.array(names, pa.string()), share, frequencies)
    assert got.tolist() == expected, description


# Each case: description, gamma_forename, both forenames established, NHS gamma, demoted.
LOOKALIKE_CASES = [
    ("OLIVER and OLIVIA, both established names, look alike: twins, demoted", 1, True, -1, True),
    ("GEORGE and GEORGIA sound alike, both established: demoted", 3, True, -1, True),
    ("DANIEL and DAVIEL look alike, one a keying error: weighed, not demoted", 1, False, -1, False),
    ("established look-alikes with the NHS number agreeing: one person", 1, True, 1, False),
    ("a known nickname (same name group) is never demoted", 8, True, -1, False),
    ("a close spelling (Jaro-Winkler 0.92) is never demoted", 7, True, -1, False),
    ("TMO and THOMAS: a misspelt nickname, weighed, not demoted", 6, False, -1, False),
    ("a name the list lacks one keystroke from a name of the other's group, both established: two names, demoted", 6, True, -1, True),
]


@pytest.mark.parametrize(("description", "gamma", "established", "nhs", "expected"), LOOKALIKE_CASES, ids=[c[0] for c in LOOKALIKE_CASES])
def test_lookalike_established_forenames_are_demoted(description, gamma, established, nhs, expected):
    pairs = pa.table({
        "match_probability": [0.99], "match_weight": [15.0], "gamma_forename": [gamma],
        "gamma_nhs_number": [nhs], "gamma_pnc_id": [-1], "gamma_partner": [-1],
    })
    edges = bands.select_edges(pairs, MODEL, np.array([established]))
    assert edges.demoted.tolist() == [expected], description
    assert (len(edges.positions) == 0) == expected


def test_lookalike_gammas_are_the_forename_comparisons_lookalike_levels():
    """FORENAME_LOOKALIKE_GAMMAS names the Jaro-Winkler 0.8, Soundex and misspelt-nickname levels of the built comparison."""
    levels = forename_comparison(False).get_comparison("duckdb").comparison_levels
    by_gamma = {level.comparison_vector_value: level.label_for_charts for level in levels}
    labels = [by_gamma[g] for g in FORENAME_LOOKALIKE_GAMMAS]
    assert "0.8" in labels[0] and "sound alike" in labels[1].lower() and labels[2] == FORENAME_NEAR_NICKNAME, labels


# Records: 0 in SE15 and 1 (no postcode) are one person through a strong pair; 2 is its own person, in the area
# given; 3 and 4 are a pair whose postcodes disagree (the model's else level, its weight given).
# Each case: description, area of record 2, the review pair (1, 2)'s match weight and postcode gamma,
# the disagreement weight, the setting, expected band of the review pair.
ADDRESS_CASES = [
    ("no postcode on the pair, people in different areas: settled apart", "LS6", 3.0, -1, -2.72, True, "distinct"),
    ("people sharing a postcode area: still for review", "SE15", 3.0, -1, -2.72, True, "review"),
    ("the other person holds no postcode: nothing to compare, review", None, 3.0, -1, -2.72, True, "review"),
    ("the pair's own postcodes were compared (and disagree): left as scored, review", "LS6", 3.0, 0, -2.72, True, "review"),
    ("still above the review threshold with the disagreement: review", "LS6", 3.9, -1, -1.0, True, "review"),
    ("setting off: review", "LS6", 3.0, -1, -2.72, False, "review"),
]


@pytest.mark.parametrize(("description", "area", "weight", "gamma", "disagree", "on", "expected"), ADDRESS_CASES, ids=[c[0] for c in ADDRESS_CASES])
def test_people_addresses_settle_review(description, area, weight, gamma, disagree, on, expected):
    model = ModelConfig(constraints={"people_addresses_settle_review": on})
    probability = 1 / (1 + 2 ** -weight)
    pairs = pa.table({
        "match_probability": [0.99, probability, 0.99], "match_weight": [15.0, weight, 15.0], "gamma_forename": [8, 8, 8],
        "gamma_nhs_number": [-1, -1, -1], "gamma_pnc_id": [-1, -1, -1], "gamma_partner": [-1, -1, -1],
        "gamma_postcode": [-1, gamma, 0], "mw_postcode": [0.0, disagree if gamma == 0 else 0.0, disagree],
    })
    left, right = np.array([0, 1, 3]), np.array([1, 2, 4])
    keys = [RecordKeys(postcode_area="SE15"), RecordKeys(), RecordKeys(postcode_area=area), RecordKeys(), RecordKeys()]
    edges = bands.select_edges(pairs, model)
    result = constrained_clusters(keys, [(0, 1), (3, 4)], [15.0, 15.0], model.constraints)
    got, reasons = bands.assign_bands(pairs, left, right, edges, result, {}, model)
    assert got[1] == expected, description
    assert reasons[1] == (bands.ADDRESSES_REASON if expected == "distinct" else bands.REVIEW_REASON)


# Each case: description, postcode gammas and their weights over the scored pairs, the weight read.
DISAGREEMENT_CASES = [
    ("the else level's weight", [3, 0, -1], [12.5, -2.72, 0.0], -2.72),
    ("no pair at the else level: unknown", [3, -1], [12.5, 0.0], None),
]


@pytest.mark.parametrize(("description", "gammas", "weights", "expected"), DISAGREEMENT_CASES, ids=[c[0] for c in DISAGREEMENT_CASES])
def test_postcode_disagreement_weight(description, gammas, weights, expected):
    pairs = pa.table({"gamma_postcode": gammas, "mw_postcode": weights})
    assert bands.postcode_disagreement_weight(pairs) == expected, description
