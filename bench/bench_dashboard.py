"""Time each dashboard page with the real app on a large store.

Usage (from the repo root):
    .venv/bin/python bench/bench_dashboard.py --people 200000 [--seed 42] [--workdir data/bench]
        [--store PATH] [--repeats 5] [--skip-browser]

Two measurements, both of the real entry file and pages:

* **script**: the page's Python run (queries and rendering calls) through Streamlit's
  AppTest, in this process: the first run of each page (which opens the results file
  on the very first page) and the median of the warm reruns that follow.
* **browser**: ``mash dashboard`` serving the app, driven in Debian's Chromium by
  Playwright as an analyst would: the time from a click (or submitted form) until
  Streamlit has finished the run and drawn every element.

The store is ``--store`` if given; otherwise the one ``bench_linkage.py`` builds under
``--workdir`` for (people, seed), generated and run here if it is missing.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.session import PERSON_KEY, PURPOSE_KEY, USER_KEY
from linkage.accountability.access import UserRole, User, add_user
from linkage.batch import run_all
from linkage.config import load_run_config
from linkage.store import layout, open_results
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[1]
RUN_CONFIG = REPO / "configs" / "run.yaml"
APP = REPO / "dashboard" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
USERS = {"bench-analyst": (UserRole.MASH_ANALYST, "bench-analyst-pw"), "bench-admin": (UserRole.LINKAGE_ADMIN, "bench-admin-pw")}
#: JavaScript that watches the app's script state, so a wait knows a new run has started.
WATCH = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.mashRan = false;
    window.mashChanges = 0;
    window.mashObserver?.disconnect();
    window.mashObserver = new MutationObserver(() => {
        window.mashChanges += 1;
        if (app.getAttribute('data-test-script-state') === 'running') window.mashRan = true;
    });
    window.mashObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
#: JavaScript true once a run has started and finished and every element is drawn.
SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return window.mashRan && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelectorAll('[data-testid="stSkeleton"], [data-stale="true"]').length === 0;
}"""
#: Seconds the settled state must hold (a page switch is two runs back to back).
STABLE = 0.4


def ensure_store(args: argparse.Namespace) -> Path:
    """The state database of a linked store for the benchmark, built if missing."""
    if args.store:
        return args.store
    store = args.workdir / f"linkage_{args.people}_{args.seed}" / "mash" / "mash.duckdb"
    if layout(store).current() is None:
        extracts = args.workdir / f"extracts_{args.people}_{args.seed}"
        if not (extracts / "truth" / "manifest.json").exists():
            print(f"Generating {args.people:,} people...", flush=True)
            generate_extracts(people=args.people, seed=args.seed, out_dir=extracts)
        print("Running the batch...", flush=True)
        run_all(load_run_config(RUN_CONFIG, store=store, extracts_dir=extracts))
    return store


def subjects(store: Path) -> dict[str, str]:
    """Search terms and people that make each page work hard: the busiest person, a common name."""
    con = open_results(store)
    try:
        busiest = con.execute("SELECT person_id FROM persons ORDER BY records DESC, person_id LIMIT 1").fetchone()[0]
        flagged = con.execute(
            "SELECT person_id FROM flags ORDER BY severity DESC, score DESC NULLS LAST, flag_id LIMIT 1"
        ).fetchone()[0]
        surname = con.execute(
            "SELECT surname FROM records WHERE surname IS NOT NULL GROUP BY surname ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        william = con.execute(
            "SELECT surname FROM records WHERE forename = 'WILLIAM' AND surname IS NOT NULL "
            "GROUP BY surname ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        people, records = con.execute("SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM records)").fetchone()
    finally:
        con.close()
    return {
        "busiest": busiest, "flagged": flagged, "surname": surname.title(), "william": william.title(),
        "people": f"{people:,}", "records": f"{records:,}",
    }


# ---------------------------------------------------------------------------
# Script runs (AppTest)


