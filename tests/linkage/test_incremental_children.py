"""Incremental runs give the same Operation Encompass and unseen-men flags as full runs (issue 17).

The pattern of ``test_incremental.py``: two copies of a store run on 90% of the extracts;
one takes the complete extracts, edited, incrementally, the other in a full run; every
results table must agree, and so must the flags each run raised and cleared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from linkage.batch import run_all
from linkage.store import open_results
from tests.linkage.test_incremental import assert_same_results, flag_changes


def withdraw_da_witnesses(directory: Path) -> None:
    """The complete extracts less every witness and involved row of a DA occurrence."""
    police = pd.read_csv(directory / "police.csv", dtype=str, keep_default_na=False)
    keep = ~((police["DAFlag"] == "Y") & police["PersonRole"].isin(["WITNESS", "INVOLVED"]))
    police[keep].to_csv(directory / "police.csv", index=False)


def unseen_man_on_the_episode(directory: Path) -> None:
    """A man the first run flagged as unseen is recorded, as a parent, on his child's latest episode."""
    store = directory.parent / "a" / "mash.duckdb"
    with open_results(store) as con:
        man, ids = con.sql("SELECT person_id, person_ids FROM flags WHERE code = 'unseen_man' ORDER BY flag_id LIMIT 1").fetchall()[0]
        episode = con.sql(
            "SELECT r.record_id FROM records AS r JOIN clusters AS c USING (unique_id) WHERE c.person_id = $child "
            "AND r.source = 'social_care' ORDER BY r.event_date DESC, r.record_id DESC LIMIT 1", params={"child": ids[1]},
        ).fetchall()[0][0]
        forename, surname, dob = con.sql(
            "SELECT forename, surname, dob FROM persons WHERE person_id = $man", params={"man": man}).fetchall()[0]
    care = pd.read_csv(directory / "social_care.csv", dtype=str, keep_default_na=False)
    row = care[care["ClientID"] == episode].copy()
    row[["ClientID", "Role", "Forenames", "Surname", "DateOfBirth", "Gender", "NHSNumber", "ContactNumber"]] = [
        "SC-NEW-0001", "Parent", forename, surname, str(dob), "Male", "", ""]
    pd.concat([care, row]).to_csv(directory / "social_care.csv", index=False)
    (directory / "seen_man.json").write_text(json.dumps({"man": man}), encoding="utf-8")


SCENARIOS = [
    ("witnesses and involved children are withdrawn from DA occurrences", withdraw_da_witnesses, "child_at_da_incident"),
    ("an unseen man is recorded on his child's episode", unseen_man_on_the_episode, "unseen_man"),
]


@pytest.mark.parametrize(("description", "edit", "code"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_incremental_equals_full_for_the_childrens_flags(twins, description, edit, code):
    incremental, full = twins
    with open_results(incremental.store) as con:
        before = con.sql("SELECT count(*) FROM flags WHERE code = $code", params={"code": code}).fetchall()[0][0]
    assert before > 0, f"{description}: the first run raised {code} flags to change"
    edit(incremental.extracts_dir)
    run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)
    assert flag_changes(incremental.store) == flag_changes(full.store), description
    cleared = {person for change, flag, person in flag_changes(full.store) if change == "cleared" and flag == code}
    assert cleared, f"{description}: the edit cleared some {code} flag"
    seen = incremental.extracts_dir / "seen_man.json"
    if seen.exists():
        assert json.loads(seen.read_text(encoding="utf-8"))["man"] in cleared, description
