"""Window starts, the dates a move of as_of carries across a window's start or end, and RFG(V) rescoring."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from graph import FlagRules
from graph.flags.perpetrator import repeat_perpetrator, rescore_repeat_perpetrator
from graph.flags.windows import WINDOWS, adult_born_by, births_crossed, dates_crossed, window_start

from .conftest import AS_OF, Frames, day

RULES = FlagRules()

START_CASES = [
    ("three calendar years", "serial_window_years", date(2026, 11, 1), date(2023, 11, 1)),
    ("two calendar years", "lookback_years", date(2026, 11, 1), date(2024, 11, 1)),
    ("29 February falls back to the 28th", "lookback_years", date(2028, 2, 29), date(2026, 2, 28)),
    ("365 days, not a calendar year, across a leap day", "marac_lookback_days", date(2028, 3, 1), date(2027, 3, 2)),
    ("a setting in a block: Encompass's 365 days", "child_at_da_incident.window_days", date(2026, 11, 1), date(2025, 11, 1)),
    ("a setting in a block: unseen men's three years", "unseen_men.window_years", date(2026, 11, 1), date(2023, 11, 1)),
]


@pytest.mark.parametrize(("desc", "setting", "end", "start"), START_CASES, ids=[c[0] for c in START_CASES])
def test_window_start(desc: str, setting: str, end: date, start: date) -> None:
    assert window_start(RULES, setting, end) == start, desc


def test_every_window_is_a_rules_setting_and_unknown_ones_fail() -> None:
    for setting in WINDOWS:
        # A dotted path names a setting in a block (child_at_da_incident.window_days).
        model: type = FlagRules
        *blocks, name = setting.split(".")
        for block in blocks:
            model = model.model_fields[block].annotation
        assert name in model.model_fields, setting
    with pytest.raises(KeyError):
        window_start(RULES, "repeat_victim_window_days", AS_OF)


MOVES = [
    ("one day forward", AS_OF, AS_OF + timedelta(days=1)),
    ("forty days forward", AS_OF, AS_OF + timedelta(days=40)),
    ("onto a leap day", date(2028, 2, 28), date(2028, 2, 29)),
    ("off a leap day", date(2028, 2, 29), date(2028, 3, 1)),
    ("back, as when the newest records are withdrawn", AS_OF, AS_OF - timedelta(days=9)),
]


def _in_window(setting: str, day: date, as_of: date) -> bool:
    """Whether a record dated ``day`` counts in the window ``setting`` ending at ``as_of``."""
    return window_start(RULES, setting, as_of) <= day <= as_of


@pytest.mark.parametrize(("desc", "before", "after"), MOVES, ids=[m[0] for m in MOVES])
def test_the_crossed_ranges_hold_exactly_the_dates_that_change_side(desc: str, before: date, after: date) -> None:
    """Each window's start range and the end's hold the dates counted in it at one as_of and not the other.

    Records dated after as_of included (as_of set before the newest record): they cross the end.
    """
    days = [max(before, after) + timedelta(days=offset) for offset in range(-4 * 366, 60)]
    *starts, (end_lo, end_hi) = dates_crossed(RULES, before, after)
    assert {d for d in days if end_lo <= d <= end_hi} == {d for d in days if min(before, after) < d <= max(before, after)}, desc
    for setting, (lo, hi) in zip(WINDOWS, starts, strict=True):
        flipped = {d for d in days if _in_window(setting, d, before) != _in_window(setting, d, after)}
        # Every move here is shorter than every window, so no date crosses both its start and its end.
        assert flipped == {d for d in days if lo <= d <= hi or end_lo <= d <= end_hi}, f"{desc}: {setting}"
        assert lo <= hi or setting.endswith("_years"), f"{desc}: a days window's start always moves with as_of"


@pytest.mark.parametrize(("desc", "before", "after"), MOVES, ids=[m[0] for m in MOVES])
def test_every_birthday_that_changes_childhood_is_in_the_crossed_range(desc: str, before: date, after: date) -> None:
    lo, hi = births_crossed(before, after)
    dobs = [adult_born_by(after) + timedelta(days=offset) for offset in range(-60, 61)]
    changed = {dob for dob in dobs if (dob > adult_born_by(before)) != (dob > adult_born_by(after))}
    assert changed == {dob for dob in dobs if lo <= dob <= hi}, desc
    # One birthday per day the adult line moved (none from the 28th of February onto the 29th).
    assert len(changed) == abs((adult_born_by(after) - adult_born_by(before)).days), desc


@pytest.mark.parametrize("later", [1, 30, 200, 400], ids=lambda d: f"{d} days later")
def test_rescoring_equals_running_the_rule_at_the_later_date(later: int) -> None:
    frames = Frames()
    frames.da("P", "V1", day(-200), offence="Domestic Abuse - Harassment")
    frames.da("P", "V2", day(-20))
    frames.da("P", "V2", day(-3))
    (before,) = repeat_perpetrator(frames.graph(), FlagRules(as_of=AS_OF))
    rules = FlagRules(as_of=day(later))
    (after,) = repeat_perpetrator(frames.graph(), rules)
    # Parameters go through the store as JSON, so rescore what the store would give back.
    parameters, score = rescore_repeat_perpetrator(json.loads(json.dumps(before.parameters)), rules, day(later))
    assert (parameters, score) == (after.parameters, after.score)
    assert score < before.score
