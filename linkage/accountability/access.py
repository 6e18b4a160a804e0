"""Who may use the dashboard and what each role may open or do.

Users live in a YAML file (``configs/users.yaml`` by default, or the file named by
the ``MASH_USERS`` environment variable) as entries ``{name, role, password_hash}``.
Passwords are stored only as salted scrypt hashes and compared in constant time.
Page and action permissions are data (:data:`PAGE_ROLES`, :data:`ACTION_ROLES`), so a
reviewer can read the whole policy in one place.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from linkage.errors import ConfigError, MashError

#: Environment variable naming the users file.
USERS_ENV = "MASH_USERS"
#: The users file when ``MASH_USERS`` is not set (relative to the working directory).
DEFAULT_USERS_FILE = Path("configs/users.yaml")
#: The longest user name; the audit log keeps no more of a name typed at sign-in.
MAX_USER_NAME = 64

# scrypt cost: n=2**14, r=8, p=1 uses 16 MiB and ~50 ms, the interactive-login
# setting in RFC 7914; the parameters are stored with each hash so they can rise later.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_SCHEME = "scrypt"


class UserRole(StrEnum):
    """A kind of dashboard user."""

    MASH_ANALYST = "mash_analyst"
    INTELLIGENCE_ANALYST = "intelligence_analyst"
    LINKAGE_ADMIN = "linkage_admin"


#: Human names for the roles, for the sidebar and the README.
ROLE_LABELS: dict[UserRole, str] = {
    UserRole.MASH_ANALYST: "MASH analyst",
    UserRole.INTELLIGENCE_ANALYST: "Intelligence analyst",
    UserRole.LINKAGE_ADMIN: "Linkage admin",
}

_ALL = frozenset(UserRole)

#: Which roles may open each dashboard page.
PAGE_ROLES: dict[str, frozenset[UserRole]] = {
    "triage": _ALL,
    "search": _ALL,
    "profile": _ALL,
    "network": _ALL,
    "intelligence": frozenset({UserRole.INTELLIGENCE_ANALYST, UserRole.LINKAGE_ADMIN}),
    "review": frozenset({UserRole.LINKAGE_ADMIN}),
    "quality": frozenset({UserRole.LINKAGE_ADMIN}),
    "audit": frozenset({UserRole.LINKAGE_ADMIN}),
}

#: Which roles may take each audited action.
ACTION_ROLES: dict[str, frozenset[UserRole]] = {
    "search": _ALL,
    "view_person": _ALL,
    "export": _ALL,
    # The Operation Encompass list for schools (issue 17): children's names, DOBs and addresses by area.
    "export_encompass": frozenset({UserRole.MASH_ANALYST, UserRole.LINKAGE_ADMIN}),
    "review_decide": frozenset({UserRole.LINKAGE_ADMIN}),
    "flag_decide": frozenset({UserRole.MASH_ANALYST, UserRole.INTELLIGENCE_ANALYST}),
    "read_audit": frozenset({UserRole.LINKAGE_ADMIN}),
    # A refuge's address only where linking records needs it (issue 17); everyone else sees it withheld.
    "see_refuge_address": frozenset({UserRole.LINKAGE_ADMIN}),
}


@dataclass(frozen=True)
class User:
    """A signed-in user.

    Attributes:
        name: The user name from the users file.
        role: The user's role.
    """

    name: str
    role: UserRole


def can_open(role: UserRole | str, page: str) -> bool:
    """Whether a role may open a page.

    Args:
        role: The user's role.
        page: A page name from :data:`PAGE_ROLES` (unknown pages are refused).
    """
    return UserRole(role) in PAGE_ROLES.get(page, frozenset())


def can_do(role: UserRole | str, action: str) -> bool:
    """Whether a role may take an action.

    Args:
        role: The user's role.
        action: An action name from :data:`ACTION_ROLES` (unknown actions are refused).
    """
    return UserRole(role) in ACTION_ROLES.get(action, frozenset())


def pages_for(role: UserRole | str) -> list[str]:
    """The pages a role may open, in navigation order."""
    return [page for page in PAGE_ROLES if can_open(role, page)]


def users_file() -> Path:
    """The users file: ``$MASH_USERS`` if set, else ``configs/users.yaml``."""
    return Path(os.environ.get(USERS_ENV) or DEFAULT_USERS_FILE)


def hash_password(password: str) -> str:
    """Hash a password with scrypt and a random salt.

    Args:
        password: The plain password.

    Returns:
        ``scrypt$n$r$p$salt_b64$hash_b64``, safe to store in the users file.

    Raises:
        MashError: The password is empty.
    """
    if not password:
        raise MashError("the password must not be empty")
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join((_SCHEME, str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(key)))


def verify_password(password: str, encoded: str) -> bool:
    """Check a password against a stored hash, in constant time.

    Args:
        password: The password typed.
        encoded: A hash from :func:`hash_password`.

    Returns:
        True if they match; False for a wrong password or an unreadable hash.
    """
    parsed = _parse_hash(encoded)
    if parsed is None:
        return False
    n, r, p, salt, expected = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


def load_users(path: str | Path) -> dict[str, tuple[UserRole, str]]:
    """Read and check the users file.

    Args:
        path: The users YAML file.

    Returns:
        Per user name: the role and the stored password hash.

    Raises:
        ConfigError: The file is missing or malformed, naming the YAML key at fault.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(str(path), "users file not found; add a user with 'mash users add NAME --role ROLE'")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        # Where, not what: the parser's message quotes the line, which may hold a password hash.
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(str(path), "not valid YAML" + (f" at line {mark.line + 1}, column {mark.column + 1}" if mark else "")) from None
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(str(path), "must be a list of {name, role, password_hash} entries", key="users")
    users: dict[str, tuple[UserRole, str]] = {}
    for index, entry in enumerate(entries):
        name, role, password_hash = _check_entry(path, index, entry)
        if name in users:
            raise ConfigError(str(path), f"user '{name}' is listed twice", key=f"users.{index}.name")
        users[name] = (role, password_hash)
    return users


