"""Shared addresses end to end: a run with the generator's refuge listed, households and who sees the address."""

from __future__ import annotations

import io
import shutil
import zipfile

import pandas as pd
import pytest

from graph import FlagRules
from linkage.accountability.access import UserRole, can_do
from linkage.batch import run_all
from linkage.explore import (
    WITHHELD,
    family_members,
    network_export,
    person_network,
    person_records,
    person_summary,
    provenance,
    search_people,
    withhold_in_network,
    withhold_refuge_addresses,
    withhold_refuge_postcodes,
)
from linkage.store import open_results


@pytest.fixture(scope="module")
def refuge_run(linked, tmp_path_factory):
    """The session's extracts run again with the generator's refuge on the list (hostels left to detection)."""
    run, _ = linked
    root = tmp_path_factory.mktemp("refuge")
    shutil.copytree(run.store.parent / "models", root / "models")
    places = pd.read_csv(run.extracts_dir / "truth" / "shared_addresses.csv", dtype=str)
    refuges = places[places["kind"] == "refuge"]
    known = tuple({"kind": "refuge", "postcode": r.postcode, "address": r.address} for r in refuges.itertuples())
    rules = FlagRules(shared_addresses={"known": known})
    listed = run.model_copy(update={"store": root / "mash.duckdb", "flags": rules})
    run_all(listed)
    return listed, places


@pytest.fixture()
def con(refuge_run):
    run, _ = refuge_run
    with open_results(run.store) as connection:
        yield connection.cursor()


def truth_people(run) -> pd.DataFrame:
    return pd.read_csv(run.extracts_dir / "truth" / "people.csv", dtype=str)


def residents(con, places: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Resolved people with a record at a place of ``kind``, with the true person of each record."""
    place = places[places["kind"] == kind]
    return con.sql(
        "SELECT DISTINCT c.person_id, r.unique_id, r.postcode, r.address FROM records AS r JOIN clusters AS c USING (unique_id) "
        "JOIN shared_addresses AS s ON s.address_key = 'address:' || coalesce(r.postcode, '') || '|' || r.address "
        "WHERE r.postcode IN (SELECT unnest($postcodes)) ORDER BY c.person_id",
        params={"postcodes": place["postcode"].tolist()},
    ).df()


def test_the_listed_refuge_and_the_hostels_are_shared(refuge_run, con) -> None:
    _, places = refuge_run
    shared = con.sql("SELECT kind, listed, masked, count(*) FROM shared_addresses GROUP BY ALL ORDER BY kind").fetchall()
    kinds = {kind: (listed, masked) for kind, listed, masked, _ in shared}
    assert kinds["refuge"] == (True, True)
    assert kinds["many_unrelated"] == (False, False)
    assert len(residents(con, places, "refuge")) > 0 and len(residents(con, places, "hostel")) >= 6


@pytest.mark.parametrize("kind", ["refuge", "hostel"], ids=["refuge residents are no household", "hostel residents are no household"])
def test_residents_are_not_one_household(refuge_run, con, kind) -> None:
    """No resident's network or family chronology takes in another resident they are not truly related to."""
    run, places = refuge_run
    people = residents(con, places, kind)
    ids = sorted(set(people["person_id"]))
    assert len(ids) >= 2, kind
    for person in ids:
        network = person_network(con, person, depth=1)
        households = network.edges[network.edges["relationship"] == "household"]
        linked = set(households["source"]) | set(households["target"])
        assert not (linked - {person}) & (set(ids) - {person}), f"{kind}: {person} in a household with another resident"
        family = family_members(con, person)
        assert "household" not in " ".join(r for p, r in family.items() if p in ids), kind


ROLES = [
    (UserRole.MASH_ANALYST, False, "a MASH analyst sees the refuge address withheld"),
    (UserRole.INTELLIGENCE_ANALYST, False, "an intelligence analyst sees the refuge address withheld"),
    (UserRole.LINKAGE_ADMIN, True, "a linkage admin, who links records, sees it"),
]


@pytest.mark.parametrize(("role", "sees", "description"), ROLES, ids=[r[2] for r in ROLES])
def test_refuge_address_is_withheld_from_roles_without_the_permission(refuge_run, con, role, sees, description) -> None:
    _, places = refuge_run
    at_refuge = residents(con, places, "refuge")
    person = at_refuge["person_id"].iloc[0]
    addresses, postcodes = set(at_refuge["address"]), set(at_refuge["postcode"])
    summary, values, records = withhold_refuge_addresses(
        con, person, can_do(role, "see_refuge_address"), person_summary(con, person), provenance(con, person), person_records(con, person)
    )
    shown = set(records["address"].dropna()) | set(records["postcode"].dropna()) | set(values["value"].dropna())
    shown |= {summary["address"], summary["postcode"]}
    assert bool(shown & (addresses | postcodes)) is sees, description
    assert (WITHHELD in shown) is not sees, description
    # Only the refuge is withheld: the person's other records keep their addresses.
    if not sees:
        others = records[~records["unique_id"].isin(at_refuge["unique_id"]) & records["address"].notna()]
        assert len(others) > 0 and (others["address"] != WITHHELD).all(), description


@pytest.mark.parametrize(("role", "sees", "description"), ROLES, ids=[r[2] for r in ROLES])
def test_search_results_withhold_a_refuge_postcode(refuge_run, con, role, sees, description) -> None:
    _, places = refuge_run
    postcode = places.loc[places["kind"] == "refuge", "postcode"].iloc[0]
    found = search_people(con, postcode=postcode)
    assert (found["postcode"] == postcode).any(), "a resident's golden postcode is the refuge's"
    shown = withhold_refuge_postcodes(con, found, can_do(role, "see_refuge_address"))
    assert bool((shown["postcode"] == postcode).any()) is sees, description
    assert (shown["postcode"] == WITHHELD).sum() == (0 if sees else (found["postcode"] == postcode).sum()), description
    assert shown["person_id"].tolist() == found["person_id"].tolist(), description


@pytest.mark.parametrize(("role", "sees", "description"), ROLES, ids=[r[2] for r in ROLES])
def test_network_export_withholds_a_refuge_address(refuge_run, con, role, sees, description) -> None:
    """The i2 / Gephi tables name each record's address: a refuge's is withheld there too."""
    _, places = refuge_run
    at_refuge = residents(con, places, "refuge")
    person = at_refuge["person_id"].iloc[0]
    network = withhold_in_network(con, person_network(con, person, depth=1), can_do(role, "see_refuge_address"))
    with zipfile.ZipFile(io.BytesIO(network_export(network))) as archive:
        text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    refuge_keys = {f"address:{p}|{a}" for p, a in zip(at_refuge["postcode"], at_refuge["address"])}
    assert any(key in text for key in refuge_keys) is sees, description
    assert (WITHHELD in text) is not sees, description


def test_a_person_never_at_a_refuge_is_shown_as_recorded(con) -> None:
    person = con.sql(
        "SELECT c.person_id FROM clusters AS c JOIN records AS r USING (unique_id) WHERE r.address IS NOT NULL "
        "AND c.person_id NOT IN (SELECT c2.person_id FROM clusters AS c2 JOIN records AS r2 USING (unique_id) "
        "JOIN shared_addresses AS s ON s.address_key = 'address:' || coalesce(r2.postcode, '') || '|' || r2.address) "
        "ORDER BY 1 LIMIT 1"
    ).fetchall()[0][0]
    records = person_records(con, person)
    _, _, shown = withhold_refuge_addresses(con, person, False, records=records)
    assert shown is records
