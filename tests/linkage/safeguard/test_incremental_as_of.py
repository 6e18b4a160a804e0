"""An incremental run's flags when as_of moves: a full run's, whether records are dated after as_of or not.

Rules count a record only when it is dated in a window ending at as_of, so a move of
as_of carries records across each window's start and across its end, as_of itself: a
record dated after the old as_of and on or before the new one counts now and did not. Each
case flags a store in full at one date, updates it incrementally to another (and to edited
records, where the case edits them) and compares every safeguarding table with a full
run's on the same records at the new date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from graph import FlagRules
from tests.graph.conftest import AS_OF, Frames, day
from tests.linkage.safeguard.small_store import differences, flag_tables, full_run, incremental_run


def world(frames: Frames) -> Frames:
    """Flags that start, or stop, with records dated before and after AS_OF; the newest is day(15).

    P abuses V1 at day(-100) and V2 at day(10): serial once day(10) counts. W's one DASH HIGH
    incident at day(5): MARAC high risk once it counts. R's third incident in a year at
    day(15): repeat victim once it counts. X's DASH HIGH incident at day(-360) leaves the
    MARAC lookback when as_of moves six days or more past AS_OF.
    """
    frames.da("P", "V1", day(-100))
    frames.da("P", "V2", day(10))
    frames.da("Q", "W", day(5), dash="high")
    for when in (-300, -200, 15):
        frames.da("T", "R", day(when))
    frames.da("Y", "X", day(-360), dash="high")
    frames.at("V1", "4 ELM GROVE", day(-50))
    return frames


def unchanged(frames: Frames) -> None:
    """No record changes: only the date does."""


def newer_record(frames: Frames) -> None:
    """An unrelated person's record at day(40): the newest, so as_of (none set) moves to it."""
    frames.record("N", "health", day(40), event_id="ATT-NEW", role="patient")


def newest_withdrawn(frames: Frames) -> None:
    """R's and T's incident at day(15) is withdrawn: the newest record is day(10)'s."""
    frames.rows = [row for row in frames.rows if row["event_date"] != day(15)]


#: (description, as_of of the previous run, as_of now (None: the newest record's date), edit to the records).
MOVES: list[tuple[str, date | None, date | None, Callable[[Frames], None]]] = [
    ("forward past every record dated after it", AS_OF, day(20), unchanged),
    ("back before every record dated after it", day(20), AS_OF, unchanged),
    ("forward to between the records dated after it", day(3), day(12), unchanged),
    ("back to between the records dated after it", day(12), day(3), unchanged),
    ("forward with every record after it still after it", AS_OF, day(4), unchanged),
    ("set as_of removed: now the newest record's date", AS_OF, None, unchanged),
    ("as_of set, earlier than the newest record", None, AS_OF, unchanged),
    ("no as_of: a newer record arrives", None, None, newer_record),
    ("no as_of: the newest records are withdrawn", None, None, newest_withdrawn),
    ("set as_of, when a newer record arrives", AS_OF, day(20), newer_record),
]


@pytest.mark.parametrize(("desc", "then", "now", "edit"), MOVES, ids=[m[0] for m in MOVES])
def test_incremental_flags_equal_a_full_runs_when_as_of_moves(tmp_path, desc, then, now, edit) -> None:
    before, after = world(Frames()), world(Frames())
    edit(after)
    previous, full, incremental = (tmp_path / f"{name}.duckdb" for name in ("previous", "full", "incremental"))
    full_run(previous, before, FlagRules(as_of=then))
    full_run(full, after, FlagRules(as_of=now))
    incremental_run(incremental, previous, before, after, FlagRules(as_of=now))
    assert flag_tables(previous)["flags"] != flag_tables(full)["flags"], f"{desc}: the move changes some flag"
    assert differences(incremental, full) == {}, desc
