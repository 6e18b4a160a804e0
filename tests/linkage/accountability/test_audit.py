"""The append-only audit log in the state database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from linkage.accountability import audit
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
    ("a name typed with a line break and a tab", "eve\n\tadmin", "eve\\u000a\\u0009admin"),
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


SPOOFS = [
    # (description, field, value written, value stored and read back)
    ("a right-to-left override in a search", "target", "name=SMITH\u202e24000MP", "name=SMITH\\u202e24000MP"),
    ("a NUL in a search", "target", "name=SMITH\x00", "name=SMITH\\u0000"),
    ("a left-to-right isolate in a purpose", "purpose", "check\u2066 purpose", "check\\u2066 purpose"),
    ("a right-to-left mark in a text detail", "detail", "a\u200fb", "a\\u200fb"),
    ("a line break in a purpose (one line per entry)", "purpose", "Referral 7\nreal: none", "Referral 7\\u000areal: none"),
    ("every embedding and override", "target", "".join(map(chr, range(0x202A, 0x202F))), "\\u202a\\u202b\\u202c\\u202d\\u202e"),
    ("every isolate", "target", "".join(map(chr, range(0x2066, 0x206A))), "\\u2066\\u2067\\u2068\\u2069"),
    ("left-to-right and right-to-left marks", "target", "\u200e\u200f", "\\u200e\\u200f"),
    ("a character beyond the basic plane (a language tag)", "target", "x\U000e0001", "x\\U000e0001"),
    ("a zero-width joiner a name needs, kept", "target", "name=\u0915\u094d\u200d\u0937", "name=\u0915\u094d\u200d\u0937"),
    ("accents kept", "purpose", "Zoë O'Brien (référence)", "Zoë O'Brien (référence)"),
    ("a user name with an override", "user_name", "adm\u202enim", "adm\\u202enim"),
    ("a very long search cut and counted", "target", "x" * 100_000, "x" * audit.MAX_FIELD + f"... (+{100_000 - audit.MAX_FIELD} characters)"),
    ("a very long purpose cut and counted", "purpose", "p" * 5_000, "p" * audit.MAX_FIELD + f"... (+{5_000 - audit.MAX_FIELD} characters)"),
    ("a very long user name cut and counted", "user_name", "u" * 500, "u" * audit.MAX_USER_NAME + f"... (+{500 - audit.MAX_USER_NAME} characters)"),
]


@pytest.mark.parametrize(("description", "field", "written", "stored"), SPOOFS, ids=[c[0] for c in SPOOFS])
def test_every_field_is_escaped_and_capped_in_one_place(state, description, field, written, stored):
    # "name=\u202e24000MP" would display reversed as a person id; a NUL could cut the entry short in some viewers.
    fields = {"user_name": "mash", "role": "mash_analyst", "action": "search"} | {field: written}
    audit.record(state, **fields)
    (event,) = audit.read(state)
    assert getattr(event, field) == stored, description
    raw = state.execute(f"SELECT {field} FROM audit_log").fetchone()[0]
    assert raw == stored, f"{description}: stored so, not only read so"


def test_a_dict_detail_keeps_direction_characters_as_json_escapes(state):
    audit.record(state, "mash", "mash_analyst", "search", "x", "p", {"q": "a\u200fb"})
    assert audit.read(state)[0].detail == '{"q": "a\\u200fb"}', "JSON shows the character as an escape, not as a direction change"


def test_rows_written_before_escaping_are_escaped_when_read(state):
    # A row as the code before this one could store it: the user name typed, unescaped.
    state.execute(
        "INSERT INTO audit_log (user_name, role, action, target) VALUES ('evil\u202eeman', 'unknown', 'sign_in_failed', 'a\u2067b')"
    )
    (event,) = audit.read(state)
    assert (event.user_name, event.target) == ("evil\\u202eeman", "a\\u2067b")
    assert audit.user_names(state) == ["evil\\u202eeman"]


def test_an_accepted_password_clears_earlier_failures(state):
    for _ in range(audit.MAX_FAILED_SIGN_INS):
        audit.record_failed_sign_in(state, "frank")
    assert audit.locked_until(state, "frank") is not None
    audit.record(state, "frank", "mash_analyst", "sign_in_accepted")
    assert audit.locked_until(state, "frank") is None
