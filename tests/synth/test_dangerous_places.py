"""Dangerous places in the generated extracts: what truth lists, what the extracts show, and that nothing else moved."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from synth import generate as generate_module
from synth import generate_extracts
from synth.dangerous import MIN_HOUSEHOLDS, MIN_INCIDENTS
from tests.synth.helpers import SEED, Generated, load


@pytest.fixture(scope="module")
def places(generated: Generated) -> pd.DataFrame:
    return pd.read_csv(generated.out / "truth" / "dangerous_places.csv", dtype=str)


def test_truth_lists_planted_places_over_the_thresholds(generated: Generated, places: pd.DataFrame) -> None:
    assert list(places.columns) == ["address", "town", "postcode", "incidents", "households", "first_date", "last_date", "planted"]
    planted = places[places["planted"] == "true"]
    assert len(planted) >= len(generated.people) // 2000, "about one planted place per 1,000 people"
    assert (places["incidents"].astype(int) >= MIN_INCIDENTS).all()
    assert (places["households"].astype(int) >= MIN_HOUSEHOLDS).all()
    assert (places["first_date"] < places["last_date"]).all()


def test_the_police_records_show_da_from_two_households_at_each_planted_place(generated: Generated, places: pd.DataFrame) -> None:
    """Read from the extracts, as a linker would see them (recording errors and all), with the truth's people."""
    police = generated.police.merge(
        generated.records[generated.records["source"] == "police"], left_on="PersonRecordRef", right_on="record_id"
    ).merge(generated.people[["person_id", "household_id"]], on="person_id")
    da = police[(police["DAFlag"] == "Y") & police["PersonRole"].isin(["VICTIM"])]
    da = da.assign(line=da["Address"].fillna("").str.split(",").str[0].str.split().str[:2].str.join(" "),
                   postcode=da["Postcode"].fillna("").str.upper().str.replace(" ", ""))
    shown = 0
    for place in places[places["planted"] == "true"].itertuples():
        at = da[(da["line"] == " ".join(place.address.split()[:2])) & (da["postcode"] == place.postcode.replace(" ", ""))]
        shown += at["household_id"].nunique() >= MIN_HOUSEHOLDS
    # Police records drop or garble some victims' addresses, so not every place shows whole.
    assert shown >= 0.7 * (places["planted"] == "true").sum()


def test_planting_moves_only_the_planted_households_addresses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: Generated) -> None:
    """Without planting, every extract row is the same except addresses of the planted households' people."""
    people = 4000
    with_places = load(tmp_path / "with", generate_extracts(people, SEED, tmp_path / "with"))
    monkeypatch.setattr(generate_module, "plant_dangerous_places", lambda *args: pd.Series([], dtype="int64").to_numpy())
    without = load(tmp_path / "without", generate_extracts(people, SEED, tmp_path / "without"))
    before, after = without.people.set_index("person_id"), with_places.people.set_index("person_id")
    moved = set(after.index[(before["address"] != after["address"]) | (before["old_address"].fillna("") != after["old_address"].fillna(""))])
    assert moved, "some households were planted"
    columns = {"police": ("PersonRecordRef", ["Address", "Postcode"]), "social_care": ("ClientID", ["Address", "Postcode"]),
               "health": ("PatientRecordID", ["AddressLine", "Postcode"])}
    changes = 0
    for source, (rid, address) in columns.items():
        a, b = without.extract(source).fillna(""), with_places.extract(source).fillna("")
        assert list(a.columns) == list(b.columns) and len(a) == len(b), source
        rest = [c for c in a.columns if c not in address]
        assert a[rest].equals(b[rest]), f"{source}: only addresses may change"
        changed = a.index[(a[address] != b[address]).any(axis=1)]
        owners = with_places.records[with_places.records["source"] == source].set_index("record_id")["person_id"]
        owner = owners.loc[b[rid]].to_numpy()
        allowed = pd.Series(pd.Series(owner).isin(moved).to_numpy(), index=b.index)
        if source == "police":
            # A suspect recorded at the victim's address: his record gives her (planted) home.
            allowed |= b["OccurrenceRef"].isin(set(b.loc[allowed, "OccurrenceRef"])) & (b["PersonRole"] == "SUSPECT")
        assert allowed[changed].all(), f"{source}: an address changed outside the planted households"
        changes += len(changed)
    assert changes > 0, "the planted households' records show their new homes"
    assert without.records.equals(with_places.records) and without.edges.equals(with_places.edges)
