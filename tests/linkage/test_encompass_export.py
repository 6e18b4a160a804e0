"""The Operation Encompass list for schools: per day and per area, refuge addresses withheld, audited, from the CLI too."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from graph import FlagCode, FlagRules, build_graph, run_flags
from linkage.accountability import audit
from linkage.accountability.access import UserRole, User, add_user
from linkage.cli import main
from linkage.encompass import ENCOMPASS_COLUMNS, audited_encompass_csv, encompass_list, encompass_target
from linkage.errors import MashError
from linkage.explore import WITHHELD
from linkage.pipeline import create_table_from_arrow
from linkage.safeguard import write_flag_run, write_flags
from linkage.store import connect, layout, open_results, open_state, write_schema_version
from tests.graph.conftest import AS_OF, Frames, day

REPO = Path(__file__).resolve().parents[2]
D1, D2 = day(-10), day(-5)
REFUGE = ("NT2 1AB", "7 MILL LANE")
PASSWORD = "correct horse battery"


def _incident(frames: Frames, when: date, perp: str, victim: str, place: tuple[str, str], child: str | None, role: str) -> None:
    common = {"event_id": f"OCC-{perp}-{when}", "domestic_abuse": True, "event_type": "Domestic Abuse - Assault"}
    frames.record(perp, "police", when, role="suspect", **common)
    frames.record(victim, "police", when, role="victim", postcode=place[0], address=place[1], **common)
    if child:
        frames.record(child, "police", when, role=role, **common)


def _frames() -> tuple[Frames, dict[str, tuple[str, str, date, str, str]]]:
    """A (witness, NT1), B (lives at the incident address, NT1), C (witness, NT2) on D1; R (involved, at a refuge) on D2."""
    f = Frames()
    _incident(f, D1, "P", "V", ("NT1 4QR", "1 HIGH ST"), "A", "witness")
    f.record("B", "health", D1, role="patient", postcode="NT1 4QR", address="1 HIGH ST")
    _incident(f, D1, "Q", "W", ("NT2 9ZZ", "5 OAK RD"), "C", "witness")
    _incident(f, D2, "S", "X", REFUGE, "R", "involved")
    f.record("R", "health", day(-8), role="patient", postcode=REFUGE[0], address=REFUGE[1])
    people = {
        "A": ("AMY", "ABLE", date(2016, 4, 2), "NT1 4QR", "1 HIGH ST"),
        "B": ("BEN", "ABLE", date(2019, 11, 2), "NT1 4QR", "1 HIGH ST"),
        "C": ("CAL", "CROSS", date(2012, 1, 9), "NT2 9ZZ", "5 OAK RD"),
        "R": ("RIA", "ROSE", date(2017, 7, 7), *REFUGE),
    }
    for person, (_, _, dob, _, _) in people.items():
        f.dob[person] = dob
    return f, people


def _results(path: Path) -> None:
    """A results file with the flags, their run, the golden view, the records and the refuge as a masked shared address."""
    frames, people = _frames()
    events = frames.events()
    rules = FlagRules(as_of=AS_OF)
    graph = build_graph(frames.people(), events, shared_addresses={f"address:{REFUGE[0]}|{REFUGE[1]}": "refuge"})
    flags = run_flags(graph, rules, [FlagCode.CHILD_AT_DA_INCIDENT])
    con = connect(path)
    try:
        write_flags(con, flags, "")
        write_flag_run(con, AS_OF, rules, "")
        ids = sorted(set(events["person_id"]))
        known = {p: people.get(p, ("ADULT", p, date(1980, 1, 1), None, None)) for p in ids}
        create_table_from_arrow(con, "persons", _arrow(pd.DataFrame({
            "person_id": ids, "forename": [known[p][0] for p in ids], "surname": [known[p][1] for p in ids],
            "dob": [known[p][2].isoformat() for p in ids], "postcode": [known[p][3] for p in ids],
            "address": [known[p][4] for p in ids],
        })))
        create_table_from_arrow(con, "records", _arrow(events[["unique_id", "postcode", "address"]]))
        create_table_from_arrow(con, "clusters", _arrow(events[["unique_id", "person_id"]]))
        create_table_from_arrow(con, "shared_addresses", _arrow(pd.DataFrame({
            "address_key": [f"address:{REFUGE[0]}|{REFUGE[1]}"], "kind": ["refuge"], "masked": [True]})))
        write_schema_version(con)  # as every run stamps its results
    finally:
        con.close()


def _arrow(frame: pd.DataFrame):
    import pyarrow as pa

    return pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None), preserve_index=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store laid out as runs leave it, whose current results are the hand-made file."""
    root = tmp_path_factory.mktemp("encompass")
    store = root / "mash.duckdb"
    where = layout(store)
    where.runs_dir.mkdir(parents=True, exist_ok=True)
    _results(where.results_file(1))
    where.switch_to(where.results_file(1))
    return store


@pytest.fixture()
def con(store):
    with open_results(store) as connection:
        yield connection.cursor()