def authenticate(path: str | Path, name: str, password: str) -> User | None:
    """Check a user name and password against the users file.

    A wrong name costs the same hashing work as a wrong password, so timing does
    not reveal which names exist.

    Args:
        path: The users YAML file.
        name: The user name typed.
        password: The password typed.

    Returns:
        The user, or None if the name or password is wrong.

    Raises:
        ConfigError: The users file is missing or malformed.
    """
    users = load_users(path)
    found = users.get(name.strip())
    if found is None:
        verify_password(password, _DUMMY_HASH)
        return None
    role, password_hash = found
    return User(name.strip(), role) if verify_password(password, password_hash) else None


def add_user(path: str | Path, name: str, role: UserRole | str, password: str) -> None:
    """Add a user to the users file (creating it), or replace that user's role and password.

    Args:
        path: The users YAML file.
        name: The user name (letters, digits, ``.``, ``_`` or ``-``; at most :data:`MAX_USER_NAME`).
        role: One of :class:`UserRole`.
        password: The plain password; only its hash is written.

    Raises:
        MashError: The name or role is not allowed, or the password is empty.
        ConfigError: The existing users file is malformed.
    """
    path = Path(path)
    if not name or not all(c.isalnum() or c in "._-" for c in name):
        raise MashError(f"user name {name!r} must be letters, digits, '.', '_' or '-'")
    if len(name) > MAX_USER_NAME:
        raise MashError(f"a user name may have at most {MAX_USER_NAME} characters")
    try:
        role = UserRole(role)
    except ValueError:
        raise MashError(f"unknown role {role!r}; use one of {[r.value for r in UserRole]}") from None
    users = load_users(path) if path.exists() else {}
    users[name] = (role, hash_password(password))
    entries = [{"name": n, "role": r.value, "password_hash": h} for n, (r, h) in users.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Dashboard users: hashed passwords only. Add one with 'mash users add NAME --role ROLE'.\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(header + yaml.safe_dump({"users": entries}, sort_keys=False), encoding="utf-8")
    tmp.replace(path)


def _check_entry(path: Path, index: int, entry: Any) -> tuple[str, UserRole, str]:
    where = f"users.{index}"
    if not isinstance(entry, dict):
        raise ConfigError(str(path), "must be a mapping with name, role and password_hash", key=where)
    unknown = sorted(set(entry) - {"name", "role", "password_hash"})
    if unknown:
        raise ConfigError(str(path), f"unknown key(s) {unknown}", key=f"{where}.{unknown[0]}")
    for key in ("name", "role", "password_hash"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(str(path), "is required and must be text", key=f"{where}.{key}")
    try:
        role = UserRole(entry["role"])
    except ValueError:
        raise ConfigError(str(path), f"unknown role {entry['role']!r}; use one of {[r.value for r in UserRole]}", key=f"{where}.role") from None
    if _parse_hash(entry["password_hash"]) is None:
        raise ConfigError(str(path), "is not a scrypt hash from 'mash users add'", key=f"{where}.password_hash")
    return entry["name"].strip(), role, entry["password_hash"]


def _parse_hash(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME:
        return None
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, key = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    # Bounds keep a tampered file from asking for gigabytes of memory.
    if not (2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16 and salt and key):
        return None
    return n, r, p, salt, key


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=_KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# A fixed hash checked against for unknown names, so they cost as much as known ones.
_DUMMY_HASH = "$".join((_SCHEME, str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(b"\0" * _SALT_BYTES), _b64(b"\0" * _KEY_BYTES)))
