"""Source configs: how one agency extract maps onto canonical records."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from linkage.codes import Agency, DashRisk, PlanType, Role, Sex
from linkage.config.fields import FieldMap


class PersonFields(BaseModel):
    """Canonical person fields. Give forenames and surname, or full_name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    forenames: FieldMap | None = Field(default=None, description="Forename(s), middle names included.")
    surname: FieldMap | None = Field(default=None, description="Surname / family name.")
    full_name: FieldMap | None = Field(
        default=None, description="One column holding the whole name; needs 'order'."
    )
    dob: FieldMap | None = Field(
        default=None, description="Date of birth: a 'column' with its 'format', or 'parts' (year, month, day columns)."
    )
    sex: FieldMap | None = Field(
        default=None, description="Sex; 'values' maps codes onto male / female / null."
    )
    nhs_number: FieldMap | None = Field(default=None, description="NHS number (10 digits).")
    pnc_id: FieldMap | None = Field(default=None, description="Police National Computer ID.")
    postcode: FieldMap | None = Field(default=None, description="UK postcode.")
    address: FieldMap | None = Field(
        default=None, description="Address text; 'columns' joins several (number, street, locality, town)."
    )
    phone: FieldMap | None = Field(default=None, description="Telephone number.")
    identifiers: dict[str, FieldMap] = Field(
        default_factory=dict,
        description="Identifiers declared in the model config's 'identifiers', by name: the column (or FieldMap) "
        "holding each.",
    )

    @model_validator(mode="after")
    def _check(self) -> PersonFields:
        has_parts = self.forenames is not None or self.surname is not None
        if self.full_name is not None and has_parts:
            raise ValueError("give 'full_name' or 'forenames'/'surname', not both")
        if self.full_name is None and (self.forenames is None or self.surname is None):
            raise ValueError("give both 'forenames' and 'surname', or 'full_name'")
        if self.full_name is not None and self.full_name.order is None:
            raise ValueError("'full_name' needs 'order'")
        _check_targets("sex", self.sex, {s.value for s in Sex})
        _scheme_on_postcode_only(self, allowed=("postcode",))
        return self

    @field_validator("dob")
    @classmethod
    def _date(cls, field: FieldMap | None, info: ValidationInfo) -> FieldMap | None:
        return _check_date(info.field_name, field)

    @field_validator("sex")
    @classmethod
    def _code(cls, field: FieldMap | None, info: ValidationInfo) -> FieldMap | None:
        return _check_one_column(info.field_name, field)

    @field_validator("forenames", "surname", "full_name", "nhs_number", "pnc_id", "postcode", "address", "phone")
    @classmethod
    def _text(cls, field: FieldMap | None, info: ValidationInfo) -> FieldMap | None:
        return _check_not_parts(info.field_name, field)


class EventFields(BaseModel):
    """Canonical event fields: what happened, when, and this person's part in it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: FieldMap | None = Field(default=None, description="Event reference shared by everyone on it.")
    date: FieldMap | None = Field(
        default=None, description="Event date: a 'column' with its 'format', or 'parts' (year, month, day columns)."
    )
    event_type: FieldMap | None = Field(default=None, description="Offence category, referral or attendance type.")
    domestic_abuse: FieldMap | None = Field(
        default=None, description="Domestic-abuse marker: 'values' onto true/false, or a 'pattern'."
    )
    role: FieldMap | None = Field(default=None, description="The person's role; 'values' onto role codes.")
    dash_risk: FieldMap | None = Field(default=None, description="DASH outcome; 'values' onto standard/medium/high.")
    plan_type: FieldMap | None = Field(default=None, description="Social care plan; 'values' onto cp_plan/cin/early_help.")
    category: FieldMap | None = Field(default=None, description="Abuse category (neglect, emotional, physical, sexual).")
    service: FieldMap | None = Field(default=None, description="Health service (ED, maternity, ...).")
    complaint: FieldMap | None = Field(default=None, description="Presenting complaint or free-text reason.")
    mental_health: FieldMap | None = Field(default=None, description="Mental-health involvement marker.")
    substance_misuse: FieldMap | None = Field(default=None, description="Substance-misuse involvement marker.")
    pregnancy: FieldMap | None = Field(default=None, description="Pregnancy / maternity marker.")

    @model_validator(mode="after")
    def _check(self) -> EventFields:
        _check_targets("role", self.role, {r.value for r in Role})
        _check_targets("dash_risk", self.dash_risk, {d.value for d in DashRisk})
        _check_targets("plan_type", self.plan_type, {p.value for p in PlanType})
        for marker in MARKER_FIELDS:
            _check_targets(marker, getattr(self, marker), {"true", "false"})
        _scheme_on_postcode_only(self)
        return self

    @field_validator("date")
    @classmethod
    def _date(cls, field: FieldMap | None, info: ValidationInfo) -> FieldMap | None:
        return _check_date(info.field_name, field)

    @field_validator("role", "dash_risk", "plan_type")
    @classmethod
    def _code(cls, field: FieldMap | None, info: ValidationInfo) -> FieldMap | None:
        return _check_one_column(info.field_name, field)

    @field_validator("domestic_abuse", "mental_health", "substance_misuse", "pregnancy")
    @classmethod
    def _marker(cls, field: FieldMap | None, info: ValidationInfo) -> FieldMap | None:
        if field is not None and field.columns is not None and field.pattern is None:
            raise ValueError(
                f"'{info.field_name}' from several columns needs a 'pattern' to look for in their joined text"
            )
        return _check_not_parts(info.field_name, field)

    @field_validator("event_id", "event_type", "category", "service", "complaint")
    @classmethod
    def _text(cls, field: FieldMap | None, info: ValidationInfo) -> FieldMap | None:
        return _check_not_parts(info.field_name, field)


#: Event fields that hold a true/false marker.
MARKER_FIELDS = ("domestic_abuse", "mental_health", "substance_misuse", "pregnancy")


def _check_date(key: str | None, field: FieldMap | None) -> FieldMap | None:
    """A date is one column with its format, year/month/day parts, or a constant."""
    if field is None:
        return None
    if field.columns is not None:
        raise ValueError(
            f"'{key}' is a date: give one 'column' with its 'format', or 'parts' with year, month and day columns, "
            "not 'columns'"
        )
    if field.column is not None and not field.format:
        raise ValueError(f"'{key}' needs 'format'")
    return field


def _check_one_column(key: str | None, field: FieldMap | None) -> FieldMap | None:
    """A coded field maps one column's codes: neither several columns nor date parts."""
    if field is not None and (field.columns is not None or field.parts is not None):
        raise ValueError(f"'{key}' maps the codes of one 'column'; 'columns' and 'parts' do not apply")
    return field


