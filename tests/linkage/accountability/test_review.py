"""Review decisions: validated, stored least id first, committed at once, applied by the next run."""

from __future__ import annotations

import shutil

import pytest

from linkage.batch import run_all
from linkage.accountability.review import decisions_for, recent_decisions, save_decision
from linkage.store import open_results, open_state


@pytest.fixture
def state(tmp_path):
    store = tmp_path / "store" / "mash.duckdb"
    con = open_state(store)
    yield store, con
    con.close()


INVALID = [
    ("an unknown decision", ("a:1", "b:2", "maybe", "looks alike", "ana"), "decision must be one of"),
    ("an empty reason", ("a:1", "b:2", "confirm", "   ", "ana"), "give a reason"),
    ("no reviewer", ("a:1", "b:2", "reject", "different DOB", ""), "needs a reviewer"),
    ("a record with itself", ("a:1", "a:1", "confirm", "same", "ana"), "two different records"),
]


@pytest.mark.parametrize(("description", "args", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_decisions_are_refused_and_nothing_is_stored(state, description, args, message):
    _, con = state
    with pytest.raises(ValueError, match=message):
        save_decision(con, *args)
    assert con.execute("SELECT count(*) FROM review_decisions").fetchone() == (0,), description


def test_a_decision_is_stored_least_id_first_and_survives_a_restart(state):
    store, con = state
    saved = save_decision(con, "police:PN2", "health:HL1", "reject", " twins: different NHS numbers ", "ana")
    assert (saved.unique_id_l, saved.unique_id_r, saved.reason) == ("health:HL1", "police:PN2", "twins: different NHS numbers")
    con.close()
    with open_state(store) as reopened:
        history = decisions_for(reopened, [("police:PN2", "health:HL1")])
    assert history[["unique_id_l", "unique_id_r", "decision", "reviewer"]].values.tolist() == [
        ["health:HL1", "police:PN2", "reject", "ana"]
    ]


def test_history_keeps_every_decision_and_marks_the_latest(state):
    _, con = state
    save_decision(con, "a:1", "b:2", "unsure", "need the GP record", "ana")
    save_decision(con, "b:2", "a:1", "confirm", "GP record has the same NHS number", "ben")
    save_decision(con, "a:1", "c:3", "reject", "different people", "ana")
    history = decisions_for(con, [("b:2", "a:1")])
    assert list(history["decision"]) == ["confirm", "unsure"]
    assert list(history["latest"]) == [True, False]
    assert decisions_for(con, []).empty
    assert len(recent_decisions(con)) == 3


def test_the_next_run_applies_a_rejection_and_recomputes_the_flags(linked, tmp_path):
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    copy = run.model_copy(update={"store": tmp_path / "store" / "mash.duckdb"})
    con = open_results(copy.store)
    try:
        # A serial perpetrator's suspect record and another of their records it is linked to.
        record, other = con.execute(
            "SELECT e.unique_id, CASE WHEN p.unique_id_l = e.unique_id THEN p.unique_id_r "
            "ELSE p.unique_id_l END FROM flags AS f JOIN flag_evidence AS e USING (flag_id) "
            "JOIN clusters AS c ON c.unique_id = e.unique_id AND c.person_id = f.person_id "
            "JOIN pairs AS p ON p.band = 'link' AND e.unique_id IN (p.unique_id_l, p.unique_id_r) "
            "WHERE f.code = 'serial_perpetrator' AND e.role = 'suspect' ORDER BY f.flag_id, e.unique_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    with open_state(copy.store) as state:
        save_decision(state, record, other, "reject", "test: not the same person", "ana")
    run_all(copy)
    con = open_results(copy.store)
    try:
        band = con.execute(
            "SELECT band FROM pairs WHERE unique_id_l = least($a, $b) AND unique_id_r = greatest($a, $b)",
            {"a": record, "b": other},
        ).fetchone()
        people = dict(con.execute(
            "SELECT unique_id, person_id FROM clusters WHERE unique_id IN ($a, $b)", {"a": record, "b": other}
        ).fetchall())
        evidence_people = {
            row[0] for row in con.execute(
                "SELECT f.person_id FROM flags AS f JOIN flag_evidence AS e USING (flag_id) "
                "WHERE e.unique_id = $r AND f.code = 'serial_perpetrator'", {"r": record}
            ).fetchall()
        }
    finally:
        con.close()
    assert band == ("rejected",)
    assert people[record] != people[other]
    # The flag was rebuilt on the split people: the rejected record no longer backs the other record's person.
    assert people[other] not in evidence_people
