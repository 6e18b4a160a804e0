"""Small hand-written extracts in the shipped source layouts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from linkage.config import RunConfig, load_run_config

REPO = Path(__file__).resolve().parents[3]

POLICE_HEADER = "OccurrenceRef,OccurrenceDate,OffenceCategory,DAFlag,DASHRisk,PersonRecordRef,PersonRole,Name,DOB,Sex,PNCID,Address,Postcode,Phone"
POLICE_ROWS = [
    'OCC-1,05/03/2021,Domestic Abuse - Assault,Y,HIGH,PN1,SUSPECT,"O\'BRIEN, Mr Robert James",01/02/1980,M,98/1234567M,"12 High St, Newtown",se15 4qr,+44 7700 900123',
    'OCC-1,05/03/2021,Domestic Abuse - Assault,Y,HIGH,PN2,VICTIM,"SMITH-JONES, Zoë",31/02/1985,F,,"12 High St, Newtown",ZZ99 3VZ,',
    'OCC-2,06/03/2021,Theft,N,,PN3,WITNESS,"UNKNOWN, BABY",,U,,,,',
    'OCC-2,06/03/2021,Theft,N,,PN3,WITNESS,"MC DONALD, Jim",01/01/1900,M,,,SW1A1AA,',
    "OCC-3,07/03/2021,Theft,N",
    'OCC-4,08/03/2021,Theft,N,,PN5,SUSPECT,"JONES, Bob",03/04/1975,M,,,M1 1AE,',
]
SOCIAL_CARE_CSV = (
    "EpisodeID,ReferralDate,ClientID,Role,PlanType,Category,Factors,Forenames,Surname,DateOfBirth,Gender,NHSNumber,Address,Postcode,ContactNumber\n"
    "EP1,2021-04-01,SC1,Child,CP Plan,Neglect,Domestic abuse; Parental mental health,Amy,Smith-Jones,2015-06-01,Female,9434765918,12 High St,SE15 4QR,\n"
    "EP1,2021-04-01,SC2,Parent,CP Plan,Neglect,Domestic abuse; Parental mental health,Zoe,Smith-Jones,1985-02-28,Female,943 476 5919,12 High St,SE15 4QR,\n"
)
HEALTH_ROWS = {
    "AttendanceID": ["A1", "A2"], "AttendanceDate": ["05-Mar-2021", "12-Apr-2021"], "PatientRecordID": ["H1", "H2"],
    "Service": ["Maternity", "ED"], "PresentingComplaint": ["Antenatal booking", "Assault by partner - facial injury"],
    "GivenName": ["Zoe", "Zoe"], "FamilyName": ["SMITH JONES", "SMITH-JONES"], "BirthDate": ["19850228", "19850228"],
    "Sex": ["2", "2"], "NHSNumber": ["9434765919", "9434765919"], "Postcode": ["SE15 4QR", "ZZ99 3VZ"],
    "AddressLine": ["12 High Street", ""],
}


def write_extracts(directory: Path, police_rows: list[str] | None = None) -> None:
    """Write the three small extracts into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = POLICE_ROWS if police_rows is None else police_rows
    (directory / "police.csv").write_text("\n".join([POLICE_HEADER, *rows]) + "\n", encoding="utf-8")
    (directory / "social_care.csv").write_text(SOCIAL_CARE_CSV, encoding="utf-8")
    pd.DataFrame(HEALTH_ROWS).to_parquet(directory / "health.parquet")


@pytest.fixture
def run(tmp_path: Path) -> RunConfig:
    """The shipped run config over fresh small extracts in a temporary directory."""
    extracts = tmp_path / "extracts"
    write_extracts(extracts)
    return load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "mash.duckdb", extracts_dir=extracts)
