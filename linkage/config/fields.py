"""How one canonical field is read from a source extract."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NameOrder(StrEnum):
    """How a single full-name column is laid out."""

    SURNAME_COMMA_FORENAMES = "surname_comma_forenames"  # "SMITH, Robert James"
    FORENAMES_SURNAME = "forenames_surname"  # "Robert James Smith"
    SURNAME_FORENAMES = "surname_forenames"  # "SMITH Robert James"


class DateParts(BaseModel):
    """A date kept in three columns of the extract: year, month and day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: str = Field(description="Column holding the year, four digits (1985).")
    month: str = Field(description="Column holding the month number, 1 to 12.")
    day: str = Field(description="Column holding the day of the month, 1 to 31.")


class FieldMap(BaseModel):
    """Where a canonical field comes from, and how its values are read.

    In YAML a bare string is shorthand for ``{column: <string>}``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str | None = Field(
        default=None, description="Column of the extract that holds this field."
    )
    columns: list[str] | None = Field(
        default=None,
        min_length=1,
        description=(
            "Text fields: several columns read as one value, joined in this order with single "
            "spaces, blank cells skipped (null when every cell is blank), e.g. an address from "
            "number, street, locality and town."
        ),
    )
    parts: DateParts | None = Field(
        default=None,
        description=(
            "Date fields: the date from year, month and day columns (numbers or text); a "
            "combination that is not a date is nulled with a data-quality note."
        ),
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
    scheme: Literal["uk", "any"] | None = Field(
        default=None,
        description="Postcode field only: 'uk' (the default) keeps valid UK postcodes and nulls the rest; 'any' keeps "
        "any postal code of 3 to 10 letters and digits (upper-cased, punctuation and spaces removed), for data "
        "from other countries.",
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
        given = [k for k in ("column", "columns", "value", "parts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'column', 'columns', 'value' or 'parts'")
        if self.columns is not None:
            repeated = sorted({c for c in self.columns if self.columns.count(c) > 1})
            if repeated:
                raise ValueError(f"'columns' names a column more than once: {repeated}")
            if self.values is not None:
                raise ValueError("'values' maps one column's codes; it cannot be used with 'columns'")
            if self.format is not None:
                raise ValueError("a date from several columns takes 'parts' (year, month, day), not 'columns'")
        if self.parts is not None and (self.format, self.values, self.pattern, self.order) != (None,) * 4:
            raise ValueError("'parts' takes no 'format', 'values', 'pattern' or 'order'")
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

    def source_columns(self) -> dict[str, str]:
        """Every extract column this field reads, keyed by its YAML key below the field.

        Returns:
            ``{"": column}`` for one column, ``{"columns.0": ..., "columns.1": ...}`` for
            several, ``{"parts.year": ..., ...}`` for a date in parts, and nothing for a constant.
        """
        if self.column is not None:
            return {"": self.column}
        if self.columns is not None:
            return {f"columns.{i}": c for i, c in enumerate(self.columns)}
        if self.parts is not None:
            return {f"parts.{k}": getattr(self.parts, k) for k in ("year", "month", "day")}
        return {}

    def lookup(self) -> tuple[list[str], list[str | None]]:
        """Return the value map as two parallel lists, keys upper-cased and trimmed."""
        items = (self.values or {}).items()
        return [k.strip().upper() for k, _ in items], [v for _, v in items]
