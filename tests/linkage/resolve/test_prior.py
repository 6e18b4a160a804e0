"""The prior (chance two random records match), counted from the deterministic rules' pairs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.resolve.session import ArrowModelData
from linkage.resolve.train import deterministic_prior
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
    from linkage.resolve.model import blocking_rule, settings

    records, model = generated_input
    data = ArrowModelData(records)
    linker = data.linker(settings(model))
    linker.training.estimate_probability_two_random_records_match(
        [blocking_rule(rule, model) for rule in model.training.deterministic_rules], recall=model.training.deterministic_recall
    )
    splink = linker._settings_obj._probability_two_random_records_match
    assert deterministic_prior(data, model) == pytest.approx(splink, rel=1e-9)
