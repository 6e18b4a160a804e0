"""Tests of the synthetic extract generator (small N; see helpers)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linkage.identifiers import nhs_number_is_valid, pnc_is_valid
from synth import ErrorRates, generate_extracts

from tests.synth.helpers import SEED, SMALL_N, load

LAYOUT = {
    "police": [
        "OccurrenceRef", "OccurrenceDate", "OffenceCategory", "DAFlag", "DASHRisk", "PersonRecordRef",
        "PersonRole", "Name", "DOB", "Sex", "PNCID", "Address", "Postcode", "Phone",
    ],
    "social_care": [
        "EpisodeID", "ReferralDate", "ClientID", "Role", "PlanType", "Category", "Factors", "Forenames",
        "Surname", "DateOfBirth", "Gender", "NHSNumber", "Address", "Postcode", "ContactNumber",
    ],
    "health": [
        "AttendanceID", "AttendanceDate", "PatientRecordID", "Service", "PresentingComplaint", "GivenName",
        "FamilyName", "BirthDate", "Sex", "NHSNumber", "Postcode", "AddressLine",
    ],
}
ID_COLUMN = {"police": "PersonRecordRef", "social_care": "ClientID", "health": "PatientRecordID"}
PEOPLE_COLUMNS = [
    "person_id", "household_id", "forename", "middle_name", "surname", "previous_surname", "sex", "dob",
    "nhs_number", "pnc_id", "address", "postcode", "old_address", "old_postcode", "aliases",
    "is_perpetrator", "is_serial_perpetrator", "is_repeat_victim", "twin_of", "junior_senior_of", "namesake_of",
    "is_child_at_incident", "is_unseen_man",
]


def _digests(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_extracts(3000, 11, a)
    generate_extracts(3000, 11, b)
    generate_extracts(3000, 12, c)
    da, db, dc = _digests(a), _digests(b), _digests(c)
    assert da == db
    assert len(da) == 11  # three extracts, truth/: records, people, da_edges, shared_addresses, dangerous_places, children_at_incidents, unseen_men, manifest
    for name in ("police.csv", "social_care.csv", "health.parquet", "truth/people.csv"):
        assert da[name] != dc[name], name


@pytest.mark.parametrize("source", list(LAYOUT), ids=lambda s: f"{s} columns exactly as agreed")
def test_column_layout(generated, source: str) -> None:
    assert list(generated.extract(source).columns) == LAYOUT[source]


def test_truth_file_columns(generated) -> None:
    assert list(generated.people.columns) == PEOPLE_COLUMNS
    assert list(generated.records.columns) == ["source", "record_id", "person_id"]
    assert list(generated.edges.columns) == ["perpetrator_id", "victim_id", "incidents", "first_date", "last_date"]
    manifest = json.loads((generated.out / "truth" / "manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["people"] == SMALL_N
    assert manifest["records"] == generated.summary.records


def test_health_columns_are_strings(generated) -> None:
    import pyarrow.parquet as pq

    schema = pq.read_schema(generated.out / "health.parquet")
    assert all(str(t) == "string" for t in schema.types)


def test_every_record_in_truth_exactly_once(generated) -> None:
    rec = generated.records
    assert not rec.duplicated(["source", "record_id"]).any()
    for source, col in ID_COLUMN.items():
        ids = generated.extract(source)[col]
        assert ids.is_unique
        assert set(ids) == set(rec.loc[rec["source"] == source, "record_id"])
        assert generated.summary.records[source] == len(ids)
    assert set(rec["person_id"]) <= set(generated.people["person_id"])


def test_volume_about_087_records_per_person(generated) -> None:
    per_person = sum(generated.summary.records.values()) / SMALL_N
    assert 0.75 < per_person < 1.0
    counts = generated.records["person_id"].value_counts()
    assert (SMALL_N - len(counts)) / SMALL_N > 0.5, "most people have no records"
    assert counts.max() >= 8, "some people have many records"


def test_identifiers_in_truth_are_valid_and_unique(generated) -> None:
    p = generated.people
    assert p["nhs_number"].is_unique
    assert all(nhs_number_is_valid(x) for x in p["nhs_number"])
    pnc = p["pnc_id"].dropna()
    assert len(pnc) > 0 and pnc.is_unique
    assert all(pnc_is_valid(x) for x in pnc)


def test_pnc_ids_cover_about_70_percent_of_suspects(generated) -> None:
    pol = generated.police.merge(generated.records, left_on="PersonRecordRef", right_on="record_id")
    suspects = set(pol.loc[pol["PersonRole"] == "SUSPECT", "person_id"])
    with_pnc = set(generated.people.loc[generated.people["pnc_id"].notna(), "person_id"])
    assert with_pnc <= suspects
    assert 0.6 < len(with_pnc) / len(suspects) < 0.8


@pytest.mark.parametrize(
    ("column", "description"),
    [("twin_of", "twins"), ("junior_senior_of", "father and son of the same name"), ("namesake_of", "namesakes")],
)
def test_hard_negatives_present_with_records_in_two_sources(generated, column: str, description: str) -> None:
    p = generated.people.set_index("person_id")
    members = p[p[column].notna()]
    assert len(members) >= 2 * 30, description
    # Pointers are symmetric.
    assert (p.loc[members[column], column].to_numpy() == members.index.to_numpy()).all()
    sources = generated.records.groupby("person_id")["source"].nunique()
    assert (sources.reindex(members.index).fillna(0) >= 2).all(), description
    other = p.loc[members[column]]
    if column == "twin_of":
        assert (members["dob"].to_numpy() == other["dob"].to_numpy()).all()
        assert (members["surname"].to_numpy() == other["surname"].to_numpy()).all()
        assert (members["address"].to_numpy() == other["address"].to_numpy()).all()
        assert (members["forename"].to_numpy() != other["forename"].to_numpy()).all()
    elif column == "junior_senior_of":
        assert (members[["forename", "surname", "address"]].to_numpy() == other[["forename", "surname", "address"]].to_numpy()).all()
        gap = (pd.to_datetime(members["dob"]).to_numpy() - pd.to_datetime(other["dob"]).to_numpy()) / np.timedelta64(1, "D") / 365.25
        assert ((np.abs(gap) >= 20) & (np.abs(gap) <= 40)).all()
    else:
        assert (members[["forename", "surname", "dob"]].to_numpy() == other[["forename", "surname", "dob"]].to_numpy()).all()
        assert (members["address"].str.split(", ").str[-1].to_numpy() != other["address"].str.split(", ").str[-1].to_numpy()).all()


def _da_pairs(g) -> pd.DataFrame:
    pol = g.police.merge(g.records, left_on="PersonRecordRef", right_on="record_id")
    da = pol[pol["DAFlag"] == "Y"]
    s = da[da["PersonRole"] == "SUSPECT"][["OccurrenceRef", "person_id", "OccurrenceDate"]]
    v = da[da["PersonRole"] == "VICTIM"][["OccurrenceRef", "person_id"]]
    pairs = s.merge(v, on="OccurrenceRef", suffixes=("_perp", "_victim"))
    pairs["day"] = pd.to_datetime(pairs["OccurrenceDate"], format="%d/%m/%Y")
    return pairs


def test_da_edges_match_police_records(generated) -> None:
    pairs = _da_pairs(generated)
    got = pairs.groupby(["person_id_perp", "person_id_victim"]).size().rename("n").reset_index()
    e = generated.edges.merge(got, left_on=["perpetrator_id", "victim_id"], right_on=["person_id_perp", "person_id_victim"], how="outer")
    assert len(e) == len(generated.edges) == len(got)
    assert (e["incidents"].astype(int) == e["n"]).all()


def test_serial_perpetrators_and_repeat_victims_consistent(generated) -> None:
    pairs = _da_pairs(generated)
    as_of = pd.Timestamp(date(2026, 11, 1))
    recent = pairs[pairs["day"] >= as_of - pd.DateOffset(years=3)]
    serial = set(recent.groupby("person_id_perp")["person_id_victim"].nunique().loc[lambda s: s >= 2].index)
    p = generated.people
    assert serial == set(p.loc[p["is_serial_perpetrator"] == "true", "person_id"])
    assert len(serial) >= 10
    repeat = set()
    for victim, days in pairs.groupby("person_id_victim")["day"]:
        d = np.sort(days.to_numpy())
        if len(d) >= 3 and ((d[2:] - d[:-2]) <= np.timedelta64(365, "D")).any():
            repeat.add(victim)
    assert repeat == set(p.loc[p["is_repeat_victim"] == "true", "person_id"])
    assert len(repeat) >= 10
    perps = set(p.loc[p["is_perpetrator"] == "true", "person_id"])
    assert perps == set(pairs["person_id_perp"])


def test_da_people_have_records_across_agencies(generated) -> None:
    p = generated.people
    da = p.loc[(p["is_perpetrator"] == "true") | p["person_id"].isin(generated.edges["victim_id"]), "person_id"]
    sources = generated.records.groupby("person_id")["source"].nunique()
    assert (sources.reindex(da).fillna(0) >= 2).mean() > 0.95


def test_some_serial_perpetrators_use_aliases_on_police_records(generated) -> None:
    p = generated.people
    aliased = p[(p["is_serial_perpetrator"] == "true") & p["aliases"].notna()]
    assert len(aliased) > 0


@pytest.mark.parametrize(
    ("source", "column", "low", "high", "description"),
    [
        ("social_care", "NHSNumber", 0.5, 0.7, "social care NHS number present ~60%"),
        ("health", "NHSNumber", 0.92, 0.98, "health NHS number present ~95%"),
        ("police", "DOB", 0.9, 0.97, "police DOB missing ~6%"),
        ("health", "BirthDate", 0.99, 1.0, "health DOB almost always present"),
    ],
)
def test_field_presence_rates(generated, source, column, low, high, description) -> None:
    assert low <= generated.extract(source)[column].notna().mean() <= high, description


def test_police_default_dobs_and_da_fields(generated) -> None:
    pol = generated.police
    dob = pol["DOB"].dropna()
    assert 0.015 < dob.str.startswith("01/01/").mean() < 0.08
    da = pol["DAFlag"] == "Y"
    assert (pol.loc[da, "OffenceCategory"].str.startswith("Domestic Abuse")).all()
    assert (pol.loc[~da, "OffenceCategory"].str.startswith("Domestic Abuse")).sum() == 0
    assert pol.loc[da, "DASHRisk"].notna().all() and pol.loc[~da, "DASHRisk"].isna().all()
    assert pol.groupby("OccurrenceRef")["DASHRisk"].nunique(dropna=False).max() == 1
    mix = pol.loc[da].drop_duplicates("OccurrenceRef")["DASHRisk"].value_counts(normalize=True)
    assert 0.45 < mix["STANDARD"] < 0.65 and 0.08 < mix["HIGH"] < 0.22


def test_wrong_nhs_digits_are_rare_but_present(generated) -> None:
    h = generated.health.merge(generated.records, left_on="PatientRecordID", right_on="record_id")
    h = h[h["NHSNumber"].notna()].merge(generated.people[["person_id", "nhs_number"]], on="person_id")
    wrong = (h["NHSNumber"] != h["nhs_number"]).mean()
    assert 0.001 < wrong < 0.02


def test_pair_disagreement_near_published_figures(disagreement) -> None:
    assert 0.12 <= disagreement["surname"] <= 0.25
    assert 0.08 <= disagreement["forename"] <= 0.17


def test_no_error_rates_render_truth(tmp_path: Path) -> None:
    s = generate_extracts(3000, 5, tmp_path, rates=ErrorRates.none())
    g = load(tmp_path, s)
    h = g.health.merge(g.records, left_on="PatientRecordID", right_on="record_id").merge(g.people, on="person_id")
    not_baby = h["GivenName"] != "BABY"
    assert (h.loc[not_baby, "NHSNumber"] == h.loc[not_baby, "nhs_number"]).all()
    assert (pd.to_datetime(h["BirthDate"], format="%Y%m%d") == pd.to_datetime(h["dob"])).all()
    given = h["forename"] + h["middle_name"].fillna("").radd(" ").where(h["middle_name"].notna(), "")
    assert (h.loc[not_baby, "GivenName"] == given[not_baby]).all()


def test_formats(generated) -> None:
    pol, sc, h = generated.police, generated.social_care, generated.health
    assert pol["OccurrenceRef"].str.fullmatch(r"OCC-20\d\d-\d{6}").all()
    assert pol["OccurrenceDate"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert pol["Name"].dropna().str.fullmatch(r"[A-Z'\- ]+(, .+)?").mean() > 0.97
    assert set(pol["Sex"]) <= {"M", "F", "U"} and set(pol["PersonRole"]) == {"VICTIM", "SUSPECT", "WITNESS", "INVOLVED"}
    assert sc["EpisodeID"].str.fullmatch(r"EP\d{8}").all() and sc["ReferralDate"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert sc["NHSNumber"].dropna().str.fullmatch(r"\d{10}|\d{3} \d{3} \d{4}").all()
    assert sc["NHSNumber"].dropna().str.contains(" ").any()
    assert set(sc["Gender"]) <= {"Male", "Female", "Unknown"}
    assert sc.groupby("EpisodeID")["PlanType"].nunique().max() == 1
    assert h["AttendanceDate"].str.fullmatch(r"\d\d-[A-Z][a-z]{2}-\d{4}").all()
    assert h["BirthDate"].dropna().str.fullmatch(r"\d{8}").all()
    assert set(h["Sex"]) <= {"1", "2", "9"}
    assert (h["GivenName"] == "BABY").any() and (h["Postcode"] == "ZZ99 3VZ").any()
    assert h.loc[h["PresentingComplaint"].str.contains("domestic|partner", case=False), "Service"].isin(["ED", "Maternity"]).all()
    postcodes = pol["Postcode"].dropna()
    assert postcodes.str.contains(" ").any() and (~postcodes.str.contains(" ")).any() and postcodes.str.islower().any()
    assert pol["Phone"].dropna().str.startswith("+44").any()


@pytest.mark.slow
def test_scales_to_200k(tmp_path: Path) -> None:
    s = generate_extracts(200_000, 1, tmp_path)
    assert s.seconds < 30
    assert 0.8 < sum(s.records.values()) / 200_000 < 0.95
