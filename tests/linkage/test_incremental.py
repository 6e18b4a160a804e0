"""An incremental run gives the same results as a full run on the same extracts."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from linkage.batch import run_all
from linkage.errors import MashError
from linkage.safeguard import DWELLING_KEY_SQL, person_keys_sql
from linkage.store import open_results, open_state, results_path


# Every results table, as comparable rows (lists as text; floats rounded past noise).
TABLES = {
    "records": "SELECT * EXCLUDE (surname_parts, forename_groups, forename_near, surname_groups), surname_parts::VARCHAR, "
    "forename_groups::VARCHAR, forename_near::VARCHAR, surname_groups::VARCHAR FROM records",
    "quarantine": "SELECT * FROM quarantine",
    "dq_notes": "SELECT * FROM dq_notes",
    "record_hashes": "SELECT * FROM record_hashes",
    "source_loads": "SELECT source, file, rows_read, records, quarantined, status FROM source_loads",
    "clusters": "SELECT unique_id, person_id, link_strength, round(best_match_probability, 9) FROM clusters",
    "pairs": "SELECT unique_id_l, unique_id_r, band, reason, round(match_weight, 9) FROM pairs",
    "profiles": "SELECT unique_id, profile_id FROM profiles",
    "blocking_keys": "SELECT * EXCLUDE (is_new) FROM blocking_keys",
    "persons": "SELECT * EXCLUDE (agencies, conflicts), agencies::VARCHAR, conflicts::VARCHAR FROM persons",
    "person_values": "SELECT * EXCLUDE (agencies, record_ids), agencies::VARCHAR, record_ids::VARCHAR FROM person_values",
    "person_ids": "SELECT * FROM person_ids",
    "person_id_events": "SELECT * FROM person_id_events",
    "flags": "SELECT flag_id, code::VARCHAR, person_id, person_ids::VARCHAR, rule, parameters, agencies::VARCHAR, "
             "cross_agency, severity, round(score, 9), evidence_records, round(weakest_link, 9) FROM flags",
    "person_keys": "SELECT * FROM person_keys",
    "shared_addresses": "SELECT * FROM shared_addresses",
    "flag_run": "SELECT * FROM flag_run",
    "flag_evidence": "SELECT flag_id, unique_id, agency, source, record_id, event_date, role, description, "
                     "round(link_probability, 9) FROM flag_evidence",
}


def contents(store) -> dict[str, set]:
    with open_results(store) as con:
        return {name: set(con.sql(sql).fetchall()) for name, sql in TABLES.items()}


def assert_same_results(incremental_store, full_store) -> None:
    got, expected = contents(incremental_store), contents(full_store)
    for name in TABLES:
        missing, extra = expected[name] - got[name], got[name] - expected[name]
        assert not missing and not extra, f"{name}: {len(missing)} rows only in the full run, {len(extra)} only in the incremental"


def change_and_withdraw(directory: Path) -> None:
    """Withdraw some rows, change others, and repeat one record id."""
    police = (directory / "police.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = police[0], police[1:]
    kept = [row for i, row in enumerate(rows) if i % 50 != 7]  # withdrawn
    kept = [row.replace(" Rd,", " Road,") if i % 40 == 3 else row for i, row in enumerate(kept)]  # changed
    kept.append(kept[10])  # a repeated record id: both rows are quarantined
    (directory / "police.csv").write_text(header + "".join(kept), encoding="utf-8")
    health = pd.read_parquet(directory / "health.parquet")
    health = health[health.index % 60 != 5].copy()
    health.loc[health.index % 45 == 2, "Postcode"] = "ZZ99 3VZ"
    health.to_parquet(directory / "health.parquet")


#: Surnames no generated person has, one per stranger.
STRANGERS = ("QUILLFEATHER", "MARROWBY", "TENTERDEN", "ASHCOMBE-VALE", "PRYDDERCH", "OLLERENSHAW")


def flagged_childs_health_record(store: Path) -> str:
    """A health record with an address among the evidence of a child-in-a-DA-household flag."""
    with open_results(store) as con:
        return con.sql(
            "SELECT e.record_id FROM flags AS f JOIN flag_evidence AS e USING (flag_id) JOIN records AS r USING (unique_id) "
            "WHERE f.code = 'child_in_da_household' AND e.source = 'health' AND r.address IS NOT NULL "
            "ORDER BY f.flag_id, e.record_id LIMIT 1"
        ).fetchall()[0][0]


def strangers_move_in(directory: Path) -> str:
    """Six unrelated adults recorded at a flagged child's home: it becomes a shared address (a new hostel).

    They give it another spelling ('... ANNEXE'), so they share no address key with the
    family: only the shared-address verdict ties the family's flags to them.
    """
    for name in ("police.csv", "social_care.csv", "health.parquet"):
        shutil.copy(directory.parent / "partial" / name, directory / name)
    record_id = flagged_childs_health_record(directory.parent / "a" / "mash.duckdb")
    health = pd.read_parquet(directory / "health.parquet")
    row = health[health["PatientRecordID"] == record_id].iloc[[0] * len(STRANGERS)].reset_index(drop=True)
    row["AttendanceID"] = [f"ATT-NEW-{i}" for i in range(len(STRANGERS))]
    row["PatientRecordID"] = [f"HL-NEW-{i}" for i in range(len(STRANGERS))]
    row["FamilyName"] = list(STRANGERS)
    row["GivenName"] = ["ALBERTO", "BRONWEN", "CASIMIR", "DELPHINE", "EZEKIEL", "FENELLA"]
    row["BirthDate"] = [f"19{60 + 3 * i}0{i + 1}1{i}" for i in range(len(STRANGERS))]
    row["NHSNumber"] = None
    row["AddressLine"] = row["AddressLine"] + " Annexe"
    pd.concat([health, row], ignore_index=True).to_parquet(directory / "health.parquet")
    return record_id


def copies_arrive_and_a_representative_moves(directory: Path) -> None:
    """Identity profiles change without their people's other records changing.

    Copies of three known health records arrive under new ids, one set sorting before the
    originals (each profile's representative changes) and one after (they join it); the
    representative of a profile of three or more health records moves house (it leaves
    its profile, whose next record represents it); one health row is withdrawn.
    """
    with open_results(directory.parent / "a" / "mash.duckdb") as con:
        (moved,) = con.sql(
            "SELECT r.record_id FROM profiles AS p JOIN records AS r USING (unique_id) WHERE r.source = 'health' "
            "AND p.unique_id = p.profile_id AND p.profile_id IN (SELECT profile_id FROM profiles GROUP BY 1 HAVING count(*) >= 3) "
            "ORDER BY 1 LIMIT 1"
        ).fetchall()[0]
    health = pd.read_parquet(directory / "health.parquet")
    health.loc[health["PatientRecordID"] == moved, "Postcode"] = "ZZ99 3VZ"
    # The first rows were in the previous run's extracts too (the last ones are held back).
    copies = [health.iloc[[0, 1, 2]].copy() for _ in range(2)]
    for copy, ids in zip(copies, (["HL0000000A", "HL0000000B", "HL0000000C"], ["HL9999999A", "HL9999999B", "HL9999999C"])):
        copy["PatientRecordID"] = ids
        copy["AttendanceID"] = [f"ATT-COPY-{i}" for i in ids]
    health = pd.concat([health.drop(index=health.index[5]), *copies], ignore_index=True)
    health.to_parquet(directory / "health.parquet")


SCENARIOS = [
    ("the held-back records arrive", None, False),
    ("records are changed and withdrawn as well", change_and_withdraw, False),
    ("copies of known records arrive and a profile's representative moves", copies_arrive_and_a_representative_moves, False),
    ("an analyst rejects a link between runs", None, True),
]


@pytest.mark.parametrize(("description", "edit", "reject"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_incremental_equals_full(twins, description, edit, reject):
    incremental, full = twins
    if edit:
        edit(incremental.extracts_dir)
    if reject:
        with open_results(incremental.store) as con:
            left, right = con.sql("SELECT unique_id_l, unique_id_r FROM pairs WHERE band = 'link' ORDER BY match_weight LIMIT 1").fetchall()[0]
        for run in (incremental, full):
            with open_state(run.store) as state:
                state.execute(
                    "INSERT INTO review_decisions (unique_id_l, unique_id_r, decision, reason, reviewer) VALUES ($l, $r, 'reject', 'test', 'a')",
                    {"l": left, "r": right},
                )
    report = run_all(incremental, incremental=True)
    full_report = run_all(full)
    assert_same_results(incremental.store, full.store)
    # Both compared with the same previous run (the held-back extracts): the same flags raised and cleared.
    assert flag_changes(incremental.store) == flag_changes(full.store), description
    raised = sum(1 for change, *_ in flag_changes(incremental.store) if change == "raised")
    assert report.counts["flags_raised"] == full_report.counts["flags_raised"] == raised > 0, description
    assert report.counts["added"] > 0 and report.counts["affected_records"] < report.counts["records"], description
    assert report.counts["implausible"] == full_report.counts["implausible"], description
    if edit:
        assert report.counts["changed"] > 0 and report.counts["withdrawn_records"] > 0


STALE_TABLES = [
    ("results from before the blocking keys were kept", "DROP TABLE blocking_keys"),
    ("blocking keys kept for other rules", "ALTER TABLE blocking_keys DROP COLUMN surname"),
    ("blocking keys missing some profiles", "DELETE FROM blocking_keys WHERE unique_id IN (SELECT unique_id FROM blocking_keys LIMIT 5)"),
    ("results from before person keys were hashed", f"CREATE OR REPLACE TABLE person_keys AS {person_keys_sql()}"),
]


@pytest.mark.parametrize(("description", "sql"), STALE_TABLES, ids=[c[0] for c in STALE_TABLES])
def test_an_incremental_run_rebuilds_the_kept_tables_it_cannot_update(twins, description, sql):
    incremental, full = twins
    with duckdb.connect(str(results_path(incremental.store))) as con:
        con.execute(sql)
    report = run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)
    assert report.counts["added"] > 0, description


PLAUSIBILITY_CASES = [
    ("the same checks: only the changed people are checked, from the last counts", None, False),
    ("a check's setting changed since the last run: everyone is checked again", 1.0, True),
]


@pytest.mark.parametrize(("description", "silence_years", "everyone"), PLAUSIBILITY_CASES, ids=[c[0] for c in PLAUSIBILITY_CASES])
def test_incremental_counts_implausible_people_as_a_full_run_does(twins, monkeypatch, description, silence_years, everyone):
    import linkage.batch

    incremental, full = twins
    change_and_withdraw(incremental.extracts_dir)
    if silence_years is not None:
        model = incremental.model.model_copy(
            update={"plausibility": incremental.model.plausibility.model_copy(update={"silence_years": silence_years})}
        )
        incremental, full = incremental.model_copy(update={"model": model}), full.model_copy(update={"model": model})
    whole_counts = []
    count_all = linkage.batch.count_implausible
    monkeypatch.setattr(linkage.batch, "count_implausible", lambda *a, **k: whole_counts.append(1) or count_all(*a, **k))
    report = run_all(incremental, incremental=True)
    assert bool(whole_counts) == everyone, description
    monkeypatch.setattr(linkage.batch, "count_implausible", count_all)
    full_report = run_all(full)
    assert report.counts["implausible"] == full_report.counts["implausible"], description
    assert sum(report.counts["implausible"].values()) > 0, "the generated people include implausible ones"


def test_an_address_becoming_shared_recomputes_the_households_there(twins):
    """Only strangers arrive, at another spelling of a flagged child's home: the family's flags follow the verdict."""
    incremental, full = twins
    family = strangers_move_in(incremental.extracts_dir)
    run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)
    assert flag_changes(incremental.store) == flag_changes(full.store)
    with open_results(incremental.store) as con:
        shared = con.sql(
            "SELECT DISTINCT s.kind, s.people >= 6 FROM shared_addresses AS s JOIN records AS r "
            "ON s.address_key = 'address:' || coalesce(r.postcode, '') || '|' || r.address "
            "WHERE r.record_id IN ('HL-NEW-0', $family)", params={"family": family},
        ).fetchall()
    assert shared == [("many_unrelated", True)]
    assert flag_changes(incremental.store), "the family's flags changed"


def test_an_address_no_longer_shared_recomputes_the_households_there(twins):
    """The strangers' records are withdrawn again: only the previous run still places anyone there, and the
    address, judged again from the areas the changed people had records in, stops being shared."""
    incremental, full = twins
    family = strangers_move_in(incremental.extracts_dir)
    run_all(incremental, incremental=True)
    run_all(full)
    for name in ("police.csv", "social_care.csv", "health.parquet"):
        shutil.copy(incremental.extracts_dir.parent / "partial" / name, incremental.extracts_dir / name)
    report = run_all(incremental, incremental=True)
    run_all(full)
    assert report.counts["withdrawn_records"] == len(STRANGERS)
    assert_same_results(incremental.store, full.store)
    assert flag_changes(incremental.store) == flag_changes(full.store)
    with open_results(incremental.store) as con:
        shared = con.sql(
            "SELECT count(*) FROM shared_addresses AS s JOIN records AS r "
            "ON s.address_key = 'address:' || coalesce(r.postcode, '') || '|' || r.address WHERE r.record_id = $family",
            params={"family": family},
        ).fetchall()[0][0]
    assert shared == 0
    assert flag_changes(incremental.store), "the family's flags changed back"


def quiet_da_dwelling(store: Path) -> tuple[str, str]:
    """The police record id and dwelling of a DA victim at a dwelling where nobody was seen for 400 days before the flags' date."""
    with open_results(store) as con:
        return con.sql(
            f"WITH seen AS (SELECT {DWELLING_KEY_SQL} AS dwelling, r.* FROM records AS r WHERE r.postcode IS NOT NULL), "
            "quiet AS (SELECT dwelling FROM seen GROUP BY dwelling HAVING max(event_date) <= "
            "  (SELECT as_of FROM flag_run) - INTERVAL 400 DAY) "
            "SELECT s.record_id, s.dwelling FROM seen AS s JOIN quiet USING (dwelling) "
            "WHERE s.source = 'police' AND s.domestic_abuse AND CAST(s.role AS VARCHAR) = 'victim' "
            "AND s.event_date >= (SELECT as_of FROM flag_run) - INTERVAL 1400 DAY ORDER BY s.record_id LIMIT 1"
        ).fetchall()[0]


def new_couple_at_a_quiet_da_address(directory: Path) -> tuple[str, str]:
    """Two DA incidents by a couple nobody knows, under another spelling of a quiet address with DA in its past.

    Only the dwelling ties them to the earlier household (their address key differs):
    the place has three incidents across two households and becomes a dangerous place.
    """
    for name in ("police.csv", "social_care.csv", "health.parquet"):
        shutil.copy(directory.parent / "partial" / name, directory / name)
    store = directory.parent / "a" / "mash.duckdb"
    record_id, dwelling = quiet_da_dwelling(store)
    as_of = flags_dated(store)
    text = (directory / "police.csv").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    column = {name: i for i, name in enumerate(header)}
    (template,) = [row for row in rows if row[column["PersonRecordRef"]] == record_id]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    people = (("SUSPECT", "QUILLFEATHER, Casimir", "03/04/1979", "M"), ("VICTIM", "MARROWBY, Delphine", "14/09/1983", "F"))
    for k, days_before in enumerate((10, 5)):
        for j, (role, name, dob, sex) in enumerate(people):
            row = list(template)
            row[column["OccurrenceRef"]], row[column["PersonRecordRef"]] = f"OCC-PLACE-{k}", f"PN-PLACE-{k}{j}"
            row[column["OccurrenceDate"]] = (as_of - timedelta(days=days_before)).strftime("%d/%m/%Y")
            row[column["PersonRole"]], row[column["Name"]], row[column["DOB"]], row[column["Sex"]] = role, name, dob, sex
            row[column["PNCID"]], row[column["Phone"]] = "", ""
            row[column["Address"]] = row[column["Address"]].replace(",", " Annexe,", 1)
            row[column["OffenceCategory"]], row[column["DAFlag"]] = "Domestic Abuse - Assault", "Y"
            writer.writerow(row)
    (directory / "police.csv").write_text(text + out.getvalue(), encoding="utf-8")
    return record_id, dwelling


def test_a_new_household_at_another_spelling_of_a_da_address_makes_a_dangerous_place(twins):
    """The new couple share no address key with the earlier household; the dwelling key brings it into the incremental graph."""
    incremental, full = twins
    record_id, dwelling = new_couple_at_a_quiet_da_address(incremental.extracts_dir)
    run_all(incremental, incremental=True)
    run_all(full)
    assert_same_results(incremental.store, full.store)
    assert flag_changes(incremental.store) == flag_changes(full.store)
    with open_results(full.store) as con:
        places = con.sql(
            "SELECT f.parameters, list(DISTINCT e.record_id) FROM flags AS f JOIN flag_evidence AS e USING (flag_id) "
            "WHERE f.code = 'dangerous_place' AND f.person_id = (SELECT c.person_id FROM records AS r JOIN clusters AS c "
            "  USING (unique_id) WHERE r.record_id = 'PN-PLACE-01') GROUP BY f.parameters"
        ).fetchall()
    assert len(places) == 1, "the new victim is flagged for the place"
    parameters, cited = places[0]
    assert json.loads(parameters)["households"] == 2 and json.loads(parameters)["incidents"] >= 3
    assert record_id in cited and {"PN-PLACE-00", "PN-PLACE-01", "PN-PLACE-10", "PN-PLACE-11"} <= set(cited)
    assert dwelling.startswith("dwelling:")


def flags_dated(store) -> date:
    with open_results(store) as con:
        return con.sql("SELECT as_of FROM flag_run").fetchall()[0][0]


def flag_changes(store) -> set[tuple[str, str, str]]:
    """(change, code, person) of every flag the store's last run raised or cleared."""
    with open_results(store) as con:
        return set(con.sql("SELECT change, code, person_id FROM flag_changes").fetchall())


def test_nothing_new_changes_nothing(twins):
    incremental, _ = twins
    before = contents(incremental.store)
    report = run_all(incremental.model_copy(update={"extracts_dir": incremental.extracts_dir.parent / "partial"}), incremental=True)
    assert (report.counts["added"], report.counts["changed"], report.counts["withdrawn_records"]) == (0, 0, 0)
    after = contents(incremental.store)
    assert after == before


def test_incremental_needs_previous_results(tmp_path, linked):
    run, _ = linked
    fresh = run.model_copy(update={"store": tmp_path / "s" / "mash.duckdb"})
    with pytest.raises(MashError, match="no previous results to update; run a full 'mash run' first"):
        run_all(fresh, incremental=True)


def test_incremental_refuses_a_changed_model_config(twins):
    incremental, _ = twins
    changed = incremental.model_copy(update={"model": incremental.model.model_copy(update={"term_frequency": ("surname",)})})
    with pytest.raises(MashError, match="changed since the last run; run a full 'mash run' first"):
        run_all(changed, incremental=True)


def test_an_incremental_run_over_the_pair_budget_stops_and_keeps_the_previous_results(twins):
    incremental, _ = twins
    before = contents(incremental.store)
    tight = incremental.model_copy(update={"resources": incremental.resources.model_copy(update={"pair_budget": 10})})
    with pytest.raises(MashError, match=r"blocking rule .* would pair the new records with about .* over the budget of 10 \(resources.pair_budget"):
        run_all(tight, incremental=True)
    assert contents(incremental.store) == before
