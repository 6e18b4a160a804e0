"""Bad extracts in a nightly run: a clear message, and the stop or skip policy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from linkage.batch import run_all
from linkage.config.run import ExtractChecks
from linkage.errors import ExtractError
from linkage.history import list_runs
from linkage.store import open_results, open_state


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncated(path: Path) -> None:
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 2 - 7].rstrip(b"\n"))


def renamed_column(path: Path) -> None:
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace('"Name"', '"FullName"') + "\n" + rest, encoding="utf-8")


def duplicated_ids(path: Path) -> None:
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header + "\n" + rest + rest, encoding="utf-8")


def wrong_encoding(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("Daniel", "Dániel").encode("utf-16"))


def ten_times_larger(path: Path) -> None:
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    copies = [rest.replace('"PN', f'"X{n}PN') for n in range(11)]
    path.write_text(header + "\n" + "".join(copies), encoding="utf-8")


BAD = [
    ("an empty file", empty, "file is empty"),
    ("a truncated CSV", truncated, "looks truncated"),
    ("a changed header", renamed_column, "mapped column is not in the extract"),
    ("duplicate record ids", duplicated_ids, "are unusable, over the 25% limit"),
    ("a wrong encoding", wrong_encoding, "not valid utf-8"),
    ("a 10x larger extract", ten_times_larger, "times the"),
]


@pytest.fixture
def copy(linked, tmp_path):
    """A private copy of the linked store and its extracts."""
    run, _ = linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    shutil.copytree(run.extracts_dir, tmp_path / "extracts")
    return run.model_copy(update={"store": tmp_path / "store" / "mash.duckdb", "extracts_dir": tmp_path / "extracts"})


def police(store) -> list[tuple]:
    with open_results(store) as con:
        return con.sql("SELECT unique_id, forename, surname, dob FROM records WHERE source = 'police' ORDER BY unique_id").fetchall()


@pytest.mark.parametrize(("description", "spoil", "problem"), BAD, ids=[b[0] for b in BAD])
def test_stop_policy_refuses_the_run_naming_file_and_problem(copy, description, spoil: Callable[[Path], None], problem):
    before = police(copy.store)
    spoil(copy.extracts_dir / "police.csv")
    with pytest.raises(ExtractError) as caught:
        run_all(copy)
    assert "police.csv" in str(caught.value) and problem in str(caught.value), description
    assert police(copy.store) == before, "the previous results stay"
    with open_state(copy.store) as state:
        latest = list_runs(state, 1)[0]
    assert latest.status == "failed" and problem in latest.error


@pytest.mark.parametrize(("description", "spoil", "problem"), BAD, ids=[b[0] for b in BAD])
def test_skip_policy_keeps_the_last_good_data(copy, description, spoil, problem):
    before = police(copy.store)
    spoil(copy.extracts_dir / "police.csv")
    skipping = copy.model_copy(update={"extract_checks": ExtractChecks(on_bad_extract="skip")})
    report = run_all(skipping)
    assert police(copy.store) == before, "the police records of the last good run are kept: " + description
    (kept,) = [s for s in report.sources if s.source == "police"]
    assert kept.status == "kept" and problem in kept.problem
    assert {s.status for s in report.sources if s.source != "police"} == {"loaded"}
    assert problem in report.counts["skipped_sources"]["police"]
