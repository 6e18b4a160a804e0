"""How one canonical field is read from a source extract."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NameOrder(StrEnum):
    """How a single full-name column is laid out."""

    SURNAME_COMMA_FORENAMES = "surname_comma_forenames"  # "SMITH, Robert James"
    FORENAMES_SURNAME = "forenames_surname"  # "Robert James Smith"
    SURNAME_FORENAMES = "surname_forenames"  # "SMITH Robert James"


class FieldMap(BaseModel):
    """Where a canonical field comes from, and how its values are read.

    In YAML a bare string is shorthand for ``{column: <string>}``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str | None = Field(
        default=None, description="Column of the extract that holds this field."
    )
    value: str | None = Field(
        default=None,
        description="A constant used for every row instead of a column (e.g. role: patient).",
    )
    format: list[str] | None = Field(
        default=None,
        description="Date fields: strptime format(s) tried in order, e.g. '%d/%m/%Y'.",
    )
    values: dict[str, str | None] | None = Field(
        default=None,
        description=(
            "Map of extract values (trimmed, case-insensitive) onto canonical values; "
            "null marks a known 'not recorded' value; any other unmapped value is "
            "nulled with a data-quality note."
        ),
    )
    pattern: str | None = Field(
        default=None,
        description="Marker fields: a regular expression; the marker is true where it matches.",
    )
    order: NameOrder | None = Field(
        default=None, description="Full-name field only: how the name is laid out."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"column": data}
        if isinstance(data, dict) and isinstance(data.get("format"), str):
            return {**data, "format": [data["format"]]}
        return data

    @model_validator(mode="after")
    def _check(self) -> FieldMap:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of 'column' or 'value'")
        if self.pattern is not None and self.values is not None:
            raise ValueError("give 'pattern' or 'values', not both")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"'pattern' is not a valid regular expression: {exc}") from exc
        if self.values is not None:
            keys = [k.strip().upper() for k in self.values]
            if len(set(keys)) != len(keys):
                raise ValueError("'values' has keys that differ only in case or spaces")
        return self

    def lookup(self) -> tuple[list[str], list[str | None]]:
        """Return the value map as two parallel lists, keys upper-cased and trimmed."""
        items = (self.values or {}).items()
        return [k.strip().upper() for k, _ in items], [v for _, v in items]
