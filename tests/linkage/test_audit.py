"""The append-only audit log in the state database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from linkage import audit
from linkage.store import open_state


@pytest.fixture
def state(tmp_path):
    with open_state(tmp_path / "mash.duckdb") as con:
        yield con


def test_record_and_read_back_newest_first(state):
    first = audit.record(state, "alice", "mash_analyst", "search", "name=O'Brien", "Referral 7: strategy", {"results": 2})
    second = audit.record(state, "bob", "linkage_admin", "view_person", "MP0000042", "Referral 7: strategy")
    events = audit.read(state)
    assert [e.event_id for e in events] == [second, first]
    assert events[1].target == "name=O'Brien" and events[1].detail == '{"results": 2}'
    assert events[0].logged_at <= datetime.now() + timedelta(seconds=1)


FILTERS = [
    ("by user", {"user_name": "alice"}, {"search", "export"}),
    ("by action", {"action": "view_person"}, {"view_person"}),
    ("by exact target", {"target": "MP0000042"}, {"view_person"}),
    ("by text in the purpose, any case", {"text": "REFERRAL 9"}, {"export"}),
    ("by text with a wildcard character taken literally", {"text": "100%"}, {"export"}),
    ("since a future time", {"since": datetime.now() + timedelta(days=1)}, set()),
    ("until a past time", {"until": datetime.now() - timedelta(days=1)}, set()),
]


@pytest.mark.parametrize(("description", "filters", "actions"), FILTERS, ids=[f[0] for f in FILTERS])
def test_read_filters(state, description, filters, actions):
    audit.record(state, "alice", "mash_analyst", "search", "name=Smith", "Referral 7")
    audit.record(state, "bob", "linkage_admin", "view_person", "MP0000042", "Referral 7")
    audit.record(state, "alice", "mash_analyst", "export", "flags.csv", "Referral 9: 100% check")
    assert {e.action for e in audit.read(state, **filters)} == actions, description


def test_limit_and_user_names(state):
    for n in range(5):
        audit.record(state, f"user{n % 2}", "mash_analyst", "search", f"q{n}")
    assert [e.target for e in audit.read(state, limit=2)] == ["q4", "q3"]
    assert audit.user_names(state) == ["user0", "user1"]
    assert audit.count(state) == 5


BAD = [
    ("unknown action", {"action": "delete"}, "unknown audit action"),
    ("no user", {"user_name": ""}, "needs a user"),
]


@pytest.mark.parametrize(("description", "change", "words"), BAD, ids=[b[0] for b in BAD])
def test_record_refuses(state, description, change, words):
    args = {"user_name": "alice", "role": "mash_analyst", "action": "search"} | change
    with pytest.raises(ValueError, match=words):
        audit.record(state, **args)
    assert audit.count(state) == 0, description


def test_no_update_or_delete_api():
    public = {name for name in dir(audit) if not name.startswith("_")}
    assert not {n for n in public if any(word in n for word in ("update", "delete", "remove", "clear", "purge"))}


LOCKOUTS = [
    # (description, failed sign-ins, a successful sign-in after them, minutes later we look, locked)
    ("four failures: not yet", 4, False, 0, False),
    ("five failures: locked", 5, False, 0, True),
    ("five failures, looked at 16 minutes on: free again", 5, False, 16, False),
    ("five failures then a success: the slate is clean", 5, True, 0, False),
]


@pytest.mark.parametrize(("description", "failures", "success", "minutes", "locked"), LOCKOUTS, ids=[c[0] for c in LOCKOUTS])
def test_repeated_failed_sign_ins_lock_the_name(state, description, failures, success, minutes, locked):
    for _ in range(failures):
        audit.record_failed_sign_in(state, "carol")
    if success:
        audit.record(state, "carol", "mash_analyst", "sign_in")
    until = audit.locked_until(state, "carol", now=datetime.now() + timedelta(minutes=minutes))
    assert (until is not None) == locked, description
    assert audit.locked_until(state, "dave") is None, "other names are unaffected"
    if locked:
        assert until > datetime.now() + timedelta(minutes=audit.LOCKOUT_MINUTES - 1)


TYPED_NAMES = [
    # (description, typed, stored)
    ("an ordinary name, trimmed", "  carol ", "carol"),
    ("blank", "   ", "(blank)"),
    ("a right-to-left override made visible", "adm\u202enim", "adm\\u202enim"),
    ("a NUL and a zero-width space made visible", "a\x00b\u200bc", "a\\u0000b\\u200bc"),
    ("a name with accents kept", "Zoë O'Brien", "Zoë O'Brien"),
    ("a very long name cut and counted", "y" * 100_000, "y" * audit.MAX_TYPED_NAME + f"... (+{100_000 - audit.MAX_TYPED_NAME} characters)"),
]


@pytest.mark.parametrize(("description", "typed", "stored"), TYPED_NAMES, ids=[t[0] for t in TYPED_NAMES])
def test_names_typed_at_sign_in_are_capped_and_escaped(state, description, typed, stored):
    assert audit.typed_name(typed) == stored, description
    audit.record_failed_sign_in(state, typed)
    assert [e.user_name for e in audit.read(state)] == [stored], description


def test_attempts_during_a_lockout_are_logged_but_do_not_stretch_it(state):
    for _ in range(audit.MAX_FAILED_SIGN_INS):
        audit.record_failed_sign_in(state, "erin")
    before = audit.locked_until(state, "erin")
    for _ in range(3):
        audit.record_locked_sign_in(state, "erin")
    assert [e.action for e in audit.read(state, action="sign_in_locked")] == ["sign_in_locked"] * 3
    assert audit.locked_until(state, "erin") == before


def test_control_and_direction_characters_never_reach_the_log(state):
    # "name=\u202eMP0000042" would display reversed; a NUL could cut the entry short in some viewers.
    audit.record(state, "mash", "mash_analyst", "search", "name=SMITH\u202e24000MP\x00", "check\u2066 purpose", "a\u200fb")
    audit.record(state, "mash", "mash_analyst", "search", "x", "p", {"q": "a\u200fb"})
    text, as_json = audit.read(state, limit=2)[::-1]
    assert (text.target, text.purpose, text.detail) == ("name=SMITH24000MP", "check purpose", "ab")
    assert as_json.detail == '{"q": "a\\u200fb"}', "JSON shows the character as an escape, not as a direction change"
