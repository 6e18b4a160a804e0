"""Source configs: how one agency extract maps onto canonical records."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    dob: FieldMap | None = Field(default=None, description="Date of birth; needs 'format'.")
    sex: FieldMap | None = Field(
        default=None, description="Sex; 'values' maps codes onto male / female / null."
    )
    nhs_number: FieldMap | None = Field(default=None, description="NHS number (10 digits).")
    pnc_id: FieldMap | None = Field(default=None, description="Police National Computer ID.")
    postcode: FieldMap | None = Field(default=None, description="UK postcode.")
    address: FieldMap | None = Field(default=None, description="Address text.")
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
        if self.dob is not None and self.dob.column is not None and not self.dob.format:
            raise ValueError("'dob' needs 'format'")
        _check_targets("sex", self.sex, {s.value for s in Sex})
        return self


class EventFields(BaseModel):
    """Canonical event fields: what happened, when, and this person's part in it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: FieldMap | None = Field(default=None, description="Event reference shared by everyone on it.")
    date: FieldMap | None = Field(default=None, description="Event date; needs 'format'.")
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
        if self.date is not None and self.date.column is not None and not self.date.format:
            raise ValueError("'date' needs 'format'")
        _check_targets("role", self.role, {r.value for r in Role})
        _check_targets("dash_risk", self.dash_risk, {d.value for d in DashRisk})
        _check_targets("plan_type", self.plan_type, {p.value for p in PlanType})
        for marker in MARKER_FIELDS:
            _check_targets(marker, getattr(self, marker), {"true", "false"})
        return self


#: Event fields that hold a true/false marker.
MARKER_FIELDS = ("domestic_abuse", "mental_health", "substance_misuse", "pregnancy")


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
    record_id: FieldMap = Field(description="Column that identifies a row uniquely in this extract.")
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

    @model_validator(mode="after")
    def _check(self) -> SourceConfig:
        if self.record_id.column is None:
            raise ValueError("'record_id' must name a column")
        return self

    def mapped_columns(self) -> dict[str, str]:
        """Every extract column this config reads, keyed by its dotted YAML key."""
        columns = {"record_id": self.record_id.column or ""}
        for section_name in ("person", "event"):
            section = getattr(self, section_name)
            for key in type(section).model_fields:
                field = getattr(section, key)
                if isinstance(field, dict):
                    columns.update({f"{section_name}.{key}.{n}": f.column for n, f in field.items() if f.column is not None})
                elif field is not None and field.column is not None:
                    columns[f"{section_name}.{key}"] = field.column
        return columns
