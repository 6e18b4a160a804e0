"""Fixtures shared by the resolution tests."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from linkage.pipeline.functions import soundex_code
from linkage.resolve.model_inputs import DERIVED_COLUMNS

#: The model input's columns and types (as ``session.model_input`` gives them) for hand-made records.
MODEL_INPUT_SCHEMA = pa.schema([
    ("unique_id", pa.string()), ("source", pa.string()), ("forename", pa.string()), ("middle_names", pa.string()),
    ("forename_canonical", pa.string()), ("forename_groups", pa.list_(pa.string())), ("forename_near", pa.list_(pa.string())),
    ("forename_soundex", pa.string()),
    ("surname", pa.string()), ("surname_groups", pa.list_(pa.string())), ("surname_parts", pa.list_(pa.string())),
    ("surname_soundex", pa.string()),
    ("dob", pa.date32()), ("sex", pa.string()), ("nhs_number", pa.string()), ("pnc_id", pa.string()),
    ("postcode", pa.string()), ("postcode_outward", pa.string()), ("birth_year", pa.int64()), ("birth_month_day", pa.int64()),
    ("agency", pa.string()),
    # The other derived columns (DA incident partner keys, event day) are null unless given.
    *[(column, pa.string()) for column in DERIVED_COLUMNS if column not in ("birth_year", "birth_month_day", "agency")],
])


def model_record(
    uid: str,
    forename: str | None,
    surname: str | None,
    *,
    dob: date | None = date(1977, 5, 7),
    postcode: str | None = "PB1 2PN",
    sex: str = "female",
    **extra: str | None,
) -> dict:
    """One hand-made police record of the model input: the names' derived columns from the names,
    birth year from the DOB, and any other column (an identifier, a partner key) from ``extra``."""
    row = {column: None for column in MODEL_INPUT_SCHEMA.names}
    row.update(
        unique_id=uid, source="police", agency="police", forename=forename, forename_canonical=forename,
        forename_groups=None if forename is None else [forename], forename_near=[], forename_soundex=soundex_code(forename),
        surname=surname, surname_groups=None if surname is None else [], surname_parts=None if surname is None else [surname], surname_soundex=soundex_code(surname),
        dob=dob, birth_year=dob.year if dob else None, birth_month_day=dob.month * 100 + dob.day if dob else None, sex=sex,
        postcode=postcode, postcode_outward=postcode and postcode.split()[0],
        forename_cohort=None if forename is None else f"{forename}|{dob.year - dob.year % 5 if dob else ''}",
    )
    unknown = set(extra) - set(row)
    if unknown:
        raise KeyError(f"not model-input columns: {sorted(unknown)}")
    row.update(extra)
    return row


@pytest.fixture(scope="session")
def generated_extracts(tmp_path_factory):
    """Extracts of 5,000 generated people, with their truth (``truth/records.csv``)."""
    from synth import generate_extracts

    root = tmp_path_factory.mktemp("trained")
    generate_extracts(people=5000, seed=3, out_dir=root / "extracts")
    return root


@pytest.fixture(scope="session")
def generated_input(generated_extracts):
    """The model input of 5,000 generated people, and the run's model config."""
    from pathlib import Path

    import duckdb

    from linkage.config import load_run_config
    from linkage.ingest import ingest
    from linkage.resolve.linker import model_input

    root = generated_extracts
    repo = Path(__file__).resolve().parents[3]
    run = load_run_config(repo / "configs" / "run.yaml", store=root / "mash.duckdb", extracts_dir=root / "extracts")
    with duckdb.connect(str(ingest(run).store), read_only=True) as con:
        return model_input(con, "records"), run.model