def script_timings(repeats: int, facts: dict[str, str]) -> list[tuple[str, float, float]]:
    """(page, first run seconds, median warm rerun seconds) for each page the admin can open."""
    cases: list[tuple[str, str, dict[str, str], Callable[[AppTest], None] | None]] = [
        ("triage", "triage", {}, None),
        ("triage, one flag code", "triage", {}, lambda at: at.multiselect(key="triage_codes").select("repeat_victim")),
        ("search: nickname + surname", "search", {}, _searcher(f"Bill {facts['william']}")),
        ("search: commonest surname", "search", {}, _searcher(facts["surname"])),
        ("profile: busiest person", "profile", {PERSON_KEY: facts["busiest"]}, None),
        ("profile: most severe flag", "profile", {PERSON_KEY: facts["flagged"]}, None),
        ("network: busiest person", "network", {PERSON_KEY: facts["busiest"]}, None),
        ("network: most severe flag", "network", {PERSON_KEY: facts["flagged"]}, None),
        ("intelligence", "intelligence", {}, None),
        ("review", "review", {}, None),
        ("quality", "quality", {}, None),
        ("audit", "audit", {}, None),
    ]
    results = []
    for label, page, state, act in cases:
        if not (APP.parent / "app_pages" / f"{page}.py").exists():
            continue
        runs = []
        for _ in range(repeats + 1):
            at = AppTest.from_file(str(APP), default_timeout=600)
            at.session_state[USER_KEY] = User("bench-admin", UserRole.LINKAGE_ADMIN)
            at.session_state[PURPOSE_KEY] = "benchmark"
            for key, value in state.items():
                at.session_state[key] = value
            at.run()
            at.switch_page(f"app_pages/{page}.py")
            if act is None:
                started = time.perf_counter()
                at.run()
            else:
                at.run()
                act(at)
                started = time.perf_counter()
                at.run()
            runs.append(time.perf_counter() - started)
            if at.exception:
                raise RuntimeError(f"{label}: {at.exception[0].value}")
        results.append((label, runs[0], statistics.median(runs[1:])))
        print(f"  script  {label:<32} first {runs[0]:6.2f}s  warm {statistics.median(runs[1:]):6.2f}s", flush=True)
    return results


def _searcher(name: str) -> Callable[[AppTest], None]:
    def act(at: AppTest) -> None:
        next(t for t in at.text_input if t.label == "Name").input(name)
        next(b for b in at.button if b.label == "Search").click()

    return act


# ---------------------------------------------------------------------------
# Browser (mash dashboard + Chromium)


