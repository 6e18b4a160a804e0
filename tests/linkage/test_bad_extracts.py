"""Bad extracts in a nightly run: a clear message, and the stop or skip policy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from linkage.batch import run_all
from linkage.config import RunConfig, load_run_config
from linkage.config.run import ExtractChecks
from linkage.errors import ExtractError
from linkage.history import list_runs
from linkage.store import open_results, open_state
from synth import generate_extracts
from tests.linkage.conftest import REPO


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


def a_third_of_the_rows(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 3]), encoding="utf-8")


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
    ("a third of the rows", a_third_of_the_rows, "('extract_checks.max_shrink')"),
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


# A health extract as CSV without quotes, as many systems write one; the reporter's case
# is one stray quote before the forename on data row 10.


@pytest.fixture(scope="module")
def health_csv_linked(tmp_path_factory) -> RunConfig:
    """1,000 generated people, health as an unquoted CSV, run once; tests copy it."""
    root = tmp_path_factory.mktemp("health_csv")
    generate_extracts(people=1000, seed=7, out_dir=root / "extracts")
    parquet = root / "extracts" / "health.parquet"
    pd.read_parquet(parquet).to_csv(root / "extracts" / "health.csv", index=False, lineterminator="\n")
    parquet.unlink()
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=root / "extracts")
    sources = tuple(s.model_copy(update={"file": Path("health.csv")}) if s.name == "health" else s for s in run.sources)
    run = run.model_copy(update={"sources": sources})
    run_all(run)
    return run


@pytest.fixture
def health_copy(health_csv_linked, tmp_path) -> RunConfig:
    run = health_csv_linked
    shutil.copytree(run.store.parent, tmp_path / "store")
    shutil.copytree(run.extracts_dir, tmp_path / "extracts")
    return run.model_copy(update={"store": tmp_path / "store" / "mash.duckdb", "extracts_dir": tmp_path / "extracts"})


def stray_quote_on_row_10(path: Path, closed_on: int | None = None, closing_column: int = 5) -> None:
    """A quote opening GivenName on data row 10; with ``closed_on``, a second closing a column of that row."""
    lines = path.read_text(encoding="utf-8").split("\n")
    rows = [10] if closed_on is None else [10, closed_on]
    for at in rows:
        assert '"' not in lines[at] and len(lines[at].split(",")) == 12, "the rows are plain"
    cells = lines[10].split(",")
    cells[5] = '"' + cells[5]  # GivenName
    lines[10] = ",".join(cells)
    if closed_on is not None:
        cells = lines[closed_on].split(",")
        cells[closing_column] += '"'
        lines[closed_on] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


STRAY_QUOTES = [
    # (description, spoil health.csv, words the error must have); the row named is 10, the column GivenName
    ("a quote never closed (the reporter's case)", stray_quote_on_row_10, "never closed"),
    (
        "a quote closed five rows on, the joined row unreadable",
        lambda path: stray_quote_on_row_10(path, closed_on=15, closing_column=6), "as many fields as the header",
    ),
    (
        "a quote closed five rows on, the joined row the right width",
        lambda path: stray_quote_on_row_10(path, closed_on=15, closing_column=5), "as many fields as the header",
    ),
]


def people(store) -> list[tuple]:
    with open_results(store) as con:
        return con.sql("SELECT person_id, status FROM person_ids ORDER BY person_id").fetchall()


def health(store) -> list[tuple]:
    with open_results(store) as con:
        return con.sql("SELECT unique_id, forename, surname, dob FROM records WHERE source = 'health' ORDER BY unique_id").fetchall()


@pytest.mark.parametrize("incremental", [False, True], ids=["full run", "incremental run"])
@pytest.mark.parametrize(("description", "spoil", "words"), STRAY_QUOTES, ids=[c[0] for c in STRAY_QUOTES])
def test_a_stray_quote_stops_the_run_naming_file_and_row(health_copy, incremental, description, spoil, words):
    before = (people(health_copy.store), health(health_copy.store))
    spoil(health_copy.extracts_dir / "health.csv")
    with pytest.raises(ExtractError) as caught:
        run_all(health_copy, incremental=incremental)
    assert "health.csv" in str(caught.value) and caught.value.row == 10, description
    assert caught.value.column == "GivenName" and words in str(caught.value), description
    assert (people(health_copy.store), health(health_copy.store)) == before, f"{description}: nobody withdrawn, nothing changed"
    with open_state(health_copy.store) as state:
        latest = list_runs(state, 1)[0]
    assert latest.status == "failed" and "row 10" in latest.error, description


@pytest.mark.parametrize("incremental", [False, True], ids=["full run", "incremental run"])
@pytest.mark.parametrize(("description", "spoil", "words"), STRAY_QUOTES, ids=[c[0] for c in STRAY_QUOTES])
def test_a_stray_quote_under_skip_keeps_the_source_and_withdraws_nobody(health_copy, incremental, description, spoil, words):
    before = (people(health_copy.store), health(health_copy.store))
    spoil(health_copy.extracts_dir / "health.csv")
    skipping = health_copy.model_copy(update={"extract_checks": ExtractChecks(on_bad_extract="skip")})
    report = run_all(skipping, incremental=incremental)
    (kept,) = [s for s in report.sources if s.source == "health"]
    assert kept.status == "kept" and "health.csv" in kept.problem and "row 10" in kept.problem, description
    assert words in kept.problem, description
    assert report.counts["withdrawn"] == 0 and report.counts.get("withdrawn_records", 0) == 0, description
    assert (people(health_copy.store), health(health_copy.store)) == before, description


def most_rows_lost(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(lines[: len(lines) // 3]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("policy", ["stop", "skip"])
def test_an_incremental_run_refuses_an_extract_that_lost_most_of_its_rows(health_copy, policy):
    before = (people(health_copy.store), health(health_copy.store))
    most_rows_lost(health_copy.extracts_dir / "health.csv")
    run = health_copy.model_copy(update={"extract_checks": ExtractChecks(on_bad_extract=policy)})
    if policy == "stop":
        with pytest.raises(ExtractError, match=r"health\.csv.*has lost 6\d%, over the limit of 50% \('extract_checks\.max_shrink'\)"):
            run_all(run, incremental=True)
    else:
        report = run_all(run, incremental=True)
        (kept,) = [s for s in report.sources if s.source == "health"]
        assert kept.status == "kept" and "max_shrink" in kept.problem
        assert report.counts["withdrawn"] == 0
    assert (people(health_copy.store), health(health_copy.store)) == before


def blank_forenames_on_most_rows(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    for at in range(1, len(lines) * 2 // 3):
        cells = lines[at].split(",")
        if len(cells) == 12:
            cells[5] = "  "  # GivenName, whitespace only
            lines[at] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("incremental", [False, True], ids=["full run", "incremental run"])
def test_a_jump_in_blank_names_is_reported_not_hidden(health_copy, incremental):
    blank_forenames_on_most_rows(health_copy.extracts_dir / "health.csv")
    report = run_all(health_copy, incremental=incremental)
    (line,) = report.counts["blank_rises"]["health"]
    assert line.startswith("person.forenames (GivenName) blank in 6") and "up from 0%" in line
    assert set(report.counts["blank_rises"]) == {"health"}, "the other sources did not change"
    with open_results(health_copy.store) as con:
        rows, blanks = con.sql(
            "SELECT rows, blanks FROM column_blanks WHERE source = 'health' AND column_key = 'person.forenames'"
        ).fetchall()[0]
    assert blanks / rows > 0.6
    again = run_all(health_copy, incremental=incremental)
    assert "blank_rises" not in again.counts, "judged against the last good extract, which now has the blanks"
