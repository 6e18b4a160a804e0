"""Hard pairs from hard_pairs.yaml, each scored by a model trained on generated data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from linkage.pipeline.functions import soundex_code
from linkage.resolve.bands import IDENTIFIER_EXACT
from linkage.resolve.model import DERIVED_COLUMNS

CASES = yaml.safe_load((Path(__file__).parent / "hard_pairs.yaml").read_text(encoding="utf-8"))


def _record(uid: str, fields: dict) -> dict:
    """A model-input record: the given fields over a police record with no identifiers."""
    forename, surname, postcode = fields.get("forename"), fields.get("surname"), fields.get("postcode")
    dob = fields.get("dob")
    dob = date.fromisoformat(str(dob)) if dob else None
    row = {
        "unique_id": uid, "source": "police", "forename": forename, "middle_names": None,
        "forename_canonical": forename, "forename_groups": None if forename is None else [forename],
        "forename_soundex": soundex_code(forename), "surname": surname,
        "surname_parts": None if surname is None else [surname], "surname_soundex": soundex_code(surname),
        "dob": dob, "sex": fields.get("sex", "female"), "nhs_number": fields.get("nhs_number"), "pnc_id": fields.get("pnc_id"),
        "postcode": postcode, "postcode_outward": postcode and postcode.split()[0],
        **{column: None for column in DERIVED_COLUMNS},
    }
    row.update(birth_year=dob.year if dob else None, agency="police")
    row.update({k: v for k, v in fields.items() if k.startswith("partner_")})
    return row


@pytest.fixture(scope="module")
def trained(generated_input):
    from linkage.resolve.train import train

    records, model = generated_input
    return records, train(records, model), model


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_hard_pair(trained, case):
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker

    records, settings, model = trained
    api = DuckDBAPI(connection=duckdb.connect(":memory:"))
    linker = Linker(api.register(records, table_name="mash_records"), settings, log_level=logging.WARNING)
    # Typed one-row tables, so a missing DOB is a NULL date rather than an untyped NULL.
    left, right = (
        api.register(pa.Table.from_pylist([_record(uid, case[side])], schema=records.schema), table_name=f"hard_{side}")
        for uid, side in (("a", "left"), ("b", "right"))
    )
    scored = linker.inference.score_pair(left, right).as_pandas_dataframe().iloc[0]
    identified = IDENTIFIER_EXACT in (scored["gamma_nhs_number"], scored["gamma_pnc_id"])
    demoted = model.constraints.forenames_must_agree and scored["gamma_forename"] == 0 and not identified
    probability = scored["match_probability"]
    if demoted or probability < model.thresholds.review:
        got = "apart"
    else:
        got = "link" if probability >= model.thresholds.link else "review"
    assert got == case["expect"], f"{case['description']}: p={probability:.3f}, demoted={demoted}"
