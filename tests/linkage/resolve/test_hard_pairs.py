"""Hard pairs from hard_pairs.yaml, each scored by a model trained on generated data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from linkage.resolve.bands import IDENTIFIER_EXACT
from tests.linkage.resolve.conftest import model_record

CASES = yaml.safe_load((Path(__file__).parent / "hard_pairs.yaml").read_text(encoding="utf-8"))


def _record(uid: str, fields: dict) -> dict:
    """A model-input record from a YAML side: names, DOB, sex and postcode, plus identifiers and partner keys."""
    dob = fields.get("dob")
    extra = {k: v for k, v in fields.items() if k not in ("forename", "surname", "dob", "postcode", "sex")}
    return model_record(
        uid, fields.get("forename"), fields.get("surname"), dob=date.fromisoformat(str(dob)) if dob else None,
        postcode=fields.get("postcode"), sex=fields.get("sex", "female"), **extra,
    )


@pytest.fixture(scope="module")
def trained(generated_input):
    from linkage.resolve.train import train

    records, model = generated_input
    return records, train(records, model), model


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_hard_pair(trained, case):
    import duckdb
    from splink import DuckDBAPI

    from linkage.resolve.linker import make_linker

    records, settings, model = trained
    con = duckdb.connect(":memory:")
    # As every run builds one (the birth-years comparison's lookup from the records, not Splink's own term frequency).
    linker = make_linker(records, settings, connection=con)
    api = DuckDBAPI(connection=con)
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
