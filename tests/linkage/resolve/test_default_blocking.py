"""Which record pairs the default blocking rules make candidates (a pair no rule forms is never scored)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from linkage.config import ModelConfig
from linkage.resolve.blocking import count_rules
from tests.linkage.resolve.conftest import MODEL_INPUT_SCHEMA, model_record

CASES = [
    # (description, left record, right record, a candidate?)
    ("the same names and DOB", ("KARL", "MEYER", date(1963, 5, 7)), ("KARL", "MEYER", date(1963, 5, 7)), True),
    ("the birth year keyed wrong (1963 as 1968), no postcode to block on",
     ("KARL", "MEYER", date(1963, 5, 7)), ("KARL", "MEYER", date(1968, 5, 7)), True),
    ("the birth year keyed wrong and the surname misspelt, sounding alike",
     ("KARL", "MEYER", date(1963, 5, 7)), ("KARL", "MAYER", date(1936, 5, 7)), True),
    ("the birth year keyed wrong and the month too: nothing left to block on",
     ("KARL", "MEYER", date(1963, 5, 7)), ("KARL", "MEYER", date(1968, 6, 7)), False),
    ("the same month and day of birth but another surname", ("KARL", "MEYER", date(1963, 5, 7)), ("KARL", "BRAUN", date(1968, 5, 7)), False),
]


@pytest.mark.parametrize(("description", "left", "right", "candidate"), CASES, ids=[c[0] for c in CASES])
def test_default_rules_form_the_pair(description, left, right, candidate):
    rows = [model_record(uid, forename, surname, dob=dob, postcode=None) for uid, (forename, surname, dob) in (("a", left), ("b", right))]
    counts = count_rules(pa.Table.from_pylist(rows, schema=MODEL_INPUT_SCHEMA), ModelConfig(), 1.0)
    assert (counts[-1].cumulative == 1) == candidate, description


SWAP_CASES = [
    # (description, left (forename, surname, dob, postcode), right, a candidate?)
    ("names swapped, the same birth year, no postcode",
     ("SARAH", "RICHARDS", date(1977, 5, 7), None), ("RICHARDS", "SARAH", date(1977, 1, 1), None), True),
    ("names swapped, no DOB on one record, the same postcode",
     ("SARAH", "RICHARDS", date(1977, 5, 7), "PB1 2PN"), ("RICHARDS", "SARAH", None, "PB1 2PN"), True),
    ("names swapped, no DOB on one record, another postcode in the district",
     ("SARAH", "RICHARDS", date(1977, 5, 7), "PB1 2PN"), ("RICHARDS", "SARAH", None, "PB1 7QT"), False),
    ("names swapped, no DOB and no postcode: nothing to block on",
     ("SARAH", "RICHARDS", date(1977, 5, 7), "PB1 2PN"), ("RICHARDS", "SARAH", None, None), False),
]


@pytest.mark.parametrize(("description", "left", "right", "candidate"), SWAP_CASES, ids=[c[0] for c in SWAP_CASES])
def test_swapped_names_are_candidates(description, left, right, candidate):
    rows = [
        model_record(uid, forename, surname, dob=dob, postcode=postcode)
        for uid, (forename, surname, dob, postcode) in (("a", left), ("b", right))
    ]
    counts = count_rules(pa.Table.from_pylist(rows, schema=MODEL_INPUT_SCHEMA), ModelConfig(), 1.0)
    assert (counts[-1].cumulative == 1) == candidate, description


def test_the_month_and_day_of_birth_column(generated_input):
    """The model input's birth_month_day is MMDD of the DOB (7 May: 507), null without a DOB."""
    records, _ = generated_input
    for dob, month_day in zip(records["dob"].to_pylist(), records["birth_month_day"].to_pylist(), strict=True):
        assert month_day == (None if dob is None else dob.month * 100 + dob.day)
