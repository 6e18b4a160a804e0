"""The prior (chance two random records match), counted from the deterministic rules' pairs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.resolve.linker import ArrowModelData
from linkage.resolve.prior import deterministic_prior
from tests.linkage.resolve.conftest import MODEL_INPUT_SCHEMA, model_record

RULES = ModelConfig().model_copy(
    update={"training": ModelConfig().training.model_copy(update={"deterministic_rules": (("nhs_number",), ("forename", "surname", "dob")), "deterministic_recall": 1.0})}
)


def _data(rows, weights=None) -> ArrowModelData:
    table = pa.Table.from_pylist(
        [model_record(f"r{i}", forename, surname, nhs_number=nhs, source=source) for i, (forename, surname, nhs, source) in enumerate(rows)],
        schema=MODEL_INPUT_SCHEMA,
    )
    return ArrowModelData(table, None if weights is None else np.array(weights))


CASES = [
    # (description, records (forename, surname, NHS number, source), records each row stands for, link_only,
    #  pairs found, pairs possible)
    ("one pair agrees on name and DOB, of 6 pairs",
     [("ANN", "LEE", None, "a"), ("ANN", "LEE", None, "a"), ("BOB", "RAY", None, "a"), ("CY", "OX", None, "a")], None, False, 1, 6),
    ("a pair found by both rules counts once",
     [("ANN", "LEE", "9434765919", "a"), ("ANN", "LEE", "9434765919", "a"), ("BOB", "RAY", "4010232137", "a")], None, False, 1, 3),
    ("a pair found by either rule counts",
     [("ANN", "LEE", "9434765919", "a"), ("ANNE", "LEE", "9434765919", "a"), ("BOB", "RAY", None, "a"), ("BOB", "RAY", None, "a")],
     None, False, 2, 6),
    ("a profile of three identical records holds three pairs, and three more with a fourth record; 21 pairs of 7 records",
     [("ANN", "LEE", None, "a"), ("ANN", "LEE", None, "a"), ("BOB", "RAY", None, "a"), ("CY", "OX", None, "a"), ("DI", "UP", None, "a")],
     [3, 1, 1, 1, 1], False, 3 + 3, 21),
    ("link_only: a pair within one source is neither found nor possible",
     [("ANN", "LEE", None, "a"), ("ANN", "LEE", None, "a"), ("ANN", "LEE", None, "b"), ("BOB", "RAY", None, "b")], None, True, 2, 4),
]


@pytest.mark.parametrize(("description", "rows", "weights", "link_only", "found", "possible"), CASES, ids=[c[0] for c in CASES])
def test_prior_is_pairs_found_over_recall_over_pairs_possible(description, rows, weights, link_only, found, possible):
    model = RULES.model_copy(update={"link_type": "link_only" if link_only else "dedupe"})
    assert deterministic_prior(_data(rows, weights), model) == pytest.approx(found / possible), description


def test_no_pair_found_is_a_clear_error_naming_the_setting():
    with pytest.raises(MashError, match="training.deterministic_rules"):
        deterministic_prior(_data([("ANN", "LEE", None, "a"), ("BOB", "RAY", None, "a")]), RULES)


def test_the_count_equals_splinks_own_estimate(generated_input):
    from linkage.resolve.model import settings
    from linkage.resolve.model_inputs import blocking_rule

    records, model = generated_input
    data = ArrowModelData(records)
    linker = data.linker(settings(model))
    linker.training.estimate_probability_two_random_records_match(
        [blocking_rule(rule, model) for rule in model.training.deterministic_rules], recall=model.training.deterministic_recall
    )
    splink = linker._settings_obj._probability_two_random_records_match
    assert deterministic_prior(data, model) == pytest.approx(splink, rel=1e-9)


def _trained(**exact_m: float | None) -> dict:
    """A trained settings dict whose comparisons' exact levels have these m (None: never seen, m = u fixed)."""
    comparisons = []
    for column, m in exact_m.items():
        first = {"m_probability": 0.3, "u_probability": 0.3, "fix_m_probability": True} if m is None else {"m_probability": m, "u_probability": 0.01}
        comparisons.append({"output_column_name": column, "comparison_levels": [{"is_null_level": True}, first, {"m_probability": 0.1}]})
    return {"comparisons": comparisons}


RECALL_CASES = [
    # (description, records (forename, surname, NHS number, source), rules, exact m by comparison, expected recall)
    ("one rule, every column filled: the product of the exact levels' m",
     [("ANN", "LEE", None, "a"), ("BOB", "RAY", None, "a")], [("forename", "surname")], {"forename": 0.5, "surname": 0.4}, 0.2),
    ("a column filled on half the records: a match has it on both sides a quarter of the time",
     [("ANN", "LEE", "9434765919", "a"), ("BOB", "RAY", None, "a")], [("nhs_number",)], {"nhs_number": 1.0}, 0.25),
    ("two rules: independent chances, 1 - (1 - 0.25)(1 - 0.2)",
     [("ANN", "LEE", "9434765919", "a"), ("BOB", "RAY", None, "a")], [("nhs_number",), ("forename", "surname")],
     {"nhs_number": 1.0, "forename": 0.5, "surname": 0.4}, 0.4),
    ("a comparison EM never saw finds nothing",
     [("ANN", "LEE", "9434765919", "a"), ("BOB", "RAY", None, "a")], [("nhs_number",), ("forename", "surname")],
     {"nhs_number": None, "forename": 0.5, "surname": 0.4}, 0.2),
]


@pytest.mark.parametrize(("description", "rows", "rules", "exact_m", "expected"), RECALL_CASES, ids=[c[0] for c in RECALL_CASES])
def test_recall_estimated_from_the_trained_model(description, rows, rules, exact_m, expected):
    from linkage.resolve.prior import estimated_recall

    assert estimated_recall(_data(rows), _trained(**exact_m), rules) == pytest.approx(expected), description


def test_estimating_recall_needs_compared_columns():
    from linkage.resolve.prior import estimated_recall

    with pytest.raises(MashError, match=r"'estimate' needs every column .* 'birth_year' is not"):
        estimated_recall(_data([("ANN", "LEE", None, "a")]), _trained(forename=0.5), [("forename", "birth_year")])


@pytest.mark.parametrize(("value", "ok"), [("estimate", True), (0.6, True), (1, True), (0, False), (1.5, False), ("guess", False)])
def test_deterministic_recall_is_a_share_or_estimate(value, ok):
    from pydantic import ValidationError

    from linkage.config.model import Training

    if ok:
        assert Training(deterministic_recall=value).deterministic_recall == value
    else:
        with pytest.raises(ValidationError, match="deterministic_recall"):
            Training(deterministic_recall=value)


@pytest.mark.parametrize(
    ("description", "given", "estimate", "used"),
    [("0.6 against an estimate of 0.2: the share given", 0.6, 0.2, 0.6),
     ("0.6 against an estimate of 0.004: the estimate, warned", 0.6, 0.004, 0.004),
     ("0.001 against an estimate of 0.2: the estimate, warned", 0.001, 0.2, 0.2)],
)
def test_a_recall_far_from_the_estimate_gives_way_to_it(description, given, estimate, used, caplog):
    import logging

    from linkage.resolve.prior import checked_recall

    rows = [("ANN", "LEE", None, "a"), ("BOB", "RAY", None, "a")]
    with caplog.at_level(logging.WARNING):
        got = checked_recall(_data(rows), _trained(forename=estimate, surname=1.0), [("forename", "surname")], given, 5.0)
    assert got == pytest.approx(used), description
    assert any("recall_check_factor" in r.getMessage() for r in caplog.records) == (used != given), description
