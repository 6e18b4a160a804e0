"""Date-of-birth steps: null placeholder defaults and impossible dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from linkage.pipeline import Step
from linkage.standardise.notes import append_notes


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
