"""Relational context in an incremental run: a name-only victim record joins its victim, as a full run joins it."""

from __future__ import annotations

import csv
from pathlib import Path

from linkage.batch import run_all
from linkage.resolve.context import REASON_PREFIX
from linkage.store import open_results
from tests.linkage.test_incremental import assert_same_results

NEW_SUSPECT, NEW_VICTIM = "PN-CTX-SUSPECT", "PN-CTX-VICTIM"


def _misspelt(name: str) -> str:
    """'WOODS, Richard' -> 'XOODS, Rihcard': the first letter of the surname changed (its Soundex too),
    two letters of the forename swapped; no partner key of the suspect's other incidents is left."""
    surname, forename = (part.strip() for part in name.split(",", 1))
    first = forename.split()[0]
    changed = ("X" if surname[0].upper() != "X" else "Z") + surname[1:]
    return f"{changed}, {first[:2]}{first[3]}{first[2]}{first[4:]}"


def a_name_only_victim_arrives(directory: Path) -> str:
    """Append a new DA incident between a known victim and her suspect, whose record is misspelt
    (so the model's partner keys share nothing with her other incidents), and her record with
    name and sex only. Returns the record id of her record in the original incident."""
    path = directory / "police.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    incidents: dict[str, list[dict]] = {}
    for row in rows:
        incidents.setdefault(row["OccurrenceRef"], []).append(row)
    for ref, people in sorted(incidents.items()):
        roles = [p["PersonRole"] for p in people]
        if people[0]["DAFlag"] != "Y" or sorted(roles) != ["SUSPECT", "VICTIM"]:
            continue
        suspect, victim = sorted(people, key=lambda p: p["PersonRole"])
        forename = suspect["Name"].split(",", 1)[-1].strip().split()[0] if "," in suspect["Name"] else ""
        if suspect["DOB"] and suspect["Postcode"] and victim["DOB"] and len(forename) >= 5 and "," in victim["Name"]:
            break
    else:
        raise AssertionError("no DA incident to copy")
    added = [
        {**suspect, "OccurrenceRef": "OCC-CTX-000001", "PersonRecordRef": NEW_SUSPECT, "Name": _misspelt(suspect["Name"]),
         "PNCID": "", "Phone": ""},
        {**victim, "OccurrenceRef": "OCC-CTX-000001", "PersonRecordRef": NEW_VICTIM, "DOB": "", "PNCID": "", "Address": "",
         "Postcode": "", "Phone": ""},
    ]
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=fields).writerows(added)
    return victim["PersonRecordRef"]


def _person(store: Path, record_id: str) -> str:
    with open_results(store) as con:
        return con.sql("SELECT person_id FROM clusters JOIN records USING (unique_id) WHERE record_id = $r", params={"r": record_id}).fetchall()[0][0]


def test_a_name_only_victim_record_joins_its_victim_incrementally_as_in_a_full_run(twins):
    incremental, full = twins
    earlier = a_name_only_victim_arrives(incremental.extracts_dir)
    run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)
    assert _person(full.store, NEW_SUSPECT) != _person(full.store, NEW_VICTIM)
    assert _person(full.store, NEW_VICTIM) == _person(full.store, earlier), "the name-only record joins its victim"
    with open_results(full.store) as con:
        reasons = con.sql(
            "SELECT p.band, p.reason FROM pairs AS p JOIN records AS r ON r.unique_id IN (p.unique_id_l, p.unique_id_r) "
            "WHERE r.record_id = $r", params={"r": NEW_VICTIM},
        ).fetchall()
    assert any(band == "link" and (reason or "").startswith(REASON_PREFIX) for band, reason in reasons), reasons
