"""Controlled vocabularies shared by Python and SQL.

Each enum here is also created as a DuckDB ``ENUM`` type in the store (see
:func:`create_enum_types`), so a value that Python and SQL both use is spelled
once, and SQL rejects a value the enum does not know.
"""

from __future__ import annotations

from enum import StrEnum

import duckdb

from graph.codes import FlagCode

#: A person's identity fields as ``records`` and ``persons`` hold them, in the order they are
#: shown: the golden view, the record lists, pair comparisons and the people export read them.
IDENTITY_FIELDS = ("forename", "middle_names", "surname", "dob", "sex", "nhs_number", "pnc_id", "postcode", "address", "phone")


class Agency(StrEnum):
    """The agency that owns a source extract."""

    POLICE = "police"
    SOCIAL_CARE = "social_care"
    HEALTH = "health"
    EDUCATION = "education"
    PROBATION = "probation"
    HOUSING = "housing"
    OTHER = "other"


class Role(StrEnum):
    """A person's role on an event, across agencies."""

    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    INVOLVED = "involved"
    CHILD = "child"
    PARENT = "parent"
    CARER = "carer"
    HOUSEHOLD_MEMBER = "household_member"
    PATIENT = "patient"


class Sex(StrEnum):
    """Recorded sex; anything else is stored as null."""

    MALE = "male"
    FEMALE = "female"


class DashRisk(StrEnum):
    """Outcome of the SafeLives DASH risk checklist."""

    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"


class PlanType(StrEnum):
    """Children's social care plan or service level."""

    CP_PLAN = "cp_plan"
    CIN = "cin"
    EARLY_HELP = "early_help"


#: Enum types created in the store, by SQL type name.
SQL_ENUMS: dict[str, type[StrEnum]] = {
    "agency_code": Agency,
    "role_code": Role,
    "sex_code": Sex,
    "dash_risk_code": DashRisk,
    "plan_type_code": PlanType,
    "flag_code": FlagCode,
}


def create_enum_types(con: duckdb.DuckDBPyConnection) -> None:
    """Create every enum in :data:`SQL_ENUMS` as a DuckDB type, or add the members a stored one lacks.

    A results file written before a member existed (a new flag code) keeps its type, so
    the type is replaced by one with every member: columns already written keep the
    type they were written with, and values cast from now on may be any member.

    Args:
        con: An open DuckDB connection.
    """
    existing = {
        row[0]
        for row in con.execute(
            "SELECT type_name FROM duckdb_types() WHERE logical_type = 'ENUM' AND database_name = current_database()"
        ).fetchall()
    }
    for type_name, enum in SQL_ENUMS.items():
        wanted = [member.value for member in enum]
        verb = "CREATE TYPE"
        if type_name in existing:
            ((have,),) = con.execute(f"SELECT enum_range(NULL::{type_name})").fetchall()
            missing = [m for m in wanted if m not in have]
            if not missing:
                continue
            # Members the code no longer has stay readable in the columns written with them.
            wanted = [*have, *missing]
            verb = "CREATE OR REPLACE TYPE"
        # ENUM members cannot be bound as parameters in DDL; they come from the
        # StrEnum above (code, not input), and are quoted as SQL literals.
        members = ", ".join(sql_literal(member) for member in wanted)
        con.execute(f"{verb} {type_name} AS ENUM ({members})")


def sql_literal(text: str) -> str:
    """Quote a code-defined string as a SQL literal (never use for input data)."""
    return "'" + text.replace("'", "''") + "'"
