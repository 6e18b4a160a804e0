"""Each unreadable extract gives an error naming the file, the YAML key and the column."""

from __future__ import annotations

import pytest

from linkage.errors import ExtractError
from linkage.ingest import ingest
from linkage.store import layout
from tests.linkage.ingest.conftest import POLICE_HEADER, POLICE_ROWS


def break_police(run, content: bytes) -> None:
    (run.extracts_dir / "police.csv").write_bytes(content)


EXTRACT_ERRORS = [
    # (description, file content, key, column, row, words)
    ("empty file", b"", "file", None, None, "file is empty"),
    ("blank first line", b"\n\n", None, None, None, "expected a header row"),
    (
        "a mapped column renamed in the header",
        (POLICE_HEADER.replace("DOB", "DateOfBirth") + "\n" + POLICE_ROWS[0] + "\n").encode(),
        "person.dob", "DOB", None, "mapped column is not in the extract",
    ),
    (
        "a column repeated in the header",
        (POLICE_HEADER + ",Sex\n").encode(),
        None, "Sex", None, "more than once",
    ),
    (
        "an unmapped name repeated: given by its positions, since it may be a value",
        (POLICE_HEADER + ",WENDY,WENDY\n").encode(),
        None, None, 0, f"more than once in the header (columns {POLICE_HEADER.count(',') + 2}, {POLICE_HEADER.count(',') + 3})",
    ),
    (
        "latin-1 bytes in a utf-8 extract",
        (POLICE_HEADER + "\n" + POLICE_ROWS[5] + "\n" + POLICE_ROWS[0].replace("Robert", "Ren\xe9") + "\n").encode("latin-1"),
        "encoding", "Name", 2, "not valid utf-8",
    ),
    (
        "latin-1 header in a utf-8 extract",
        POLICE_HEADER.replace("Phone", "T\xe9l\xe9phone").encode("latin-1") + b"\n",
        "encoding", None, 0, "header is not valid utf-8",
    ),
]


@pytest.mark.parametrize(("description", "content", "key", "column", "row", "words"), EXTRACT_ERRORS, ids=[c[0] for c in EXTRACT_ERRORS])
def test_extract_errors_name_file_key_column(run, description, content, key, column, row, words):
    break_police(run, content)
    with pytest.raises(ExtractError) as caught:
        ingest(run)
    error = caught.value
    assert error.file.endswith("police.csv"), description
    assert (error.key, error.column, error.row) == (key, column, row), description
    assert words in str(error), description
    assert "police.csv" in str(error), "the message names the file"


def test_missing_extract(run):
    (run.extracts_dir / "social_care.csv").unlink()
    with pytest.raises(ExtractError, match="social_care.csv, source 'social_care', key 'file': file not found"):
        ingest(run)


def test_not_a_parquet_file(run):
    (run.extracts_dir / "health.parquet").write_text("AttendanceID\nA1\n")
    with pytest.raises(ExtractError, match="key 'format': is not a readable Parquet file"):
        ingest(run)


def test_parquet_missing_column_is_named(run):
    import pandas as pd

    from tests.linkage.ingest.conftest import HEALTH_ROWS

    pd.DataFrame({k: v for k, v in HEALTH_ROWS.items() if k != "BirthDate"}).to_parquet(run.extracts_dir / "health.parquet")
    with pytest.raises(ExtractError) as caught:
        ingest(run)
    assert (caught.value.key, caught.value.column) == ("person.dob", "BirthDate")


def test_latin1_extract_reads_when_configured(run, tmp_path):
    import yaml

    from linkage.config import load_run_config

    content = (POLICE_HEADER + "\n" + POLICE_ROWS[0].replace("Robert", "Ren\xe9") + "\n").encode("latin-1")
    break_police(run, content)
    config_dir = tmp_path / "configs"
    (config_dir / "sources").mkdir(parents=True)
    repo_configs = run.config_path.parent
    for name in ("police", "social_care", "health"):
        data = yaml.safe_load((repo_configs / "sources" / f"{name}.yaml").read_text())
        if name == "police":
            data["encoding"] = "latin-1"
        (config_dir / "sources" / f"{name}.yaml").write_text(yaml.safe_dump(data))
    for path in repo_configs.glob("*.yaml"):  # run.yaml and the files it names
        (config_dir / path.name).write_text(path.read_text())
    latin = load_run_config(config_dir / "run.yaml", store=run.store, extracts_dir=run.extracts_dir)
    report = ingest(latin)
    assert {s.source: s.records for s in report.sources}["police"] == 1
    import duckdb

    with duckdb.connect(str(layout(run.store).ingest_check), read_only=True) as con:
        assert con.execute("SELECT forename FROM records WHERE source = 'police'").fetchall() == [("RENE",)]
