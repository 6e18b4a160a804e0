"""Decisions on flags: validated, audited with the decision or not at all, and found again after a merge."""

from __future__ import annotations

import duckdb
import pytest

from linkage.accountability import audit
from linkage.errors import StepError
from linkage.accountability.flag_decisions import decision_history, decisions_in_force, record_flag_decision
from linkage.store import open_state

VALID = {
    "flag_code": "serial_perpetrator", "person_id": "MP0000001", "status": "actioned", "outcome": "marac_referral",
    "owner": "MASH team A", "rationale": "Two victims in 2025; referred to MARAC on 03/02/2026.",
    "user_name": "ana", "role": "mash_analyst", "purpose": "Referral 2026-0001",
}

REFUSED = [
    ("an unknown status", {"status": "closed"}, "status must be one of"),
    ("'new' is what a flag is before any decision, not a decision", {"status": "new", "outcome": None}, "status must be one of"),
    ("actioned without an outcome", {"outcome": None}, "needs an outcome"),
    ("an unknown outcome", {"outcome": "arrest"}, "needs an outcome"),
    ("an outcome on a flag under review", {"status": "under_review"}, "only an actioned flag"),
    ("no owner", {"owner": "  "}, "owner"),
    ("no rationale", {"rationale": ""}, "rationale"),
    ("a rationale too long to be one", {"rationale": "x" * 2001}, "under 2000"),
    ("no person", {"person_id": " "}, "a flag, a person"),
]


@pytest.fixture
def state(tmp_path):
    con = open_state(tmp_path / "mash.duckdb")
    yield con
    con.close()


@pytest.fixture
def results(tmp_path):
    """Results in which MP0000002 was merged into MP0000001 and MP0000003 is active."""
    con = duckdb.connect(str(tmp_path / "results.duckdb"))
    con.execute("CREATE TABLE person_ids (person_id VARCHAR, status VARCHAR, alias_of VARCHAR)")
    con.execute("INSERT INTO person_ids VALUES ('MP0000001', 'active', NULL), ('MP0000002', 'alias', 'MP0000001'), "
                "('MP0000003', 'active', NULL)")
    yield con
    con.close()


@pytest.mark.parametrize(("description", "change", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_decision_is_refused_and_nothing_is_written(state, description, change, message):
    with pytest.raises(ValueError, match=message):
        record_flag_decision(state, **{**VALID, **change})
    assert decision_history(state).num_rows == 0, description
    assert audit.count(state) == 0, description


def test_a_decision_is_stored_with_its_audit_row(state):
    saved = record_flag_decision(state, **{**VALID, "person_id": " mp0000001 "})
    assert (saved.person_id, saved.status, saved.outcome, saved.decided_by) == ("MP0000001", "actioned", "marac_referral", "ana")
    rows = decision_history(state).to_pylist()
    assert len(rows) == 1 and rows[0]["rationale"] == VALID["rationale"] and rows[0]["owner"] == "MASH team A"
    (event,) = audit.read(state, action="flag_decide")
    assert (event.user_name, event.role, event.target, event.purpose) == ("ana", "mash_analyst", "MP0000001", "Referral 2026-0001")
    assert '"outcome": "marac_referral"' in event.detail and '"flag": "serial_perpetrator"' in event.detail


def test_without_its_audit_row_no_decision_is_kept(state):
    state.execute("DROP TABLE audit_log")
    with pytest.raises(StepError):
        record_flag_decision(state, **VALID)
    assert decision_history(state).num_rows == 0


def test_the_latest_decision_is_in_force_and_follows_a_merged_person(state, results):
    review = {**VALID, "status": "under_review", "outcome": None}
    record_flag_decision(state, **{**review, "rationale": "Checking the victims are two people."})
    # Recorded under the id later merged into MP0000001: it is the same flag now, and newer.
    record_flag_decision(state, **{**VALID, "person_id": "MP0000002"})
    record_flag_decision(state, **{**review, "person_id": "MP0000003", "flag_code": "repeat_victim"})
    record_flag_decision(state, **{**review, "person_id": "MP0000009", "flag_code": "toxic_trio"})  # not in these results
    history = decision_history(state)
    in_force = decisions_in_force(results, history)
    got = {(r.flag_code, r.person_id): (r.status, r.outcome, r.recorded_for) for r in in_force.itertuples()}
    assert got == {
        ("serial_perpetrator", "MP0000001"): ("actioned", "marac_referral", "MP0000002"),
        ("repeat_victim", "MP0000003"): ("under_review", None, "MP0000003"),
        ("toxic_trio", "MP0000009"): ("under_review", None, "MP0000009"),
    }
    every = decisions_in_force(results, history, latest=False)
    assert len(every) == 4
    assert every[every.person_id == "MP0000001"].status.tolist() == ["actioned", "under_review"], "newest first"
