"""Cells as an analyst reads them: dates dd/mm/yyyy, yes or no, words for codes, blank where nothing was recorded.

A table shown to an analyst holds text, so what the screen shows, what a screen
reader reads and what a test checks are the same: never "None", "nan" or "NaT",
never an ISO date beside a dd/mm/yyyy one. Tables are ordered by date before they
are made readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def present(value) -> bool:
    """Whether a cell holds something (not None, NaN, NaT or pandas' NA)."""
    if value is None:
        return False
    return not pd.api.types.is_scalar(value) or not pd.isna(value)


def text(value) -> str:
    """The value as text; blank when nothing was recorded, and a date held as ISO text (a DOB) as dd/mm/yyyy."""
    if isinstance(value, date):
        return day(value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return day(value)
    return str(value) if present(value) else ""


def words(value) -> str:
    """A code as words (``household_member`` -> ``household member``); blank when absent."""
    return text(value).replace("_", " ")


def yes_no(value) -> str:
    """``yes`` / ``no`` for a recorded marker, blank when no agency recorded it."""
    return ("yes" if bool(value) else "no") if present(value) else ""


def day(value) -> str:
    """A date as dd/mm/yyyy (blank when absent); ISO text is read as a date."""
    return f"{pd.Timestamp(value):%d/%m/%Y}" if present(value) and value != "" else ""


def moment(value) -> str:
    """A date and time as dd/mm/yyyy HH:MM (blank when absent)."""
    return f"{pd.Timestamp(value):%d/%m/%Y %H:%M}" if present(value) and value != "" else ""


def readable(
    frame: pd.DataFrame,
    *,
    days: Iterable[str] = (),
    moments: Iterable[str] = (),
    markers: Iterable[str] = (),
    codes: Iterable[str] = (),
    numbers: Mapping[str, str] | None = None,
    keep: Iterable[str] = (),
) -> pd.DataFrame:
    """Every cell of a frame as text an analyst reads.

    Args:
        frame: The rows, already in the order to show.
        days: Date columns, shown dd/mm/yyyy.
        moments: Timestamp columns, shown dd/mm/yyyy HH:MM.
        markers: Yes/no columns (``yes``, ``no``, blank when not recorded).
        codes: Code columns, underscores read as spaces.
        numbers: Column to format string (``"{:.3f}"``), blank when absent.
        keep: Columns left as they are (lists for a list column, booleans for a checkbox).

    Returns:
        A copy in which every other column is text with blanks for nothing recorded.
    """
    out = frame.copy()
    formats = {
        **{c: day for c in days},
        **{c: moment for c in moments},
        **{c: yes_no for c in markers},
        **{c: words for c in codes},
        **{c: (lambda v, f=f: f.format(v) if present(v) else "") for c, f in (numbers or {}).items()},
    }
    kept = set(keep)
    for column in out.columns:
        if column not in kept:
            out[column] = [formats.get(column, text)(v) for v in out[column]]
    return out
