"""An incremental run's dangerous-place flags: a full run's, though they rest on people three steps from their owner.

The flag is on the victim of a dwelling's latest DA incident and names everyone on its
incidents there. Only one record of each incident need give the dwelling's address, so the
owner reaches a party to an earlier incident through three shared keys: their own incident,
the dwelling (through whoever gave its address) and the earlier incident. A change to that
party (here: no longer on a social care episode with another household's parent, so two
households become two again) can raise the owner's flag, and a graph of everyone within
two steps of a re-judged owner leaves that party out of the flag.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graph import FlagRules
from tests.graph.conftest import AS_OF, Frames, day
from tests.linkage.safeguard.small_store import differences, flag_tables, full_run, incremental_run

PLACE = "12 ACACIA ROAD"


def _incident(frames: Frames, suspect: str, victim: str, when: int, at_place: str) -> None:
    """A police DA incident where only ``at_place``'s record (its suspect or victim) gives the place's address."""
    event_id = f"OCC-{frames.n + 1:05d}"
    for person, role in ((suspect, "suspect"), (victim, "victim")):
        place = {"postcode": "AB1 2CD", "address": PLACE} if person == at_place else {}
        frames.record(person, "police", day(when), event_id=event_id, role=role, domestic_abuse=True,
                      dash_risk="standard", event_type="Domestic Abuse - Assault", **place)


def place(frames: Frames, *, s2_on_episode: bool = True) -> Frames:
    """Three incidents at the place years apart; O, the latest victim, gave no address there.

    S1 and S2, suspects who gave none either, are three steps from O (O -event- S3 -place- V1
    -event- S1). V1 is a parent on a social care episode with S2 as the child, so V1's and S2's
    households are one: two households at the place, unless S2 is not on the episode.
    """
    _incident(frames, "S1", "V1", -1700, at_place="V1")
    _incident(frames, "S2", "V2", -900, at_place="V2")
    _incident(frames, "S3", "O", -30, at_place="S3")
    frames.episode(day(-800), {"V1": "parent", **({"S2": "child"} if s2_on_episode else {})})
    # Somewhere else entirely: O's and Y's home, and Y's other one.
    frames.at("O", "3 CEDAR CLOSE", day(-20))
    frames.at("Y", "3 CEDAR CLOSE", day(-25))
    frames.at("Y", "9 BIRCH WAY", day(-40))
    return frames


def s2_leaves_the_episode(frames: Frames) -> None:
    """S2's record on the episode is withdrawn: three households at the place."""
    frames.rows = [r for r in frames.rows if not (r["person_id"] == "S2" and r["source"] == "social_care")]


def s2_joins_the_episode(frames: Frames) -> None:
    """S2's record on the episode arrives: two households at the place."""
    rebuilt = place(Frames())
    frames.rows, frames.n = rebuilt.rows, rebuilt.n


def x_moves_in_with_y(frames: Frames) -> None:
    """A new person at Y's other home: O (two steps away) is judged again; S1 and S2 are five away."""
    frames.at("X", "9 BIRCH WAY", day(-10))


#: (description, S2 on the episode before, edit, rules, whether O's place is flagged before and after).
CHANGES: list[tuple[str, bool, Callable[[Frames], None], FlagRules, tuple[bool, bool]]] = [
    ("a change three steps from the owner raises the flag", True, s2_leaves_the_episode,
     FlagRules(as_of=AS_OF, dangerous_place_min_households=3), (False, True)),
    ("a change three steps from the owner clears the flag", False, s2_joins_the_episode,
     FlagRules(as_of=AS_OF, dangerous_place_min_households=3), (True, False)),
    ("an owner judged again two steps from a change still names everyone at the place", True, x_moves_in_with_y,
     FlagRules(as_of=AS_OF), (True, True)),
]


def _place_flagged(path) -> bool:
    return any(code == "dangerous_place" and owner == "O" for _, code, owner, *_ in flag_tables(path)["flags"])


@pytest.mark.parametrize(("desc", "on_episode", "edit", "rules", "flagged"), CHANGES, ids=[c[0] for c in CHANGES])
def test_incremental_dangerous_place_flags_equal_a_full_runs(tmp_path, desc, on_episode, edit, rules, flagged) -> None:
    before, after = place(Frames(), s2_on_episode=on_episode), place(Frames(), s2_on_episode=on_episode)
    edit(after)
    previous, full, incremental = (tmp_path / f"{name}.duckdb" for name in ("previous", "full", "incremental"))
    full_run(previous, before, rules)
    full_run(full, after, rules)
    incremental_run(incremental, previous, before, after, rules)
    assert (_place_flagged(previous), _place_flagged(full)) == flagged, desc
    assert differences(incremental, full) == {}, desc
