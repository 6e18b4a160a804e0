"""One local Spark session per test run, and a generated set standardised by both engines."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

# pyspark is an optional extra ('mash-link[spark]'; `make test` installs it): without it these tests skip.
pytest.importorskip("pyspark")

from linkage.config import RunConfig, load_run_config
from linkage.ingest.run import IngestReport, ingest
from linkage.standardise.identifiers import PNC_ALPHABET
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[3]


def pnc(year: str, serial: str, right: bool = True) -> str:
    """A PNC ID with its check letter right, or deliberately wrong."""
    letter = PNC_ALPHABET[int(year + serial.zfill(7)) % 23]
    if not right:
        letter = PNC_ALPHABET[(PNC_ALPHABET.index(letter) + 1) % 23]
    return f"{year}/{serial}{letter}"


#: Police rows (Name is 'SURNAME, Forenames'): apostrophes, accents, nicknames, placeholders, bad check letters.
POLICE_HARD = [
    {"PersonRecordRef": "HARD-P1", "Name": "O'BRIEN, Siobhán", "DOB": "01/01/1900", "Sex": "F", "PNCID": pnc("12", "345678"), "Postcode": "sw1a1aa", "Phone": "+44 (0)7700 900123"},
    {"PersonRecordRef": "HARD-P2", "Name": "Mc Donald, Bob", "DOB": "1/2/1985", "Sex": "X", "PNCID": pnc("99", "12", right=False), "Postcode": "ZZ99 3VZ", "Phone": "0044 20 7946 0018"},
    {"PersonRecordRef": "HARD-P3", "Name": "D’Arcy-Smith, Dr. Zoë", "DOB": "31/02/1990", "Sex": "U", "PNCID": "2001/0012345", "Postcode": "NOT A POSTCODE", "Phone": "12"},
    {"PersonRecordRef": "HARD-P4", "Name": "UNKNOWN, Baby", "DOB": "12/03/2999", "PNCID": "bad", "Postcode": " M1  1AE "},
    {"PersonRecordRef": "HARD-P4", "Name": "Petrov, Дмитрий", "DOB": "15/06/1970"},
    {"PersonRecordRef": "", "Name": "Nobody, Ann", "DOB": "02/02/2002"},
    {"PersonRecordRef": "HARD-P5", "Name": "---", "PersonRole": "BYSTANDER", "DASHRisk": "SEVERE", "DAFlag": "maybe"},
    {"PersonRecordRef": "HARD-P6", "Name": "Cher", "DOB": "02/02/1890", "OccurrenceDate": "01/01/2999"},
]

#: Social care rows: nicknames, titles, twins, NHS numbers with bad check digits and placeholders.
SOCIAL_CARE_HARD = [
    {"ClientID": "HARD-S1", "Forenames": "Mr Bill", "Surname": "O'Neill", "DateOfBirth": "1970-01-01", "Gender": "Male", "NHSNumber": "5413285435", "Postcode": "EP1 2XF"},
    {"ClientID": "HARD-S2", "Forenames": "Twin 1", "Surname": "Nuñez", "DateOfBirth": "2020-13-01", "Gender": "Female", "NHSNumber": "0000000000", "Role": "Neighbour"},
    {"ClientID": "HARD-S3", "Forenames": "Lizzie-May", "Surname": "Mac Intyre", "DateOfBirth": "2015-05-05", "Gender": "Unknown", "NHSNumber": "541 328 5434", "PlanType": "Child Protection"},
    {"ClientID": "HARD-S4", "Forenames": "", "Surname": "", "DateOfBirth": "", "NHSNumber": "12345"},
]

#: Health rows (Parquet): accents, apostrophes, placeholder dates, odd services.
HEALTH_HARD = [
    {"PatientRecordID": "HARD-H1", "GivenName": "Renée", "FamilyName": "O'Connor", "BirthDate": "19000101", "Sex": "2", "NHSNumber": "5413285434", "Postcode": "ev10jq", "AttendanceDate": "10-jan-2018", "Service": "MATERNITY"},
    {"PatientRecordID": "HARD-H2", "GivenName": "Unknown", "FamilyName": "Unknown", "BirthDate": "1990", "Sex": "7", "NHSNumber": "1111111111", "AttendanceDate": "31-Feb-2019"},
    {"PatientRecordID": "HARD-H2", "GivenName": "Ted", "FamilyName": "Brontë", "BirthDate": "19800229", "Sex": "1", "PresentingComplaint": "Partner assault"},
]


def _append_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerows(rows)


def _append_parquet(path: Path, rows: list[dict[str, str]]) -> None:
    table = pq.read_table(path)
    extra = pa.Table.from_pylist([{name: row.get(name) for name in table.column_names} for row in rows], schema=table.schema)
    pq.write_table(pa.concat_tables([table, extra]), path)


@dataclass(frozen=True)
class BothEngines:
    """A generated set with hard cases, standardised by DuckDB (ingest check file) and by Spark (Parquet)."""

    run: RunConfig
    duckdb: IngestReport
    spark: dict[str, Path]


@pytest.fixture(scope="session")
def spark(tmp_path_factory) -> Iterator:
    from linkage.spark import local_session

    session = local_session(tmp_path_factory.mktemp("spark"))
    yield session
    session.stop()


@pytest.fixture(scope="session")
def both_engines(spark, tmp_path_factory) -> BothEngines:
    from linkage.spark import prepare_session, standardise_on_spark

    root = tmp_path_factory.mktemp("both_engines")
    extracts = root / "extracts"
    # Seed 29: with generator 1.1.0 this set has every clustering outcome (ambiguous records, both
    # soft and hard refusals) and raises two flag codes; the tests check both.
    generate_extracts(people=1200, seed=29, out_dir=extracts)
    _append_csv(extracts / "police.csv", POLICE_HARD)
    _append_csv(extracts / "social_care.csv", SOCIAL_CARE_HARD)
    _append_parquet(extracts / "health.parquet", HEALTH_HARD)
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=extracts)
    report = ingest(run)
    prepare_session(spark, run.standardise.nicknames)
    return BothEngines(run=run, duckdb=report, spark=standardise_on_spark(spark, run, root / "spark_out"))


@pytest.fixture(scope="session")
def spark_api(spark, tmp_path_factory):
    """Splink's SparkAPI on the shared session, with DuckDB's Jaro-Winkler."""
    from linkage.spark import splink_api

    return splink_api(spark, tmp_path_factory.mktemp("checkpoints"))
