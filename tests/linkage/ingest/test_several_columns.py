"""Extracts whose fields span several columns (FEBRL's layout): read, checked and reported end to end."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from linkage.config import RunConfig, load_run_config
from linkage.errors import ExtractError
from linkage.ingest import ingest
from linkage.store import layout
from tests.linkage.standardise.conftest import FEBRL_SOURCE

REPO = Path(__file__).resolve().parents[3]

#: The FEBRL-shaped source with a postcode column.
SOURCE = {**FEBRL_SOURCE, "person": {**FEBRL_SOURCE["person"], "postcode": "postcode"}}


def febrl_rows(count: int, postcode: str = "SE15 4QR") -> pd.DataFrame:
    """``count`` synthetic people in FEBRL's column layout (made-up names, one postcode for all)."""
    names = ["Amy", "Ben", "Cara", "Dev", "Eli"]
    return pd.DataFrame({
        "rec_id": [f"rec-{i}" for i in range(count)],
        "given_name": [names[i % 5] for i in range(count)],
        "middle_name": ["" if i % 2 else "Lee" for i in range(count)],
        "surname": [f"Testperson{i}" for i in range(count)],
        "street_number": [str(i % 90 + 1) for i in range(count)],
        "address_1": ["High Street"] * count,
        "address_2": ["" if i % 3 else "Flat 2" for i in range(count)],
        "suburb": ["Newtown"] * count,
        "postcode": [postcode] * count,
        "by": [1950 + i % 50 for i in range(count)],
        "bm": [1 + i % 12 for i in range(count)],
        "bd": [1 + i % 28 for i in range(count)],
    })


def febrl_run(tmp_path: Path, frame: pd.DataFrame, file: str = "febrl.csv", source: dict | None = None) -> RunConfig:
    """A run over one FEBRL-shaped extract (CSV, or parquet keeping the frame's types)."""
    extracts = tmp_path / "extracts"
    extracts.mkdir(exist_ok=True)
    if file.endswith(".parquet"):
        frame.to_parquet(extracts / file)
    else:
        frame.to_csv(extracts / file, index=False)
    configs = tmp_path / "configs"
    configs.mkdir(exist_ok=True)
    (configs / "febrl.yaml").write_text(yaml.safe_dump({**(source or SOURCE), "file": file}))
    (configs / "run.yaml").write_text(yaml.safe_dump({"sources": ["febrl.yaml"]}))
    return load_run_config(configs / "run.yaml", store=tmp_path / "mash.duckdb", extracts_dir=extracts)


def records(run: RunConfig, sql: str) -> list[tuple]:
    with duckdb.connect(str(layout(run.store).ingest_check), read_only=True) as con:
        return con.execute(sql).fetchall()


MISSING_COLUMN_CASES = [
    # (description, column dropped from the extract, key named)
    ("a column of an address list", "address_2", "person.address.columns.2"),
    ("the first forename column", "given_name", "person.forenames.columns.0"),
    ("the month of a date in parts", "bm", "person.dob.parts.month"),
]


@pytest.mark.parametrize(("description", "column", "key"), MISSING_COLUMN_CASES, ids=[c[0] for c in MISSING_COLUMN_CASES])
def test_missing_listed_column_names_file_and_key(tmp_path, description, column, key):
    run = febrl_run(tmp_path, febrl_rows(5).drop(columns=[column]))
    with pytest.raises(ExtractError) as caught:
        ingest(run)
    assert (caught.value.key, caught.value.column) == (key, column), description
    assert "febrl.csv" in str(caught.value) and f"key '{key}'" in str(caught.value), description


def test_several_columns_and_parts_reach_the_records(tmp_path):
    run = febrl_run(tmp_path, febrl_rows(3))
    ingest(run)
    got = records(run, "SELECT record_id, forename, middle_names, address, dob FROM records ORDER BY source_row")
    assert [row[1:] for row in got] == [
        ("AMY", "LEE", "1 HIGH STREET FLAT 2 NEWTOWN", pd.Timestamp("1950-01-01").date()),
        ("BEN", None, "2 HIGH STREET NEWTOWN", pd.Timestamp("1951-02-02").date()),
        ("CARA", "LEE", "3 HIGH STREET NEWTOWN", pd.Timestamp("1952-03-03").date()),
    ]