def browser_timings(store: Path, users_file: Path, facts: dict[str, str]) -> dict[str, list[float]]:
    """Per step of an analyst's and an admin's walk through the served app: seconds on each pass.

    The walk runs twice in one browser: the first pass also loads the app's JavaScript
    and warms the server; the second is what an analyst sees from then on.
    """
    from playwright.sync_api import sync_playwright

    port = _free_port()
    command = [
        sys.executable, "-m", "linkage.cli", "dashboard", "--config", str(RUN_CONFIG), "--store", str(store),
        "--users", str(users_file), "--port", str(port),
    ]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    timings: dict[str, list[float]] = {}
    try:
        _wait_healthy(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.set_default_timeout(120_000)
            for walk in range(2):
                _analyst_walk(context.new_page(), url, facts, timings)
                _admin_walk(context.new_page(), url, timings)
                print(f"  browser pass {walk + 1} done", flush=True)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return timings


def _timed(page, timings: dict[str, list[float]], label: str, action: Callable[[], None]) -> None:
    page.evaluate(WATCH)
    started = time.perf_counter()
    action()
    timings.setdefault(label, []).append(_settle(page) - started)
    print(f"  browser {label:<40} {timings[label][-1]:6.2f}s", flush=True)


def _analyst_walk(page, url: str, facts: dict[str, str], timings: dict[str, list[float]]) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    _sign_in(page, url, "bench-analyst")
    _timed(page, timings, "triage (after the purpose is given)", page.get_by_role("button", name="Continue").click)
    _timed(page, timings, "triage filtered to one flag code", lambda: _pick(page, "Flag", "Repeat victim"))
    _timed(page, timings, "Person search page", sidebar.get_by_role("link", name="Person search").click)
    page.get_by_label("Name", exact=True).fill(f"Bill {facts['william']}")
    _timed(page, timings, "search: nickname + surname", page.get_by_role("button", name="Search").click)
    _timed(page, timings, "open the first result's profile", lambda: page.get_by_test_id("stDataFrame").first.click(position={"x": 18, "y": 52}))
    if (APP.parent / "app_pages" / "network.py").exists():
        _timed(page, timings, "family network of that person", page.get_by_role("button", name="Family network").click)
    _timed(page, timings, "profile of the busiest person", lambda: _open_person(page, facts["busiest"]))
    page.close()


def _admin_walk(page, url: str, timings: dict[str, list[float]]) -> None:
    _sign_in(page, url, "bench-admin")
    page.evaluate(WATCH)
    page.get_by_role("button", name="Continue").click()
    _settle(page)
    for stem, title in (("intelligence", "Intelligence"), ("review", "Linkage review"), ("quality", "Linkage quality"), ("audit", "Audit log")):
        if (APP.parent / "app_pages" / f"{stem}.py").exists():
            _timed(page, timings, title, page.get_by_test_id("stSidebar").get_by_role("link", name=title).click)
    page.close()


def _pick(page, label: str, option: str) -> None:
    """Choose an option of a multiselect by typing it, as a keyboard user would."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def _sign_in(page, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(USERS[name][1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("textbox", name="Purpose").fill("benchmark of page times")


def _settle(page) -> float:
    """Wait until a run has finished and everything is drawn; the time it first was (perf_counter)."""
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline:
        if page.evaluate(SETTLED):
            settled_at = time.perf_counter()
            changes = page.evaluate("() => window.mashChanges")
            page.wait_for_timeout(STABLE * 1000)
            if page.evaluate(SETTLED) and page.evaluate("() => window.mashChanges") == changes:
                return settled_at
        page.wait_for_timeout(25)
    raise RuntimeError("the page did not settle within 120 s")


def _open_person(page, person_id: str) -> None:
    box = page.get_by_test_id("stSidebar").get_by_label("Open person id")
    box.fill(person_id)
    box.press("Enter")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the dashboard did not answer at {url} within {timeout}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--store", type=Path, help="an already linked store to use instead")
    parser.add_argument("--repeats", type=int, default=5, help="warm reruns per page (default 5)")
    parser.add_argument("--skip-browser", action="store_true", help="script timings only")
    parser.add_argument("--skip-script", action="store_true", help="browser timings only")
    args = parser.parse_args()

    store = ensure_store(args).resolve()
    facts = subjects(store)
    print(f"Store {store}: {facts['people']} people, {facts['records']} records; "
          f"{os.cpu_count()} CPUs, {platform.python_version()}, {platform.platform()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        users_file = Path(tmp) / "users.yaml"
        for name, (role, password) in USERS.items():
            add_user(users_file, name, role, password)
        os.environ.update({"MASH_CONFIG": str(RUN_CONFIG), "MASH_STORE": str(store), "MASH_USERS": str(users_file)})
        script = [] if args.skip_script else script_timings(args.repeats, facts)
        browser = {} if args.skip_browser else browser_timings(store, users_file, facts)

    if script:
        print("\n| page (script run, AppTest) | first (s) | warm median (s) |\n| --- | ---: | ---: |")
    for label, first, warm in script:
        print(f"| {label} | {first:.2f} | {warm:.2f} |")
    if browser:
        print("\n| step in Chromium (click to fully drawn) | first pass (s) | second pass (s) |\n| --- | ---: | ---: |")
        for label, seconds in browser.items():
            print(f"| {label} | " + " | ".join(f"{s:.2f}" for s in seconds) + " |")


if __name__ == "__main__":
    main()
