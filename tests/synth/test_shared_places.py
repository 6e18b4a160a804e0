"""Refuges and hostels in the generated extracts: who is recorded there, and what truth says."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.synth.helpers import Generated

#: Each extract's columns: record id, address text and postcode.
COLUMNS = {
    "police": ("PersonRecordRef", "Address", "Postcode"),
    "social_care": ("ClientID", "Address", "Postcode"),
    "health": ("PatientRecordID", "AddressLine", "Postcode"),
}


@pytest.fixture(scope="module")
def places(generated: Generated) -> pd.DataFrame:
    return pd.read_csv(generated.out / "truth" / "shared_addresses.csv", dtype=str)


@pytest.fixture(scope="module")
def at_places(generated: Generated, places: pd.DataFrame) -> pd.DataFrame:
    """Every record giving a refuge's or hostel's address, with its true person and the place's kind."""
    frames = []
    for source, (rid, address, postcode) in COLUMNS.items():
        f = generated.extract(source)
        frames.append(pd.DataFrame({
            "source": source, "record_id": f[rid], "line": f[address].fillna("").str.split(",").str[0],
            "postcode": f[postcode].fillna("").str.upper().str.replace(" ", ""),
        }))
    records = pd.concat(frames).merge(generated.records, on=["source", "record_id"])
    keyed = places.assign(line=places["address"], postcode=places["postcode"].str.replace(" ", ""))
    abbreviated = records["line"].str.split().str[:2].str.join(" ")
    records = records.assign(start=abbreviated)
    keyed = keyed.assign(start=keyed["line"].str.split().str[:2].str.join(" "))
    return records.merge(keyed[["start", "postcode", "kind"]], on=["start", "postcode"])


def test_truth_lists_refuges_and_hostels_with_their_residents(places: pd.DataFrame) -> None:
    assert list(places.columns) == ["kind", "address", "town", "postcode", "residents"]
    assert set(places["kind"]) == {"refuge", "hostel"}
    assert (places["residents"].astype(int) > 0).all()
    assert not places.duplicated(["postcode", "address"]).any()


CASES = [
    ("refuge", "only DA victims and their children are recorded at a refuge"),
    ("hostel", "a hostel has many unrelated residents"),
]


@pytest.mark.parametrize(("kind", "description"), CASES, ids=[c[1] for c in CASES])
def test_who_is_recorded_at_each_kind_of_place(generated: Generated, at_places: pd.DataFrame, kind, description) -> None:
    people = generated.people.set_index("person_id")
    victims = set(generated.edges["victim_id"])
    there = at_places[at_places["kind"] == kind]
    assert len(there) > 0, description
    residents = people.loc[sorted(set(there["person_id"]))]
    if kind == "refuge":
        # A victim, or a child of a victim's household (the child may be seen there when the mother is not).
        households = set(people.loc[sorted(victims), "household_id"])
        children = people.index[people["household_id"].isin(households) & (people["dob"] > "2000-01-01")]
        assert set(residents.index) <= victims | set(children), description
        assert set(residents.index) & victims, description
    else:
        per_place = there.groupby(["start", "postcode"]).agg(people=("person_id", "nunique"))
        assert per_place["people"].max() >= 10, description
        # Unrelated: at most one resident per true household.
        assert residents["household_id"].is_unique, description


def test_no_suspect_record_gives_a_victims_refuge(generated: Generated, at_places: pd.DataFrame) -> None:
    """A suspect recorded at the victim's address is recorded at her home, never at her refuge.

    (A suspect record at a refuge is a resident's own, on some other occurrence.)
    """
    police = generated.police.rename(columns={"PersonRecordRef": "record_id"})
    roles = at_places.merge(police[["record_id", "PersonRole"]], on="record_id")
    suspects = set(roles.loc[(roles["kind"] == "refuge") & (roles["PersonRole"] == "SUSPECT"), "person_id"])
    assert suspects <= set(generated.edges["victim_id"]) - set(generated.edges["perpetrator_id"])
