"""Errors never carry personal data: a planted person is looked for in every place an error goes.

Each hostile extract holds one planted row (name, date of birth, PNC ID, record id, phone)
at the spot that makes the extract bad. ``mash run`` must fail (policy 'stop') or skip the
source (policy 'skip'), and none of the planted values may appear on the terminal, in the
logs, in the run history (``runs.error`` and ``runs.counts``, which the admin run-history
page shows) or in ``source_loads.problem``. Rows that are only set aside (quarantined, or
a value nulled with a note) must not carry a value into the quarantine reasons, the notes
or the terminal; a fault in the code (any error but a reported one) is described by its
type and place, never its message.
"""

from __future__ import annotations

import csv
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from linkage.cli import main
from linkage.config import load_run_config
from linkage.store import layout, open_results
from synth import generate_extracts
from tests.linkage.conftest import REPO

#: The planted person's values, as written and as they could be echoed back.
PLANTED = {
    "surname": "ZYBORSKI", "forename": "Quentina", "dob": "14/03/1971", "pnc": "71/0123456X",
    "record_id": "PNPLANT01", "phone": "07700 900999",
}
SEEN_AS = [*PLANTED.values(), "QUENTINA", "Zyborski", "1971-03-14", "900999"]
PLANTED_ROW = (
    f'"OCC-PLANT","02/01/2024","Assault","Y","HIGH","{PLANTED["record_id"]}","VICTIM",'
    f'"{PLANTED["surname"]}, {PLANTED["forename"]}","{PLANTED["dob"]}","F","{PLANTED["pnc"]}",'
    f'"1 Plant Road, Elmbridge Vale","EV1 2HF","{PLANTED["phone"]}"'
)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def without_header(path: Path) -> None:
    lines = _lines(path)
    path.write_text("\n".join([PLANTED_ROW, *lines[1:]]), encoding="utf-8")


def header_with_repeats(path: Path) -> None:
    # The planted row in the header's place, its name repeated: a data row read as a header.
    lines = _lines(path)
    path.write_text("\n".join([PLANTED_ROW + f',"{PLANTED["surname"]}"', *lines[1:]]), encoding="utf-8")


def stray_quote(path: Path) -> None:
    # The planted row's name opens a quote that never closes; no quote follows it.
    unquoted = PLANTED_ROW.replace('"', "").replace(f"{PLANTED['surname']}, ", f"{PLANTED['surname']} ")
    stray = unquoted.replace(PLANTED["surname"], '"' + PLANTED["surname"], 1)
    others = [unquoted.replace(PLANTED["record_id"], f"PNX{n}").replace("Plant Road, ", "Road ") for n in range(3)]
    path.write_text("\n".join([*_lines(path)[:-1], stray, *others, ""]), encoding="utf-8")


def bad_encoding(path: Path) -> None:
    lines = _lines(path)
    lines[5] = PLANTED_ROW.replace(PLANTED["forename"], PLANTED["forename"] + "\xe9")
    path.write_bytes("\n".join(lines).encode("utf-8").replace("é".encode(), b"\xe9"))


def truncated_in_the_planted_row(path: Path) -> None:
    lines = _lines(path)
    path.write_text("\n".join([*lines[:-3], PLANTED_ROW[: PLANTED_ROW.index(PLANTED["dob"]) + 5]]), encoding="utf-8")


def only_the_planted_row(path: Path) -> None:
    lines = _lines(path)
    path.write_text("\n".join([lines[0], PLANTED_ROW, ""]), encoding="utf-8")


def every_id_repeated(path: Path) -> None:
    lines = _lines(path)
    path.write_text("\n".join([lines[0], *[PLANTED_ROW] * (len(lines) - 1), ""]), encoding="utf-8")


def header_joined_to_the_planted_row(path: Path) -> None:
    # A lost line break: the header runs on into the planted row, whose name appears twice.
    lines = _lines(path)
    joined = lines[0] + "," + PLANTED_ROW + f',"{PLANTED["surname"]}, {PLANTED["forename"]}"'
    path.write_text("\n".join([joined, *lines[1:]]), encoding="utf-8")


