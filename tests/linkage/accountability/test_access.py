"""Users file, password hashing and per-role permissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkage.accountability.access import (
    ACTION_ROLES,
    PAGE_ROLES,
    UserRole,
    User,
    add_user,
    authenticate,
    can_do,
    can_open,
    hash_password,
    load_users,
    pages_for,
    verify_password,
)
from linkage.cli import main
from linkage.errors import ConfigError, MashError


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.yaml"
    add_user(path, "alice", UserRole.MASH_ANALYST, "correct horse")
    add_user(path, "bob", UserRole.LINKAGE_ADMIN, "battery staple")
    return path


def test_hash_is_salted_scrypt_and_verifies():
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first.startswith("scrypt$16384$8$1$") and first != second  # a fresh salt each time
    assert verify_password("s3cret", first) and verify_password("s3cret", second)
    assert not verify_password("s3cret ", first)


SIGN_INS = [
    ("right name and password", "alice", "correct horse", User("alice", UserRole.MASH_ANALYST)),
    ("name with stray spaces", " bob ", "battery staple", User("bob", UserRole.LINKAGE_ADMIN)),
    ("wrong password", "alice", "battery staple", None),
    ("empty password", "alice", "", None),
    ("unknown name", "carol", "correct horse", None),
    ("name differs in case", "Alice", "correct horse", None),
]


@pytest.mark.parametrize(("description", "name", "password", "expected"), SIGN_INS, ids=[s[0] for s in SIGN_INS])
def test_authenticate(users_file, description, name, password, expected):
    assert authenticate(users_file, name, password) == expected, description


def test_add_user_replaces_role_and_password(users_file):
    add_user(users_file, "alice", UserRole.INTELLIGENCE_ANALYST, "new password")
    assert authenticate(users_file, "alice", "correct horse") is None
    assert authenticate(users_file, "alice", "new password") == User("alice", UserRole.INTELLIGENCE_ANALYST)
    assert set(load_users(users_file)) == {"alice", "bob"}
    assert "new password" not in users_file.read_text()


BAD_ADDS = [
    ("name with a space", "a b", "mash_analyst", "pw", "user name"),
    ("unknown role", "carol", "superuser", "pw", "unknown role"),
    ("empty password", "carol", "mash_analyst", "", "must not be empty"),
    ("name longer than the audit log keeps", "c" * 65, "mash_analyst", "pw", "at most 64 characters"),
]


@pytest.mark.parametrize(("description", "name", "role", "password", "words"), BAD_ADDS, ids=[b[0] for b in BAD_ADDS])
def test_add_user_refuses(tmp_path, description, name, role, password, words):
    with pytest.raises(MashError, match=words):
        add_user(tmp_path / "users.yaml", name, role, password)
    assert not (tmp_path / "users.yaml").exists(), description


GOOD_HASH = hash_password("x")
MALFORMED = [
    ("not a mapping", "- just a list\n", "users"),
    ("no users key", "people: []\n", "users"),
    ("entry not a mapping", "users:\n  - alice\n", "users.0"),
    ("missing role", f"users:\n  - {{name: alice, password_hash: '{GOOD_HASH}'}}\n", "users.0.role"),
    ("unknown role", f"users:\n  - {{name: alice, role: boss, password_hash: '{GOOD_HASH}'}}\n", "users.0.role"),
    ("plain-text password", "users:\n  - {name: alice, role: mash_analyst, password_hash: hunter2}\n", "users.0.password_hash"),
    ("unknown key", f"users:\n  - {{name: a, role: mash_analyst, password_hash: '{GOOD_HASH}', password: x}}\n", "users.0.password"),
    (
        "name twice",
        f"users:\n  - {{name: a, role: mash_analyst, password_hash: '{GOOD_HASH}'}}\n"
        f"  - {{name: a, role: linkage_admin, password_hash: '{GOOD_HASH}'}}\n",
        "users.1.name",
    ),
    ("absurd scrypt cost", "users:\n  - {name: a, role: mash_analyst, password_hash: 'scrypt$1073741824$8$1$AAAA$AAAA'}\n", "users.0.password_hash"),
]


@pytest.mark.parametrize(("description", "text", "key"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_users_file_names_the_key(tmp_path, description, text, key):
    path = tmp_path / "users.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        authenticate(path, "alice", "x")
    assert caught.value.key == key, description
    assert f"key '{key}'" in str(caught.value)


def test_a_users_file_that_is_not_yaml_is_named_by_line_without_quoting_it(tmp_path):
    # The parser's own message quotes the line: here, a password hash.
    path = tmp_path / "users.yaml"
    path.write_text(f"users:\n  - {{name: alice, role: mash_analyst, password_hash: '{GOOD_HASH}'\n")
    with pytest.raises(ConfigError) as caught:
        load_users(path)
    assert "not valid YAML at line 3" in str(caught.value)
    assert GOOD_HASH[:20] not in str(caught.value) and "alice" not in str(caught.value)


def test_missing_users_file_says_how_to_add_one(tmp_path):
    with pytest.raises(ConfigError, match="mash users add"):
        load_users(tmp_path / "absent.yaml")


ACCESS = [
    ("everyone triages", UserRole.MASH_ANALYST, "triage", True),
    ("MASH analyst cannot see intelligence", UserRole.MASH_ANALYST, "intelligence", False),
    ("intelligence analyst sees intelligence", UserRole.INTELLIGENCE_ANALYST, "intelligence", True),
    ("intelligence analyst cannot review links", UserRole.INTELLIGENCE_ANALYST, "review", False),
    ("MASH analyst cannot read the audit log", UserRole.MASH_ANALYST, "audit", False),
    ("admin reads the audit log", UserRole.LINKAGE_ADMIN, "audit", True),
    ("unknown page refused", UserRole.LINKAGE_ADMIN, "secrets", False),
]


@pytest.mark.parametrize(("description", "role", "page", "allowed"), ACCESS, ids=[a[0] for a in ACCESS])
def test_page_access(description, role, page, allowed):
    assert can_open(role, page) is allowed, description


def test_pages_and_actions_per_role():
    assert pages_for(UserRole.MASH_ANALYST) == ["triage", "search", "profile", "network"]
    assert pages_for(UserRole.INTELLIGENCE_ANALYST) == ["triage", "search", "profile", "network", "intelligence"]
    assert pages_for(UserRole.LINKAGE_ADMIN) == list(PAGE_ROLES)
    assert [a for a in ACTION_ROLES if can_do(UserRole.MASH_ANALYST, a)] == ["search", "view_person", "export", "export_encompass", "flag_decide"]
    assert can_do(UserRole.LINKAGE_ADMIN, "review_decide") and not can_do(UserRole.INTELLIGENCE_ANALYST, "review_decide")
    # Decisions on flags are the analysts' (a prompt for a person to act on), not the linkage team's.
    assert can_do(UserRole.INTELLIGENCE_ANALYST, "flag_decide") and not can_do(UserRole.LINKAGE_ADMIN, "flag_decide")
    assert not can_do(UserRole.LINKAGE_ADMIN, "delete_everything")


def test_cli_users_add_reads_password_from_stdin(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.yaml"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("stdin-password\n"))
    assert main(["users", "add", "dana", "--role", "intelligence_analyst", "--password-stdin", "--users", str(path)]) == 0
    assert authenticate(path, "dana", "stdin-password") == User("dana", UserRole.INTELLIGENCE_ANALYST)
    assert "stdin-password" not in path.read_text() + capsys.readouterr().out


def test_cli_users_add_prompts_twice_and_refuses_a_mismatch(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.yaml"
    answers = iter(["first", "second"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "erin", "--role", "mash_analyst", "--users", str(path)]) == 2
    assert "passwords differ" in capsys.readouterr().out
    assert not path.exists()


def test_cli_dashboard_refuses_a_missing_users_file(tmp_path, capsys):
    config = Path(__file__).resolve().parents[3] / "configs" / "run.yaml"
    args = ["--config", str(config), "--users", str(tmp_path / "none.yaml"), "--store", str(tmp_path / "s.duckdb")]
    assert main(["dashboard", *args]) == 2
    assert "mash users add" in capsys.readouterr().out
