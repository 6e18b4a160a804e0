"""Helpers for the generator tests: load a generated set, normalise identities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from synth import GenerateSummary

SMALL_N = 20_000
SEED = 7


@dataclass
class Generated:
    summary: GenerateSummary
    out: Path
    police: pd.DataFrame
    social_care: pd.DataFrame
    health: pd.DataFrame
    records: pd.DataFrame
    people: pd.DataFrame
    edges: pd.DataFrame

    def extract(self, source: str) -> pd.DataFrame:
        return getattr(self, source)


def load(out: Path, summary: GenerateSummary) -> Generated:
    read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])  # noqa: E731
    return Generated(
        summary=summary,
        out=out,
        police=read(out / "police.csv"),
        social_care=read(out / "social_care.csv"),
        health=pd.read_parquet(out / "health.parquet"),
        records=read(out / "truth" / "records.csv"),
        people=read(out / "truth" / "people.csv"),
        edges=read(out / "truth" / "da_edges.csv"),
    )



ID_COLUMN = {"police": "PersonRecordRef", "social_care": "ClientID", "health": "PatientRecordID"}


def identity_frame(g) -> pd.DataFrame:
    """One row per record: source, person_id, normalised forename, surname, dob (ISO)."""
    p = g.police
    name = p["Name"].fillna("")
    sur = name.str.split(",", n=1).str[0]
    fore = name.str.split(",", n=1).str[1].fillna("").str.strip().str.split(" ").str[0]
    dob = pd.to_datetime(p["DOB"], format="%d/%m/%Y", errors="coerce")
    frames = [pd.DataFrame({"source": "police", "record_id": p[ID_COLUMN["police"]], "forename": fore, "surname": sur, "dob": dob})]
    s = g.social_care
    frames.append(pd.DataFrame({
        "source": "social_care", "record_id": s["ClientID"],
        "forename": s["Forenames"].fillna("").str.split(" ").str[0], "surname": s["Surname"].fillna(""),
        "dob": pd.to_datetime(s["DateOfBirth"], format="%Y-%m-%d", errors="coerce"),
    }))
    h = g.health
    frames.append(pd.DataFrame({
        "source": "health", "record_id": h["PatientRecordID"],
        "forename": h["GivenName"].fillna("").str.split(" ").str[0], "surname": h["FamilyName"].fillna(""),
        "dob": pd.to_datetime(h["BirthDate"], format="%Y%m%d", errors="coerce"),
    }))
    df = pd.concat(frames, ignore_index=True)
    df["forename"] = df["forename"].str.upper()
    df["surname"] = df["surname"].str.upper()
    return df.merge(g.records, on=["source", "record_id"])


def pair_disagreement(g, max_records_per_person: int = 30) -> dict[str, float]:
    """Share of same-person record pairs whose forename / surname / DOB differ."""
    df = identity_frame(g)
    df = df[df.groupby("person_id").cumcount() < max_records_per_person]
    pairs = df.merge(df, on="person_id")
    pairs = pairs[pairs["record_id_x"] < pairs["record_id_y"]]
    out = {}
    for col in ("forename", "surname"):
        both = (pairs[f"{col}_x"] != "") & (pairs[f"{col}_y"] != "")
        out[col] = float((pairs.loc[both, f"{col}_x"] != pairs.loc[both, f"{col}_y"]).mean())
    both = pairs["dob_x"].notna() & pairs["dob_y"].notna()
    out["dob"] = float((pairs.loc[both, "dob_x"] != pairs.loc[both, "dob_y"]).mean())
    out["pairs"] = len(pairs)
    return out