def planted_header_only(path: Path) -> None:
    # The header and nothing else but the planted row's values as a second header-like line cut short.
    path.write_text(PLANTED_ROW.replace('"', "") + "\n", encoding="utf-8")


HOSTILE: list[tuple[str, Callable[[Path], None], str]] = [
    # (description, spoil police.csv, words the error must have)
    ("no header: the planted row in its place", without_header, "is the header row missing"),
    ("no header, and the planted row repeats a value", header_with_repeats, "is the header row missing"),
    ("a stray quote in the planted row's name", stray_quote, "never closed"),
    ("a latin-1 byte in the planted row's forename", bad_encoding, "not valid utf-8"),
    ("the file cut off inside the planted row", truncated_in_the_planted_row, "looks truncated"),
    ("the planted row alone", only_the_planted_row, "max_shrink"),
    ("the planted row's id on every row", every_id_repeated, "unusable"),
    ("the header run on into the planted row, its name twice", header_joined_to_the_planted_row, "more than once"),
    ("the planted row alone, no header", planted_header_only, "is the header row missing"),
]


@pytest.fixture(scope="module")
def linked_store(tmp_path_factory) -> Path:
    """1,000 generated people run once with the shipped configs; each test copies the directory."""
    root = tmp_path_factory.mktemp("privacy")
    generate_extracts(people=1000, seed=3, out_dir=root / "extracts")
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=root / "extracts")
    assert main(["run", "--store", str(run.store), "--extracts", str(run.extracts_dir)]) == 0
    return root


def configs(tmp_path: Path, policy: str) -> Path:
    """The shipped configs with the bad-extract policy set."""
    shutil.copytree(REPO / "configs", tmp_path / "configs")
    run_yaml = tmp_path / "configs" / "run.yaml"
    run_yaml.write_text(run_yaml.read_text() + f"\nextract_checks: {{on_bad_extract: {policy}}}\n")
    return run_yaml


def state_text(store: Path) -> str:
    with duckdb.connect(str(store), read_only=True) as con:
        return "\n".join(str(row) for row in con.execute("SELECT * FROM runs").fetchall())


def problems(store: Path) -> str:
    with open_results(store) as con:
        return "\n".join(str(p) for (p,) in con.execute("SELECT problem FROM source_loads").fetchall())


@dataclass(frozen=True)
class Outcome:
    """A run on a spoiled copy of the linked store: its exit status and the text of every place an error goes."""

    status: int
    places: dict[str, str]
    store: Path


def run_spoiled(linked_store: Path, tmp_path: Path, capsys, caplog, spoil, policy: str = "stop", verbose: bool = False) -> Outcome:
    """Copy the linked store, spoil its police.csv, run 'mash run' then 'mash runs', and gather what they left."""
    shutil.copytree(linked_store, tmp_path / "copy")
    store, extracts = tmp_path / "copy" / "store" / "mash.duckdb", tmp_path / "copy" / "extracts"
    spoil(extracts / "police.csv")
    args = ["--config", str(configs(tmp_path, policy)), "--store", str(store), "--extracts", str(extracts)]
    caplog.set_level(logging.DEBUG)
    status = main([*(["-v"] if verbose else []), "run", *args])
    assert main(["runs", *args]) == 0
    out = capsys.readouterr()
    places = {
        "terminal": out.out + out.err,
        "logs": "\n".join(r.getMessage() for r in caplog.records),
        "run history": state_text(layout(store).state),
    }
    return Outcome(status, places, store)


def assert_nothing_planted(places: dict[str, str], description: str) -> None:
    for place, text in places.items():
        for value in SEEN_AS:
            assert value.lower() not in text.lower(), f"{description}: {value!r} in the {place}"


