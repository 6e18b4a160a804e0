"""Date steps: dates from year, month and day; null placeholder and impossible dates of birth."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from linkage.pipeline import Step
from linkage.standardise.notes import append_notes

#: The parts of a date read from three columns, in order, with the range each must fall in.
DATE_PARTS = ("year", "month", "day")
_PART_RANGES = {"year": (1, 9999, 4), "month": (1, 12, 2), "day": (1, 31, 2)}

#: The format parts are put together in, and the parameter that binds it.
PARTS_FORMAT = "%Y-%m-%d"
PARTS_FORMAT_PARAM = "date_parts_format"


def date_from_parts(year: str, month: str, day: str) -> str:
    """SQL for the date whose year, month and day are in three text columns; null if they are not a date.

    Each part must be a whole number (``1985``, ``02``, ``2.0`` as parquet floats arrive)
    within its range; together they must make a calendar date, so 31 February and
    month 13 give null, as does a blank part. Binds ``$date_parts_format``.

    Args:
        year: Column holding the year text.
        month: Column holding the month text.
        day: Column holding the day text.
    """
    texts = []
    for column, part in zip((year, month, day), DATE_PARTS, strict=True):
        low, high, width = _PART_RANGES[part]
        number = f"TRY_CAST({column} AS DOUBLE)"
        whole = f"({number} = floor({number}) AND {number} BETWEEN {low} AND {high})"
        texts.append(f"CASE WHEN {whole} THEN lpad(CAST(TRY_CAST({number} AS BIGINT) AS VARCHAR), {width}, '0') END")
    iso = " || '-' || ".join(texts)
    return f"CAST(try_strptime({iso}, ${PARTS_FORMAT_PARAM}) AS DATE)"


def null_bad_dobs(placeholders: Sequence[date], earliest: date) -> Step:
    """Null default DOBs (01/01/1900) and impossible ones (too early, future, after the event)."""
    placeholder = "coalesce(dob = ANY($placeholder_dobs), false)"
    impossible = f"(NOT {placeholder} AND (dob < $earliest_dob OR dob > current_date OR dob > event_date))"
    return Step(
        name="null_bad_dobs",
        purpose="Null placeholder dates of birth and impossible ones (before the earliest, future, after the event).",
        sql=(
            f"SELECT * REPLACE (CASE WHEN {placeholder} OR coalesce({impossible}, false) THEN NULL ELSE dob END AS dob, "
            + append_notes(
                (placeholder, "dob", "placeholder date"),
                (f"coalesce({impossible}, false)", "dob", "impossible date"),
            )
            + ") FROM {input}"
        ),
        params={"placeholder_dobs": list(placeholders), "earliest_dob": earliest},
    )


def event_date_notes() -> Step:
    """Note event dates in the future (a keying error or a wrong format)."""
    return Step(
        name="event_date_notes",
        purpose="Note event dates later than today.",
        sql=(
            "SELECT * REPLACE ("
            + append_notes(("coalesce(event_date > current_date, false)", "event_date", "in the future"))
            + ") FROM {input}"
        ),
    )
