"""Dashboard sign-in sessions: signed tokens that expire and can be ended."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta

import pytest

from linkage.accountability import sessions
from linkage.store import layout, open_state

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)
T0 = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def store(tmp_path):
    return tmp_path / "mash.duckdb"


@pytest.fixture
def state(store):
    with open_state(store) as con:
        yield con


@pytest.fixture
def key(store):
    return sessions.session_key(store)


def test_the_key_is_made_once_beside_the_store_and_readable_only_by_its_owner(store):
    first = sessions.session_key(store)
    assert len(first) == 32 and sessions.session_key(store) == first
    path = layout(store).session_key
    assert path.parent == store.parent
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_token_resumes_its_session_with_the_purpose(state, key):
    token = sessions.start(state, key, "alice", "mash_analyst", now=T0)
    sessions.set_purpose(state, key, token, "Referral 2026-0193")
    found = sessions.resume(state, key, token, idle=IDLE, lifetime=LIFETIME, now=T0 + timedelta(minutes=5))
    assert (found.user_name, found.role, found.purpose) == ("alice", "mash_analyst", "Referral 2026-0193")
    assert found.last_seen == T0, "the session as it was before this use"
    again = sessions.resume(state, key, token, idle=IDLE, lifetime=LIFETIME, now=T0 + timedelta(minutes=6))
    assert again.last_seen == T0 + timedelta(minutes=5), "each use is remembered"


def _tampered(token: str) -> str:
    version, session_id, signature = token.split(".")
    return f"{version}.{session_id}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


REFUSED = [
    # (description, how the token is spoiled or how long after it is used)
    ("signature altered", lambda token: _tampered(token), timedelta(minutes=1)),
    ("another session id under the same signature", lambda token: "v1.x" + token[3:], timedelta(minutes=1)),
    ("unknown version", lambda token: "v2" + token[2:], timedelta(minutes=1)),
    ("not a token at all", lambda token: "garbage", timedelta(minutes=1)),
    ("empty", lambda token: "", timedelta(minutes=1)),
    ("very long", lambda token: token + "A" * 10_000, timedelta(minutes=1)),
    ("idle past the timeout", lambda token: token, IDLE + timedelta(seconds=1)),
    ("past its maximum age", lambda token: token, LIFETIME + timedelta(seconds=1)),
]


@pytest.mark.parametrize(("description", "spoil", "later"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_or_stale_token_is_refused(state, key, description, spoil, later):
    token = sessions.start(state, key, "alice", "mash_analyst", now=T0)
    assert sessions.resume(state, key, spoil(token), idle=IDLE, lifetime=LIFETIME, now=T0 + later) is None, description


def test_a_busy_session_still_ends_at_its_maximum_age(state, key):
    token = sessions.start(state, key, "alice", "mash_analyst", now=T0)
    at = T0
    while at < T0 + LIFETIME - IDLE:
        at += IDLE / 2
        assert sessions.resume(state, key, token, idle=IDLE, lifetime=LIFETIME, now=at) is not None
    assert sessions.resume(state, key, token, idle=IDLE, lifetime=LIFETIME, now=T0 + LIFETIME + timedelta(minutes=1)) is None


def test_a_stale_token_stays_refused_and_the_reason_is_kept(state, key):
    token = sessions.start(state, key, "alice", "mash_analyst", now=T0)
    assert sessions.resume(state, key, token, idle=IDLE, lifetime=LIFETIME, now=T0 + IDLE * 2) is None
    assert sessions.resume(state, key, token, idle=IDLE * 10, lifetime=LIFETIME, now=T0 + IDLE * 2) is None, "ended for good"
    assert state.execute("SELECT end_reason FROM sign_in_sessions").fetchall() == [("idle",)]


def test_ending_a_session_refuses_its_token_and_no_other(state, key):
    mine = sessions.start(state, key, "alice", "mash_analyst", now=T0)
    other = sessions.start(state, key, "alice", "mash_analyst", now=T0)
    sessions.end(state, key, mine, now=T0 + timedelta(minutes=1))
    assert sessions.resume(state, key, mine, idle=IDLE, lifetime=LIFETIME, now=T0 + timedelta(minutes=2)) is None
    assert sessions.resume(state, key, other, idle=IDLE, lifetime=LIFETIME, now=T0 + timedelta(minutes=2)) is not None
    assert state.execute("SELECT end_reason FROM sign_in_sessions WHERE ended_at IS NOT NULL").fetchall() == [("signed_out",)]


def test_a_token_signed_with_another_key_is_refused(state, key, tmp_path):
    token = sessions.start(state, key, "alice", "mash_analyst", now=T0)
    other_key = sessions.session_key(tmp_path / "other" / "mash.duckdb")
    assert other_key != key
    assert sessions.resume(state, other_key, token, idle=IDLE, lifetime=LIFETIME, now=T0) is None
    sessions.end(state, other_key, token)
    assert sessions.resume(state, key, token, idle=IDLE, lifetime=LIFETIME, now=T0) is not None, "a forged end changes nothing"


def test_an_unknown_end_reason_is_refused(state, key):
    token = sessions.start(state, key, "alice", "mash_analyst")
    with pytest.raises(ValueError, match="unknown end reason"):
        sessions.end(state, key, token, reason="bored")
