"""A linked store, a users file with one user per role, and the dashboard pointed at them.

The store is made once per test session (3,000 generated people, ~15 s) and the
environment variables the app reads (MASH_CONFIG, MASH_STORE, MASH_USERS) are set
for the whole session, so AppTest runs and the served app see the same store.
Tests that write review decisions or audit rows do so to this store's state
database; they assert on rows they can tell apart (their own purpose or pair).

Browser tests use ``served_app`` (``mash dashboard`` on a free port, in a
subprocess) and ``page`` (a tab of Debian's Chromium driven by Playwright).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from streamlit.testing.v1 import AppTest

from dashboard.session import CONFIG_ENV, PERSON_KEY, PURPOSE_KEY, STORE_ENV, USER_KEY
from linkage.accountability.access import USERS_ENV, UserRole, User, add_user
from linkage.batch import run_all
from linkage.config import RunConfig, load_run_config
from linkage.store import open_results, open_state
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"
PAGES_DIR = REPO / "dashboard" / "app_pages"

#: One test user per role: name -> (role, password).
TEST_USERS: dict[str, tuple[UserRole, str]] = {
    "mash": (UserRole.MASH_ANALYST, "mash-test-password"),
    "intel": (UserRole.INTELLIGENCE_ANALYST, "intel-test-password"),
    "admin": (UserRole.LINKAGE_ADMIN, "admin-test-password"),
}
#: The user name for each role.
USER_FOR_ROLE: dict[UserRole, str] = {role: name for name, (role, _) in TEST_USERS.items()}

#: Seconds an AppTest run may take (the first run of a page imports and queries).
APP_TIMEOUT = 60


@dataclass(frozen=True)
class DashboardStore:
    """The linked store the dashboard tests read.

    Attributes:
        run: The run config (its ``store`` is the state database).
        config_file: The run YAML the app is pointed at.
        users_file: The users file with :data:`TEST_USERS`.
        extracts: The generated extracts (with ``truth/``).
    """

    run: RunConfig
    config_file: Path
    users_file: Path
    extracts: Path


@pytest.fixture(scope="session")
def dashboard_store(tmp_path_factory) -> Iterator[DashboardStore]:
    """3,000 generated people linked once, the test users, and the app's environment set."""
    root = tmp_path_factory.mktemp("dashboard")
    extracts = root / "extracts"
    generate_extracts(people=3000, seed=11, out_dir=extracts)
    config_file = REPO / "configs" / "run.yaml"
    run = load_run_config(config_file, store=root / "store" / "mash.duckdb", extracts_dir=extracts)
    run_all(run)
    users_file = root / "users.yaml"
    for name, (role, password) in TEST_USERS.items():
        add_user(users_file, name, role, password)
    patch = pytest.MonkeyPatch()
    patch.setenv(CONFIG_ENV, str(config_file))
    patch.setenv(STORE_ENV, str(run.store))
    patch.setenv(USERS_ENV, str(users_file))
    yield DashboardStore(run=run, config_file=config_file, users_file=users_file, extracts=extracts)
    patch.undo()


@pytest.fixture
def app_as(dashboard_store) -> Callable[..., AppTest]:
    """Make an AppTest of the entry file, signed in as a role with a stated purpose, on a page.

    Usage: ``at = app_as(UserRole.MASH_ANALYST, "search", purpose="test: nickname search")``;
    the page is a file stem in ``dashboard/app_pages`` (None: the role's first page), and
    ``person_id`` opens that person as if chosen on another page.
    """

    def make(role: UserRole, page: str | None = None, *, purpose: str = "automated test", person_id: str | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)
        at.session_state[USER_KEY] = User(USER_FOR_ROLE[role], role)
        at.session_state[PURPOSE_KEY] = purpose
        if person_id is not None:
            at.session_state[PERSON_KEY] = person_id
        at.run()
        if page is not None:
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        return at

    return make