def _check_not_parts(key: str | None, field: FieldMap | None) -> FieldMap | None:
    if field is not None and field.parts is not None:
        raise ValueError(f"'parts' (year, month, day) is for dates (person.dob, event.date), not '{key}'")
    return field


def _check_targets(key: str, field: FieldMap | None, allowed: set[str]) -> None:
    if field is None:
        return
    targets = [v for v in (field.values or {}).values() if v is not None]
    if field.value is not None:
        targets.append(field.value)
    for target in targets:
        if target.lower() not in allowed:
            raise ValueError(
                f"'{key}' maps onto '{target}', which is not one of {sorted(allowed)}"
            )


class SourceConfig(BaseModel):
    """One agency extract and how to read it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Short source name, lower case (police, social_care, health).",
    )
    agency: Agency = Field(description="The agency that owns the records.")
    file: Path = Field(description="Extract file, relative to the extracts directory.")
    format: Literal["csv", "parquet"] | None = Field(
        default=None, description="csv or parquet; by default taken from the file suffix."
    )
    encoding: Literal["utf-8", "utf-16", "latin-1"] = Field(
        default="utf-8", description="Text encoding of a CSV extract."
    )
    delimiter: str = Field(default=",", min_length=1, max_length=1, description="CSV delimiter.")
    quote: str = Field(default='"', min_length=1, max_length=1, description="CSV quote character.")
    record_id: FieldMap = Field(description="One column that identifies a row uniquely in this extract.")
    person: PersonFields = Field(description="Person fields.")
    event: EventFields = Field(default_factory=EventFields, description="Event fields.")
    on_bad_extract: Literal["stop", "skip"] | None = Field(
        default=None, description="Overrides the run's 'extract_checks.on_bad_extract' for this source."
    )

    @property
    def file_format(self) -> str:
        """The extract format, from config or the file suffix."""
        if self.format:
            return self.format
        return "parquet" if self.file.suffix.lower() in {".parquet", ".pq"} else "csv"

    @field_validator("record_id")
    @classmethod
    def _record_id(cls, field: FieldMap) -> FieldMap:
        if field.column is None:
            raise ValueError("'record_id' must name one 'column' (not 'columns', 'parts' or a 'value')")
        return field

    def mapped_columns(self) -> dict[str, str]:
        """Every extract column this config reads, keyed by its dotted YAML key.

        A field of several columns gives one entry per column (``person.address.columns.0``,
        ``person.dob.parts.year``), so a missing column is named by its own key.
        """
        columns = {"record_id": self.record_id.column or ""}
        for section_name in ("person", "event"):
            section = getattr(self, section_name)
            for key in type(section).model_fields:
                field = getattr(section, key)
                if isinstance(field, dict):
                    for name, mapped in field.items():
                        for below, column in mapped.source_columns().items():
                            columns[".".join(filter(None, (section_name, key, name, below)))] = column
                    continue
                if field is None:
                    continue
                for below, column in field.source_columns().items():
                    columns[".".join(filter(None, (section_name, key, below)))] = column
        return columns


def _scheme_on_postcode_only(section: BaseModel, allowed: tuple[str, ...] = ()) -> None:
    """Refuse 'scheme' on any field but the postcode."""
    for name in type(section).model_fields:
        field = getattr(section, name)
        if isinstance(field, FieldMap) and field.scheme is not None and name not in allowed:
            raise ValueError(f"'{name}': 'scheme' applies to 'postcode' only")

