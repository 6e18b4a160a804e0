"""The dates rules measure from as_of: each window's start, its end (as_of), and the day an adult was born by.

Every rule that compares a date with as_of takes that date from here, so this module
alone says which dates a move of as_of can carry across a rule's edge. An incremental
run asks :func:`dates_crossed` and :func:`births_crossed` which records and people to
re-check when the data's latest date moves; a window used by a rule but missing here
raises a ``KeyError`` in the rule, never a silently stale flag. Rules count a date
in a window when it is on or after :func:`window_start` and on or before as_of (a
record dated after as_of counts nowhere), and treat a person as a child when born
after :func:`adult_born_by`; the crossings below are exact for those tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import Literal

import networkx as nx

from graph.config import FlagRules

__all__ = [
    "ADULT_AGE",
    "WINDOWS",
    "Window",
    "adult_born_by",
    "as_of",
    "births_crossed",
    "dates_crossed",
    "window_start",
    "years_before",
]

#: Age at as_of from which a person is an adult.
ADULT_AGE = 18


@dataclass(frozen=True)
class Window:
    """A look-back window whose length is one ``FlagRules`` setting (a dotted path for one in a block)."""

    setting: str
    unit: Literal["years", "days"]


#: Every window a rule measures back from as_of, by the setting holding its length.
WINDOWS: dict[str, Window] = {
    w.setting: w
    for w in (
        Window("serial_window_years", "years"),
        Window("lookback_years", "years"),
        Window("toxic_trio_window_years", "years"),
        Window("escalation_window_days", "days"),
        Window("marac_lookback_days", "days"),
        Window("joins_lookback_days", "days"),
        Window("specss_window_days", "days"),
        Window("specss_escalation_days", "days"),
        Window("dangerous_place_window_years", "years"),
        # A setting in a block of its own is named by its dotted path.
        Window("child_at_da_incident.window_days", "days"),
        Window("unseen_men.window_years", "years"),
    )
}


def as_of(graph: nx.MultiDiGraph, rules: FlagRules) -> date:
    """The date flags are computed at: the config's, else the latest event in the data."""
    return rules.as_of or graph.graph["data_as_of"]


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def window_start(rules: FlagRules, setting: str, end: date) -> date:
    """The first day of the window ``setting`` ending at ``end`` (dates on or after it count).

    Raises:
        KeyError: ``setting`` is not a declared window.
    """
    window = WINDOWS[setting]
    length = attrgetter(setting)(rules)
    return years_before(end, length) if window.unit == "years" else end - timedelta(days=length)


def adult_born_by(end: date) -> date:
    """People born on or before this day are adults at ``end``; a later DOB is a child's."""
    return years_before(end, ADULT_AGE)


def dates_crossed(rules: FlagRules, before: date, after: date) -> list[tuple[date, date]]:
    """The dates a move of as_of carries across a window's edge: each start (in :data:`WINDOWS` order), then the end.

    Every window ends at as_of (a date after it counts in none), so the last range is
    the dates after the earlier as_of and on or before the later one: a record dated
    there counts at the later date and not at the earlier (as_of set before the newest
    record, moved, set or unset). A record dated inside a start's range counts in
    that window at one date and not the other. No other date changes side. Ranges
    include both ends; an edge that does not move gives an empty range (``lo > hi``).
    """
    lo, hi = sorted((before, after))
    day = timedelta(days=1)
    return [*((window_start(rules, s, lo), window_start(rules, s, hi) - day) for s in WINDOWS), (lo + day, hi)]


def births_crossed(before: date, after: date) -> tuple[date, date]:
    """Dates of birth (both ends included) of people who are a child at one date and an adult at the other."""
    lo, hi = sorted((before, after))
    return adult_born_by(lo) + timedelta(days=1), adult_born_by(hi)