@pytest.fixture(scope="session")
def william(dashboard_store) -> tuple[str, str]:
    """A person some agency recorded as WILLIAM (the one with most records), and that record's surname.

    For the nickname search ("Bill" is a nickname of William in the curated list).
    """
    con = open_results(dashboard_store.run.store)
    try:
        return con.execute(
            "SELECT c.person_id, r.surname FROM records AS r JOIN clusters AS c USING (unique_id) "
            "JOIN persons AS p USING (person_id) "
            "WHERE r.forename = 'WILLIAM' AND r.surname IS NOT NULL ORDER BY p.records DESC, r.unique_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()


@pytest.fixture(scope="session")
def oliver(dashboard_store) -> tuple[str, str, str]:
    """A person recorded as OLIVER with a DOB, a child if there is one: id, surname, DOB as dd/mm/yyyy.

    For the nickname search ("Olly" is not in the curated nickname list).
    """
    con = open_results(dashboard_store.run.store)
    try:
        person_id, surname, dob = con.execute(
            "SELECT c.person_id, r.surname, r.dob FROM records AS r JOIN clusters AS c USING (unique_id) "
            "JOIN persons AS p USING (person_id) WHERE r.forename = 'OLIVER' AND r.surname IS NOT NULL AND r.dob IS NOT NULL "
            "ORDER BY r.dob > current_date - INTERVAL 18 YEAR DESC, p.records DESC, r.unique_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return person_id, surname, dob.strftime("%d/%m/%Y")


def existing_pages() -> list[str]:
    """The page modules present in ``dashboard/app_pages`` (pages land one by one)."""
    return sorted(p.stem for p in PAGES_DIR.glob("*.py") if not p.stem.startswith("_"))


#: Chromium from Debian (the Makefile installs it); Playwright never downloads a browser here.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Where browser tests save full-page screenshots (gitignored).
SCREENSHOTS = REPO / "test-output" / "screenshots"
#: Seconds the served app may take to answer its health check.
SERVE_TIMEOUT = 60


@pytest.fixture(scope="session")
def single_flagged(dashboard_store) -> list[tuple[str, str, str]]:
    """People with exactly one flag, by id: (person id, flag code, surname). AppTests take the first few."""
    with open_results(dashboard_store.run.store) as con:
        return con.execute(
            "SELECT f.person_id, any_value(CAST(f.code AS VARCHAR)), any_value(p.surname) FROM flags AS f "
            "JOIN persons AS p USING (person_id) WHERE p.surname IS NOT NULL GROUP BY f.person_id "
            "HAVING count(*) = 1 ORDER BY f.person_id"
        ).fetchall()


@pytest.fixture(scope="session")
def child_at_home(dashboard_store) -> str:
    """A flagged child with a household (a child in a DA household lives with the adult the flag names).

    One no test had recorded a decision on when first asked for, so the flag is open.
    """
    with open_state(dashboard_store.run.store) as con:
        decided = [p for (p,) in con.execute("SELECT DISTINCT person_id FROM flag_decisions").fetchall()]
    with open_results(dashboard_store.run.store) as con:
        return con.execute(
            "SELECT f.person_id FROM flags AS f JOIN persons AS p USING (person_id) "
            "WHERE f.code = 'child_in_da_household' AND NOT list_contains($decided, f.person_id) "
            "ORDER BY len(p.agencies) DESC, p.records DESC, f.person_id LIMIT 1",
            {"decided": decided},
        ).fetchone()[0]


@dataclass(frozen=True)
class ServedApp:
    """The real app served by ``mash dashboard`` in a subprocess."""

    url: str
    store: DashboardStore


@pytest.fixture(scope="session")
def served_app(dashboard_store) -> Iterator[ServedApp]:
    """``mash dashboard`` (``streamlit run dashboard/app.py``) on a free port, stopped afterwards."""
    with serving(dashboard_store, dashboard_store.run.store) as app:
        yield app


@contextmanager
def serving(store: DashboardStore, state: Path) -> Iterator[ServedApp]:
    """``mash dashboard`` over a store's state database (the shared one, or a test's copy of it) until the block ends."""
    port = _free_port()
    command = [
        sys.executable, "-m", "linkage.cli", "dashboard", "--config", str(store.config_file),
        "--store", str(state), "--users", str(store.users_file), "--port", str(port),
    ]
    log = state.parent / "dashboard.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield ServedApp(url=url, store=store)
    finally:
        # The whole process group: mash and the streamlit process it started.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def copy_store(store: DashboardStore, into: Path) -> Path:
    """A copy of the linked store (state database and results) in ``into``; returns the copy's state database."""
    shutil.copytree(store.run.store.parent, into)
    return into / store.run.store.name


def refuse_new_audit_rows(state: Path) -> None:
    """Make a state database's audit log refuse every new row, as a table that cannot be written does.

    The rows already logged stay readable, and the rest of the state database (sessions,
    decisions, run history) reads and writes as usual.
    """
    with open_state(state) as con:  # waits while the served app has it open
        (table_sql,) = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'audit_log'").fetchone()
        # Rows logged until now stay; any later one breaks the constraint.
        (now,) = con.execute("SELECT CAST(now() AS TIMESTAMP)").fetchone()
        refusing = table_sql.rstrip().rstrip(";").removesuffix(")") + f", CHECK (logged_at <= TIMESTAMP '{now}'))"
        con.execute("ALTER TABLE audit_log RENAME TO audit_log_before")
        con.execute(refusing)
        con.execute("INSERT INTO audit_log SELECT * FROM audit_log_before")
        con.execute("DROP TABLE audit_log_before")


@pytest.fixture
def audit_refused(dashboard_store, tmp_path, monkeypatch) -> Path:
    """The app (AppTest) pointed at a copy of the store whose audit log refuses new rows; returns its state database."""
    state = copy_store(dashboard_store, tmp_path / "refusing")
    refuse_new_audit_rows(state)
    monkeypatch.setenv(STORE_ENV, str(state))
    return state


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: run 'make test' (it installs Debian's chromium)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    """A fresh browser tab (its own Streamlit session), wide enough for the tables."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the dashboard exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the dashboard did not answer within {SERVE_TIMEOUT}s:\n{log.read_text()}")
