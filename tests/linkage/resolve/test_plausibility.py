"""Plausibility checks on resolved people: each check on hand-made people, and the DOB rule shared with the graph."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from graph.flags.same_victim import dobs_close
from linkage.config.model import ModelConfig, Plausibility
from linkage.resolve import PLAUSIBILITY_CHECKS, count_implausible
from linkage.resolve.plausibility import check_steps
from tests.graph.test_same_victim import DOB_CASES

COLUMNS = "unique_id VARCHAR, event_date DATE, dob DATE, nhs_number VARCHAR, pnc_id VARCHAR, postcode_outward VARCHAR"


def found(records: list[tuple], config: Plausibility = Plausibility()) -> dict[str, int]:
    """Counts for one person 'P' holding ``records`` (event_date, dob, nhs, pnc, outward), plus a clean person 'Q'."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE records ({COLUMNS})")
    con.execute("CREATE TABLE clusters (unique_id VARCHAR, person_id VARCHAR)")
    rows = [(f"P{i}", *r) for i, r in enumerate(records)] + [("Q0", date(2020, 1, 1), date(1990, 1, 2), None, None, "LS1")]
    con.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO clusters VALUES (?, ?)", [(u, u[0]) for u, *_ in rows])
    return count_implausible(con, config)


DOB = date(1985, 3, 12)
NHS, NHS2 = "9434765919", "4010232137"
# (description, P's records (event_date, dob, nhs, pnc, postcode outward), the checks that find P)
CASES = [
    ("one home, one DOB: nothing", [(date(2020, 1, 1), DOB, NHS, None, "LS1"), (date(2021, 5, 1), DOB, None, None, "LS2")], set()),
    ("two areas on one day", [(date(2021, 5, 1), DOB, None, None, "LS1"), (date(2021, 5, 1), DOB, None, None, "NT4")],
     {"two_places_one_day"}),
    ("two districts of one area on one day is one place", [(date(2021, 5, 1), DOB, None, None, "LS1"),
                                                           (date(2021, 5, 1), DOB, None, None, "LS2")], set()),
    ("back after 4 years in a new area", [(date(2018, 1, 1), DOB, None, None, "LS1"), (date(2022, 6, 1), DOB, None, None, "NT4")],
     {"back_after_gap"}),
    ("back after 4 years in the old area", [(date(2018, 1, 1), DOB, None, None, "LS1"), (date(2022, 6, 1), DOB, None, None, "LS9")],
     set()),
    ("a move after 2 years' silence", [(date(2018, 1, 1), DOB, None, None, "LS1"), (date(2020, 1, 1), DOB, None, None, "NT4")], set()),
    ("back after 4 years, but first seen with no address", [(date(2018, 1, 1), DOB, None, None, None),
                                                            (date(2022, 6, 1), DOB, None, None, "NT4")], set()),
    ("two DOBs years apart", [(date(2020, 1, 1), DOB, None, None, "LS1"), (date(2021, 1, 1), date(1962, 7, 30), None, None, "LS1")],
     {"two_dobs"}),
    ("a DOB one keystroke out", [(date(2020, 1, 1), DOB, None, None, "LS1"), (date(2021, 1, 1), date(1985, 3, 13), None, None, "LS1")],
     set()),
    ("two NHS numbers", [(date(2020, 1, 1), DOB, NHS, None, "LS1"), (date(2021, 1, 1), DOB, NHS2, None, "LS1")], {"two_nhs_numbers"}),
    ("two PNC IDs", [(date(2020, 1, 1), DOB, None, "12/123456A", "LS1"), (date(2021, 1, 1), DOB, None, "13/654321B", "LS1")],
     {"two_pnc_ids"}),
]


@pytest.mark.parametrize(("description", "records", "checks"), CASES, ids=[c[0] for c in CASES])
def test_each_check_finds_its_people(description, records, checks):
    counts = found(records)
    assert list(counts) == list(PLAUSIBILITY_CHECKS), "every check is counted, in report order"
    assert {name for name, n in counts.items() if n} == checks, description
    assert all(n <= 1 for n in counts.values()), "a person is counted once per check; the clean person never"


def test_silence_is_configurable():
    records = [(date(2018, 1, 1), DOB, None, None, "LS1"), (date(2020, 1, 1), DOB, None, None, "NT4")]
    assert found(records, Plausibility(silence_years=1.5))["back_after_gap"] == 1
    assert ModelConfig().plausibility.silence_years == 3.0


@pytest.mark.parametrize(("desc", "a", "b", "close"), DOB_CASES, ids=[c[0] for c in DOB_CASES])
def test_two_dobs_uses_the_graphs_idea_of_a_mistyped_dob(desc, a, b, close):
    step = check_steps(Plausibility())["two_dobs"]
    con = duckdb.connect()
    con.execute("CREATE TABLE pin AS SELECT 'P' AS person_id, unnest([$a::DATE, $b::DATE]) AS dob", {"a": a, "b": b})
    flagged = bool(con.execute(step.render("pin")).fetchall())
    assert flagged is (not dobs_close(a, b)), desc


def test_a_run_counts_implausible_people_and_keeps_the_counts(linked):
    from linkage.history import list_runs
    from linkage.store import open_results, open_state

    run, report = linked
    with open_results(run.store) as con:
        expected = count_implausible(con, run.model.plausibility)
    assert report.counts["implausible"] == expected
    assert list(expected) == list(PLAUSIBILITY_CHECKS)
    with open_state(run.store) as state:
        (latest,) = list_runs(state, 1)
    assert latest.counts["implausible"] == expected