@pytest.mark.parametrize("policy", ["stop", "skip"])
@pytest.mark.parametrize(("description", "spoil", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_no_error_path_carries_the_planted_person(linked_store, tmp_path, capsys, caplog, policy, description, spoil, words):
    run = run_spoiled(linked_store, tmp_path, capsys, caplog, spoil, policy)
    places = run.places
    if policy == "stop":
        assert run.status == 2, description
        assert words in places["run history"], f"{description}: the failure is recorded with its reason"
    else:
        assert run.status == 0, description
        places["source_loads.problem"] = problems(run.store)
        assert words in places["source_loads.problem"], description
    assert words in places["terminal"], description
    assert_nothing_planted(places, description)


ENGINE_ERRORS = [
    # (description, SQL that fails on a planted value)
    ("a value that is not a number", "SELECT CAST($v AS INTEGER)"),
    ("a value that is not a date", "SELECT strptime($v, '%d/%m/%Y')"),
    ("a date of birth cast as a date", "SELECT CAST($v AS DATE)"),
    ("a value in a list that is not a number", "SELECT CAST([$v] AS INTEGER[])"),
]


@pytest.mark.parametrize(("description", "sql"), ENGINE_ERRORS, ids=[e[0] for e in ENGINE_ERRORS])
def test_sql_step_errors_drop_the_values_duckdb_quotes(description, sql):
    from linkage.errors import StepError
    from linkage.pipeline import run_sql

    with duckdb.connect() as con, pytest.raises(StepError) as caught:
        run_sql(con, "planted_step", sql, {"v": PLANTED["dob"] if "DATE" in sql else PLANTED["surname"]})
    assert "planted_step" in str(caught.value), description
    for value in SEEN_AS:
        assert value.lower() not in str(caught.value).lower(), description


def test_file_paths_stay_in_engine_errors(tmp_path):
    from linkage.errors import StepError
    from linkage.pipeline import run_sql

    missing = tmp_path / "no such dir" / "x.parquet"
    with duckdb.connect() as con, pytest.raises(StepError) as caught:
        run_sql(con, "read_missing", "SELECT * FROM read_parquet($p)", {"p": str(missing)})
    assert str(missing) in str(caught.value)


def _planted(**cells: str) -> str:
    """The planted row with some cells changed (by police.csv column name), as a CSV line."""
    columns = [
        "OccurrenceRef", "OccurrenceDate", "OffenceCategory", "DAFlag", "DASHRisk", "PersonRecordRef", "PersonRole",
        "Name", "DOB", "Sex", "PNCID", "Address", "Postcode", "Phone",
    ]
    values = dict(zip(columns, next(csv.reader([PLANTED_ROW])), strict=True)) | cells
    return ",".join('"' + values[c].replace('"', '""') + '"' for c in columns)


def appended(*rows: str) -> Callable[[Path], None]:
    def spoil(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.rstrip("\n") + "\n" + "\n".join(rows) + "\n", encoding="utf-8")

    return spoil


NAME = f"{PLANTED['surname']}, {PLANTED['forename']}"
SET_ASIDE: list[tuple[str, Callable[[Path], None]]] = [
    # (description, rows appended to police.csv that are quarantined or have values nulled; the run completes)
    ("one column too many, holding the planted name", appended(PLANTED_ROW + f',"{NAME}"')),
    ("the row cut short after the planted name", appended(PLANTED_ROW[: PLANTED_ROW.index(PLANTED["dob"]) - 2])),
    ("the date of birth in another format", appended(_planted(DOB="1971-03-14"))),
    ("the planted forename as the date of birth", appended(_planted(DOB=PLANTED["forename"]))),
    ("an impossible date of birth", appended(_planted(DOB="31/02/1971"))),
    ("the planted surname as the sex code", appended(_planted(Sex=PLANTED["surname"]))),
    ("the planted forename as the role code", appended(_planted(PersonRole=PLANTED["forename"]))),
    ("the planted surname as the PNC ID", appended(_planted(PNCID=PLANTED["surname"]))),
    ("a PNC ID with the wrong check letter", appended(_planted(PNCID="71/0123456Z"))),
    ("the planted surname as the postcode", appended(_planted(Postcode=PLANTED["surname"]))),
    ("the planted surname as the phone number", appended(_planted(Phone=PLANTED["surname"]))),
    ("the planted DOB as an event date in another format", appended(_planted(OccurrenceDate="1971-03-14"))),
    ("the planted row twice (its record id repeated)", appended(PLANTED_ROW, PLANTED_ROW)),
    ("no record id", appended(_planted(PersonRecordRef=""))),
    ("nothing to link on but the planted address and phone", appended(_planted(Name="", DOB="", PNCID=""))),
    ("a right-to-left override and a NUL in the planted name", appended(_planted(Name=f"{PLANTED['surname']}\u202e, Quen\x00tina"))),
]


def _result_columns(store: Path) -> dict[str, str]:
    """What the results keep about rows set aside, but for the raw row and the record id (kept by design)."""
    with open_results(store) as con:
        return {
            "quarantine reasons": "\n".join(str(r) for r in con.execute("SELECT column_name, reason FROM quarantine").fetchall()),
            "data-quality notes": "\n".join(str(r) for r in con.execute("SELECT DISTINCT column_name, problem FROM dq_notes").fetchall()),
            "source_loads.problem": "\n".join(str(p) for (p,) in con.execute("SELECT problem FROM source_loads").fetchall()),
            "column_blanks": "\n".join(str(r) for r in con.execute("SELECT column_key, column_name FROM column_blanks").fetchall()),
        }


@pytest.mark.parametrize(("description", "spoil"), SET_ASIDE, ids=[s[0] for s in SET_ASIDE])
def test_rows_set_aside_carry_no_planted_value_into_reasons_notes_or_the_terminal(
    linked_store, tmp_path, capsys, caplog, description, spoil
):
    rows_before = len((linked_store / "extracts" / "police.csv").read_text(encoding="utf-8").strip("\n").split("\n")) - 1
    run = run_spoiled(linked_store, tmp_path, capsys, caplog, spoil)
    assert run.status == 0, description
    places = run.places | _result_columns(run.store)
    with open_results(run.store) as con:
        set_aside = con.execute(
            "SELECT (SELECT count(*) FROM quarantine WHERE source = 'police' AND source_row > $rows) + "
            "(SELECT count(*) FROM dq_notes WHERE source = 'police' AND source_row > $rows)",
            {"rows": rows_before},
        ).fetchone()[0]
    assert set_aside, f"{description}: the planted row is quarantined or noted (else the case tests nothing)"
    assert_nothing_planted(places, description)


FAULTS = [
    # (description, the error a fault raises mid-run, quoting the planted person as a library's message might)
    ("a ValueError quoting the name", ValueError(f"cannot place {NAME} born {PLANTED['dob']}")),
    ("a KeyError on the record id", KeyError(PLANTED["record_id"])),
    ("an engine error quoting a date of birth unquoted", RuntimeError(f"Conversion Error: 1971-03-14 {PLANTED['surname']}")),
]


@pytest.mark.parametrize(("description", "fault"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_mid_run_is_reported_without_its_message(linked_store, tmp_path, capsys, caplog, monkeypatch, description, fault):
    import linkage.batch

    def fails(*args, **kwargs):
        raise fault

    monkeypatch.setattr(linkage.batch, "count_implausible", fails)
    run = run_spoiled(linked_store, tmp_path, capsys, caplog, lambda path: None, verbose=True)
    assert run.status == 1, description
    places = run.places
    for place in ("terminal", "run history"):
        assert f"unexpected {type(fault).__name__} in tests/linkage/test_error_privacy.py:" in places[place], description
        assert "in fails; its message is not shown" in places[place], f"{description}: type and place in the {place}"
    assert "linkage/batch.py" in places["terminal"] and "in fails: raise fault" in places["terminal"], "-v: the frames"
    assert_nothing_planted(places, description)