@pytest.mark.parametrize("file", ["febrl.csv", "febrl.parquet"])
def test_bad_date_parts_are_nulled_with_a_note_not_a_crash(tmp_path, file):
    """31 February, month 13 and a blank year from a CSV (text) or a parquet file (numbers)."""
    frame = febrl_rows(4)
    frame["by"] = frame["by"].astype("Int64")
    frame.loc[1, ["bm", "bd"]] = [2, 31]
    frame.loc[2, "bm"] = 13
    frame.loc[3, "by"] = pd.NA
    run = febrl_run(tmp_path, frame, file=file)
    report = ingest(run)
    assert report.sources[0].records == 4, "a bad date nulls the date, not the record"
    assert records(run, "SELECT dob IS NULL FROM records ORDER BY source_row") == [(False,), (True,), (True,), (True,)]
    assert records(run, "SELECT record_id, problem FROM dq_notes WHERE column_name = 'dob' ORDER BY record_id") == [
        (f"rec-{i}", "year, month and day are not a date") for i in (1, 2, 3)
    ]


def test_float_parts_from_parquet(tmp_path):
    """pandas writes a whole-number column with a gap as floats (1985.0): still read as a date."""
    frame = febrl_rows(2)
    frame["bd"] = [14.0, None]
    run = febrl_run(tmp_path, frame, file="febrl.parquet")
    ingest(run)
    assert records(run, "SELECT dob FROM records ORDER BY source_row") == [(pd.Timestamp("1950-01-14").date(),), (None,)]


def test_a_field_nulled_on_most_records_is_reported_loudly(tmp_path, caplog):
    """Every Australian postcode nulled as not a UK one: the report and the log name the source, key and count."""
    run = febrl_run(tmp_path, febrl_rows(150, postcode="2615"))
    report = ingest(run)
    line = "person.postcode: 150 of 150 values were not UK postcodes and were nulled"
    assert report.sources[0].mostly_nulled == (line,)
    assert f"source febrl: {line}" in caplog.text
    assert "2615" not in caplog.text, "the warning never shows a value"


NULLED_SHARE_CASES = [
    # (description, rows, rows with a bad postcode, extract_checks, warned)
    ("half nulled is not 'most'", 200, 100, {}, False),
    ("just over half nulled", 200, 101, {}, True),
    ("a lower threshold from the run config", 200, 40, {"max_nulled_share": 0.1}, True),
    ("too few values to judge", 50, 50, {}, False),
    ("too few values, with the minimum lowered", 50, 50, {"min_rows_for_share": 10}, True),
]


@pytest.mark.parametrize(("description", "count", "bad", "checks", "warned"), NULLED_SHARE_CASES, ids=[c[0] for c in NULLED_SHARE_CASES])
def test_nulled_share_threshold(tmp_path, description, count, bad, checks, warned):
    frame = febrl_rows(count)
    frame.loc[: bad - 1, "postcode"] = "2615"
    run = febrl_run(tmp_path, frame)
    run = run.model_copy(update={"extract_checks": run.extract_checks.model_copy(update=checks)})
    report = ingest(run)
    assert bool(report.sources[0].mostly_nulled) == warned, description
    if warned:
        assert report.sources[0].mostly_nulled[0].startswith(f"person.postcode: {bad:,} of {count:,} values"), description


def test_no_loud_warning_on_the_synthetic_extracts(tmp_path):
    """The generated three-agency data has the odd bad value, never a field that is mostly lost."""
    from synth import generate_extracts

    generate_extracts(people=1500, seed=11, out_dir=tmp_path / "extracts")
    run = load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "mash.duckdb", extracts_dir=tmp_path / "extracts")
    report = ingest(run)
    assert all(s.records >= 100 for s in report.sources), "big enough to be judged"
    assert {s.source: s.mostly_nulled for s in report.sources} == {s.source: () for s in report.sources}


def test_mash_run_and_runs_say_it_loudly(tmp_path, capsys):
    """The command a user runs prints the line, and the run history keeps it; the values never appear."""
    from linkage.cli import main
    from synth import generate_extracts

    extracts = tmp_path / "extracts"
    generate_extracts(people=1500, seed=11, out_dir=extracts)
    social_care = pd.read_csv(extracts / "social_care.csv", dtype=str, keep_default_na=False)
    social_care["Postcode"] = [str(2000 + i % 6000) for i in range(len(social_care))]  # 4-digit, as in Australia
    social_care.to_csv(extracts / "social_care.csv", index=False)
    args = ["--config", str(REPO / "configs" / "run.yaml"), "--store", str(tmp_path / "mash.duckdb"), "--extracts", str(extracts)]
    line = f"social_care: person.postcode: {len(social_care):,} of {len(social_care):,} values were not UK postcodes and were nulled"

    assert main(["ingest", *args]) == 0
    assert line in capsys.readouterr().out.replace("\n", " ")
    assert main(["run", *args]) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert line in out
    assert "police: person" not in out and "health: person" not in out, "only the broken field is named"
    assert main(["runs", *args]) == 0
    assert line.removeprefix("social_care: ") in capsys.readouterr().out.replace("\n", " ")
