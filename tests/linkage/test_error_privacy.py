"""Errors never carry personal data: a planted person is looked for in every place an error goes.

Each hostile extract holds one planted row (name, date of birth, PNC ID, record id, phone)
at the spot that makes the extract bad. ``mash run`` must fail (policy 'stop') or skip the
source (policy 'skip'), and none of the planted values may appear on the terminal, in the
logs, in the run history (``runs.error`` and ``runs.counts``, which the admin run-history
page shows) or in ``source_loads.problem``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from linkage.cli import main
from linkage.config import load_run_config
from linkage.store import layout, open_results
from linkage.synth import generate_extracts
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


HOSTILE: list[tuple[str, Callable[[Path], None], str]] = [
    # (description, spoil police.csv, words the error must have)
    ("no header: the planted row in its place", without_header, "is the header row missing"),
    ("no header, and the planted row repeats a value", header_with_repeats, "is the header row missing"),
    ("a stray quote in the planted row's name", stray_quote, "never closed"),
    ("a latin-1 byte in the planted row's forename", bad_encoding, "not valid utf-8"),
    ("the file cut off inside the planted row", truncated_in_the_planted_row, "looks truncated"),
    ("the planted row alone", only_the_planted_row, "max_shrink"),
    ("the planted row's id on every row", every_id_repeated, "unusable"),
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


@pytest.mark.parametrize("policy", ["stop", "skip"])
@pytest.mark.parametrize(("description", "spoil", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_no_error_path_carries_the_planted_person(linked_store, tmp_path, capsys, caplog, policy, description, spoil, words):
    shutil.copytree(linked_store, tmp_path / "copy")
    store, extracts = tmp_path / "copy" / "store" / "mash.duckdb", tmp_path / "copy" / "extracts"
    spoil(extracts / "police.csv")
    args = ["--config", str(configs(tmp_path, policy)), "--store", str(store), "--extracts", str(extracts)]
    caplog.set_level(logging.DEBUG)
    status = main(["run", *args])
    assert main(["runs", *args]) == 0
    out = capsys.readouterr()
    places = {
        "terminal": out.out + out.err,
        "logs": "\n".join(r.getMessage() for r in caplog.records),
        "run history": state_text(layout(store).state),
    }
    if policy == "stop":
        assert status == 2, description
        assert words in places["run history"], f"{description}: the failure is recorded with its reason"
    else:
        assert status == 0, description
        places["source_loads.problem"] = problems(store)
        assert words in places["source_loads.problem"], description
    assert words in places["terminal"], description
    for place, text in places.items():
        for value in SEEN_AS:
            assert value.lower() not in text.lower(), f"{description}: {value!r} in the {place}"


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