CASES = [
    ("D1, every area", D1, None, True,
     [("NT1", "A", "witness", "1 HIGH ST"), ("NT1", "B", "lives at the address", "1 HIGH ST"), ("NT2", "C", "witness", "5 OAK RD")]),
    ("D1, one area", D1, ["NT1"], True,
     [("NT1", "A", "witness", "1 HIGH ST"), ("NT1", "B", "lives at the address", "1 HIGH ST")]),
    ("an area typed in lower case with spaces", D1, [" nt2 "], True, [("NT2", "C", "witness", "5 OAK RD")]),
    ("an area with nobody", D1, ["NT9"], True, []),
    ("D2, a role that may see refuge addresses", D2, None, True, [("NT2", "R", "involved", "7 MILL LANE")]),
    ("D2, a role that may not: address withheld, area kept", D2, None, False, [("NT2", "R", "involved", WITHHELD)]),
    ("the day before D1: no incident", day(-11), None, True, []),
    ("the day between D1 and D2: no incident", day(-7), None, True, []),
]


@pytest.mark.parametrize(("desc", "when", "areas", "see_refuge", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_list_per_day_and_area(con, desc, when, areas, see_refuge, expected) -> None:
    found = encompass_list(con, when, areas, see_refuge_address=see_refuge)
    assert list(found.rows.columns) == list(ENCOMPASS_COLUMNS), desc
    got = [(r.area, r.person_id, r.presence, r.address) for r in found.rows.itertuples()]
    assert got == expected, desc
    assert (found.rows["incident_date"] == when).all(), desc
    if not see_refuge:
        assert set(found.rows["postcode"]) == {WITHHELD}, desc


def test_ages_names_and_the_window(con) -> None:
    """Age on the incident's day; the flags' window start is reported for a day before it."""
    found = encompass_list(con, D1, ["NT1"], see_refuge_address=True)
    assert found.rows[["name", "dob", "age"]].values.tolist() == [["AMY ABLE", date(2016, 4, 2), 10], ["BEN ABLE", date(2019, 11, 2), 6]]
    assert found.window_start == day(-365)


ANALYST = User("mash1", UserRole.MASH_ANALYST)


def test_an_export_is_audited_with_the_people_it_lists(store, con) -> None:
    data, found = audited_encompass_csv(con, store, ANALYST, "Encompass notifications (test)", D2, None,
                                        file_name="encompass.csv", page="cli")
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    assert frame["person_id"].tolist() == ["R"] and frame["address"].tolist() == [WITHHELD]
    with open_state(store) as state:
        event = audit.read(state, action="export", target=encompass_target(D2, None))[0]
    assert (event.user_name, event.role, event.purpose) == ("mash1", "mash_analyst", "Encompass notifications (test)")
    assert json.loads(event.detail) == {"page": "cli", "file": "encompass.csv", "day": D2.isoformat(), "areas": [],
                                        "rows": 1, "people": ["R"]}


def test_a_role_without_the_permission_is_refused_and_nothing_is_recorded(store, con) -> None:
    with open_state(store) as state:
        before = audit.count(state)
    with pytest.raises(MashError, match="may not export the Operation Encompass list"):
        audited_encompass_csv(con, store, User("intel", UserRole.INTELLIGENCE_ANALYST), "MATAC", D1, None,
                              file_name="x.csv", page="cli")
    with open_state(store) as state:
        assert audit.count(state) == before


def test_no_audit_row_no_list(con, tmp_path) -> None:
    broken = tmp_path / "not-a-database"
    broken.mkdir()  # a directory where the state database should be: the audit write fails
    with pytest.raises(MashError, match="could not be recorded in the audit log, so it was refused"):
        audited_encompass_csv(con, broken, ANALYST, "Encompass notifications", D1, None, file_name="x.csv", page="cli")


@pytest.fixture(scope="module")
def users(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    add_user(path, "mash1", UserRole.MASH_ANALYST, PASSWORD)
    add_user(path, "intel", UserRole.INTELLIGENCE_ANALYST, PASSWORD)
    add_user(path, "admin", UserRole.LINKAGE_ADMIN, PASSWORD)
    return path


CLI_CASES = [
    ("a MASH analyst: refuge withheld", "mash1", PASSWORD, D2, 0, [WITHHELD], "export"),
    ("the linkage admin sees the refuge", "admin", PASSWORD, D2, 0, ["7 MILL LANE"], "export"),
    ("an intelligence analyst may not", "intel", PASSWORD, D2, 2, None, None),
    ("a wrong password: nothing written, the attempt logged", "mash1", "wrong", D2, 2, None, "sign_in_failed"),
]


@pytest.mark.parametrize(("desc", "name", "password", "when", "status", "addresses", "action"), CLI_CASES,
                         ids=[c[0] for c in CLI_CASES])
def test_the_cli_export(store, users, tmp_path, monkeypatch, capsys, desc, name, password, when, status, addresses, action) -> None:
    out = tmp_path / "list.csv"
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    with open_state(store) as state:
        before = audit.count(state)
    args = ["export", "encompass", "--config", str(REPO / "configs" / "run.yaml"), "--store", str(store),
            "--day", when.isoformat(), "--out", str(out), "--user", name, "--purpose", "Encompass notifications",
            "--password-stdin", "--users", str(users)]
    assert main(args) == status, desc
    with open_state(store) as state:
        events = audit.read(state, limit=10)
        added = audit.count(state) - before
    if addresses is None:
        assert not out.exists(), desc
    else:
        assert pd.read_csv(out, dtype=str)["address"].tolist() == addresses, desc
    assert [e.action for e in events[:added]] == ([action] if action else []), desc
    assert PASSWORD not in capsys.readouterr().out and all(PASSWORD not in (e.detail or "") for e in events), desc
