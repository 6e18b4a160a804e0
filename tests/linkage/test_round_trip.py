"""Generated extracts -> ingest -> canonical records whose values match the ground truth."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from linkage.config import load_run_config
from linkage.ingest import ingest
from linkage.store import layout
from synth import ErrorRates, generate_extracts

REPO = Path(__file__).resolve().parents[2]
COMPARED = "source, record_id, forename, surname, dob, sex, nhs_number, pnc_id, postcode, forenames_raw"


def clean_name(name: str | float) -> str | None:
    """The canonical form the SQL steps should give a clean truth name (independent re-statement)."""
    if not isinstance(name, str) or not name.strip():
        return None
    text = re.sub(r"['\u2019]", "", name.upper())
    text = re.sub(r"[^A-Z0-9]+", " ", text).strip()
    return re.sub(r"(^| )(MC|MAC) ([A-Z])", r"\1\2\3", text)


def ingest_generated(tmp_path: Path, people: int, rates: ErrorRates | None) -> tuple[pd.DataFrame, dict]:
    extracts = tmp_path / "extracts"
    generate_extracts(people=people, seed=7, out_dir=extracts, rates=rates)
    run = load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "mash.duckdb", extracts_dir=extracts)
    report = ingest(run)
    with duckdb.connect(str(layout(run.store).ingest_check), read_only=True) as con:
        records = con.execute(f"SELECT {COMPARED} FROM records").df()
    truth_records = pd.read_csv(extracts / "truth" / "records.csv", dtype=str)
    people_df = pd.read_csv(extracts / "truth" / "people.csv", dtype=str)
    joined = records.merge(truth_records, on=["source", "record_id"], how="left", validate="one_to_one")
    joined = joined.merge(people_df, on="person_id", how="left", suffixes=("", "_truth"))
    counts = {s.source: (s.rows_read, s.records, s.quarantined) for s in report.sources}
    places = pd.read_csv(extracts / "truth" / "shared_addresses.csv", dtype=str)
    return joined, {
        "counts": counts, "truth_rows": truth_records.groupby("source").size().to_dict(),
        "shared_postcodes": set(places["postcode"]),
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[pd.DataFrame, dict]:
    return ingest_generated(tmp_path_factory.mktemp("clean"), 3000, ErrorRates.none())


@pytest.fixture(scope="module")
def noisy(tmp_path_factory) -> tuple[pd.DataFrame, dict]:
    return ingest_generated(tmp_path_factory.mktemp("noisy"), 5000, None)


def test_every_extract_row_is_read_and_accounted_for(clean, noisy):
    for joined, info in (clean, noisy):
        for source, (rows_read, records, quarantined) in info["counts"].items():
            assert rows_read == info["truth_rows"][source], source
            assert rows_read == records + quarantined, source
        assert joined["person_id"].notna().all(), "every record maps onto a true person"


def test_clean_extracts_standardise_to_the_truth(clean):
    joined, info = clean
    assert all(q == 0 for _, _, q in info["counts"].values()), "nothing to quarantine in clean extracts"
    named = joined[joined["forenames_raw"].str.upper() != "BABY"]  # newborns recorded before naming
    assert len(named) > 1000
    assert (named["forename"] == named["forename_truth"].map(clean_name)).all()
    # Records made before a change of name (marriage) carry the surname of that time.
    current = named["surname"] == named["surname_truth"].map(clean_name)
    previous = named["surname"] == named["previous_surname"].map(clean_name)
    assert (current | previous).all()
    assert previous[~current].any(), "the extracts include records made under a previous surname"
    assert (joined["dob"].astype(str) == joined["dob_truth"]).all()
    assert (joined["sex"].map({"male": "M", "female": "F"}) == joined["sex_truth"]).all()
    has_nhs = joined["nhs_number"].notna()
    assert has_nhs.sum() > 500
    assert (joined.loc[has_nhs, "nhs_number"] == joined.loc[has_nhs, "nhs_number_truth"]).all()
    assert (joined.loc[joined["source"] == "police", "nhs_number"].isna()).all(), "police hold no NHS numbers"
    has_pnc = joined["pnc_id"].notna()
    assert has_pnc.sum() > 0
    assert (joined.loc[has_pnc, "pnc_id"] == joined.loc[has_pnc, "pnc_id_truth"]).all()
    known = joined[joined["postcode"].notna()]
    at_home = (known["postcode"] == known["postcode_truth"]) | (known["postcode"] == known["old_postcode"])
    # A record made during a stay in a refuge or hostel gives the place's address.
    at_home |= known["postcode"].isin(info["shared_postcodes"])
    # Perpetrators' police records may carry the victim's address.
    assert at_home[known["source"] != "police"].all()
    assert at_home.mean() > 0.97


def test_noisy_extracts_agree_with_truth_at_realistic_rates(noisy):
    joined, _ = noisy
    named = joined[joined["forename"].notna()]
    forename_agrees = (named["forename"] == named["forename_truth"].map(clean_name)).mean()
    surname_agrees = (joined["surname"] == joined["surname_truth"].map(clean_name)).mean()
    assert 0.80 < forename_agrees < 0.99, forename_agrees
    assert 0.75 < surname_agrees < 0.99, surname_agrees
    has_nhs = joined["nhs_number"].notna()
    # Wrong digits almost always fail mod 11 and are nulled, so kept numbers are right.
    assert (joined.loc[has_nhs, "nhs_number"] == joined.loc[has_nhs, "nhs_number_truth"]).mean() > 0.995
    has_pnc = joined["pnc_id"].notna()
    assert (joined.loc[has_pnc, "pnc_id"] == joined.loc[has_pnc, "pnc_id_truth"]).all()
    dob_known = joined["dob"].notna()
    assert (joined.loc[dob_known, "dob"].astype(str) == joined.loc[dob_known, "dob_truth"]).mean() > 0.93
