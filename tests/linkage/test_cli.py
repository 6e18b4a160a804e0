"""The mash command end to end on a small generated set, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkage.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    args = ["--config", str(REPO / "configs" / "run.yaml"), "--store", str(root / "mash.duckdb"), "--extracts", str(root / "extracts")]
    assert main(["generate", "--people", "3000", "--seed", "4", "--out", str(root / "extracts")]) == 0
    assert main(["run", *args]) == 0
    return root, args


def _count(root: Path, sql: str) -> int:
    from linkage.store import open_results

    with open_results(root / "mash.duckdb") as con:
        return con.execute(sql).fetchone()[0]


def _rows(root: Path, sql: str) -> list[tuple]:
    from linkage.store import open_results

    with open_results(root / "mash.duckdb") as con:
        return con.execute(sql).fetchall()


def _csv_rows(path: Path) -> int:
    import csv

    with path.open(newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def _headline(out: str) -> int:
    """The number of flags ``mash flags`` says it found."""
    import re

    found = re.search(r"([\d,]+) flags, most severe first \(showing (\d+)\)", out)
    assert found, out[:300]
    return int(found.group(1).replace(",", ""))


def _graph_people(root: Path) -> int:
    import networkx as nx

    graph = nx.read_graphml(root / "graph" / "graph.graphml")
    return sum(1 for node in graph if node.startswith("MP"))


# (description, command, what it must show or write: a check over the workspace root and the output)
COMMANDS = [
    ("ingest alone: every source read, into a file of its own",
     ["ingest"],
     lambda root, out: all(s in out for s in ("police", "social_care", "health", "rows read", "ingest-check.duckdb"))),
    ("list flags filtered: as many as the store holds of that code with police evidence",
     ["flags", "--code", "repeat_victim", "--agency", "police", "--limit", "3"],
     lambda root, out: _headline(out) == _count(
         root, "SELECT count(*) FROM flags WHERE CAST(code AS VARCHAR) = 'repeat_victim' AND list_contains(agencies, 'police')"
     ) > 0 and "(showing 3)" in out),
    ("list flags by decision: none decided yet, so every flag",
     ["flags", "--status", "new", "--status", "under_review", "--limit", "3"],
     lambda root, out: _headline(out) == _count(root, "SELECT count(*) FROM flags") > 0),
    ("blocking analysis on a sample: every rule with its pairs",
     ["blocking", "--sample", "0.2"],
     lambda root, out: "Candidate pairs by blocking rule" in out and 'l."nhs_number" = r."nhs_number"' in out),
    ("evaluate against truth: a report with the figures",
     ["evaluate", "--report", "{root}/eval/report.md"],
     lambda root, out: "Cluster-pair F1" in (root / "eval" / "report.md").read_text()),
    ("export the key file: a row per record",
     ["export", "links", "--out", "{root}/links.csv"],
     lambda root, out: _csv_rows(root / "links.csv") == _count(root, "SELECT count(*) FROM records")),
    ("export the golden view: a row per person",
     ["export", "persons", "--out", "{root}/persons.csv"],
     lambda root, out: _csv_rows(root / "persons.csv") == _count(root, "SELECT count(*) FROM persons")),
    ("export flags: a row per flag",
     ["export", "flags", "--out", "{root}/flags.csv"],
     lambda root, out: _csv_rows(root / "flags.csv") == _count(root, "SELECT count(*) FROM flags")),
    ("export the whole graph: a node per person",
     ["export", "graph", "--out", "{root}/graph"],
     lambda root, out: _graph_people(root) == _count(root, "SELECT count(*) FROM persons")),
    ("the run history: the full run",
     ["runs", "--limit", "5"],
     lambda root, out: "run 1: full, complete" in out),
]


@pytest.mark.parametrize(("description", "command", "check"), COMMANDS, ids=[c[0].split(":")[0] for c in COMMANDS])
def test_commands_succeed(workspace, capsys, description, command, check):
    """Each command on the shared workspace (none of these changes its results) exits 0 and does what it says."""
    root, args = workspace
    command = [part.format(root=root) for part in command]
    split = 2 if command[0] == "export" else 1  # options go after the sub-command
    assert main([*command[:split], *args, *command[split:]]) == 0, description
    out = capsys.readouterr().out
    assert "error" not in out.lower(), description
    assert check(root, out), description


def test_an_incremental_run_with_nothing_new_changes_nobody(workspace, tmp_path, capsys):
    """On a copy of the workspace (it adds a run): the model is reused, and people and their records stay as they were."""
    import shutil

    root, args = workspace
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    args = [str(copy / Path(a).relative_to(root)) if a.startswith(str(root)) else a for a in args]
    people = "SELECT person_id, list(unique_id ORDER BY unique_id) FROM clusters GROUP BY ALL ORDER BY ALL"
    from linkage.store import open_results

    with open_results(copy / "mash.duckdb") as con:
        before = con.execute(people).fetchall()
    capsys.readouterr()
    assert main(["run", "--incremental", *args]) == 0
    assert "(reused)" in capsys.readouterr().out
    with open_results(copy / "mash.duckdb") as con:
        assert con.execute(people).fetchall() == before
    assert main(["runs", *args]) == 0
    assert "run 2: incremental, complete" in capsys.readouterr().out


def test_flags_name_people_and_their_decisions(workspace, capsys):
    """mash flags shows each flagged person's name and DOB beside the id, and the decision recorded on the flag."""
    from linkage.accountability.flag_decisions import record_flag_decision
    from linkage.store import open_results, open_state

    root, args = workspace
    with open_results(root / "mash.duckdb") as con:
        code, person_id, forename, surname, dob = con.execute(
            "SELECT CAST(f.code AS VARCHAR), f.person_id, p.forename, p.surname, TRY_CAST(p.dob AS DATE) FROM flags AS f "
            "JOIN persons AS p USING (person_id) WHERE p.dob IS NOT NULL AND p.surname IS NOT NULL ORDER BY f.flag_id LIMIT 1"
        ).fetchone()
    with open_state(root / "mash.duckdb") as state:
        record_flag_decision(
            state, flag_code=code, person_id=person_id, status="actioned", outcome="no_further_action", owner="team",
            rationale="CLI test", user_name="cli-test", role="mash_analyst", purpose="test",
        )
    assert main(["flags", *args, "--status", "actioned", "--code", code, "--limit", "200"]) == 0
    out = capsys.readouterr().out
    assert person_id in out and surname in out and f"{dob:%d/%m/%Y}" in out
    assert "Actioned:" in out and "further" in out, "the decision, folded into a narrow terminal's cell"
    assert main(["flags", *args, "--status", "new", "--code", code, "--limit", "500"]) == 0
    assert person_id not in capsys.readouterr().out


def test_run_history_lists_each_run(workspace, capsys):
    root, args = workspace
    assert main(["runs", *args]) == 0
    out = capsys.readouterr().out
    assert "complete" in out and "full" in out, "the first run is listed"


def test_report_writes_the_latest_runs_quality_report(workspace, capsys, caplog):
    import logging

    from linkage.history import list_runs
    from linkage.report import SECTIONS, read_report_figures
    from linkage.store import open_state

    root, args = workspace
    caplog.set_level(logging.DEBUG)
    assert main(["-v", "report", *args]) == 0
    said = capsys.readouterr()
    assert "error" not in said.out.lower()
    assert "step report_link_rates" in caplog.text, "each SQL step logged by name"
    # No name, date of birth or identifier of any record in what it logged or printed.
    people = _rows(root, "SELECT surname, strftime(dob, '%Y-%m-%d'), nhs_number, pnc_id, record_id FROM records "
                         "WHERE surname IS NOT NULL AND dob IS NOT NULL ORDER BY unique_id LIMIT 200")
    personal = {v for row in people for v in row if v and len(v) > 3}
    told = caplog.text + said.out  # stderr repeats these records with timestamps
    assert personal and not [v for v in personal if v in told]
    with open_state(root / "mash.duckdb") as state:
        latest = next(r for r in list_runs(state) if r.status == "complete")
    path = root / "mash.reports" / f"run-{latest.run_id:06d}" / "quality.md"
    text = path.read_text(encoding="utf-8")
    assert all(f"## {section}\n" in text for section in SECTIONS)
    assert (path.parent / "charts" / "link_rates.html").is_file()
    # The report's figures are the run's own, counted again from its results.
    c = latest.counts
    for label, value in (("Records", c["records"]), ("People", c["people"]), ("Scored pairs", c["pairs"]),
                         ("Records linked to another record", c["linked_records"])):
        assert f"| {label} | {value:,} |" in text, label
    assert f"| two_dobs | two dates of birth more than a keystroke apart | {c['implausible']['two_dobs']:,} |" in text
    figures = read_report_figures(path.parent / "report.json")
    assert (figures.run_id, figures.overview["people"]) == (latest.run_id, c["people"]), "its figures kept beside it"
    assert main(["runs", *args]) == 0
    assert f"quality report: {path}" in capsys.readouterr().out


ERRORS = [
    ("incremental with retrain", ["run", "--incremental", "--retrain"], "retrain with a full run"),
    ("unknown flag code", ["flags", "--code", "nonsense"], "unknown flag code"),
    ("a misspelt agency is refused, not an empty list", ["flags", "--agency", "polic"], "unknown agency(s) ['polic']"),
    ("unknown decision status", ["flags", "--status", "closed"], "unknown status(s) ['closed']"),
    ("person not in the store", ["export", "graph", "--out", "{root}/g2", "--person", "MP9999999"], "no person"),
    ("quality report of a run not in the history", ["report", "--run", "999"], "no run 999 in the run history"),
]


@pytest.mark.parametrize(("description", "command", "words"), ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_exit_2_with_a_message(workspace, capsys, description, command, words):
    root, args = workspace
    command = [part.format(root=root) for part in command]
    split = 2 if command[0] == "export" else 1
    assert main([*command[:split], *args, *command[split:]]) == 2, description
    assert words in capsys.readouterr().out, description


def test_missing_config_is_a_clear_error(capsys):
    assert main(["ingest", "--config", "no/such/run.yaml"]) == 2
    assert "no/such/run.yaml: file not found" in capsys.readouterr().out


GENERATE = [
    ("no profile: today's default rates", [], 0, "default"),
    ("clean profile", ["--profile", "clean"], 0, "clean"),
    ("harsh profile", ["--profile", "harsh"], 0, "harsh"),
    ("unknown profile refused, naming the valid ones", ["--profile", "dirty"], 2, "clean, default, harsh"),
]


@pytest.mark.parametrize(("description", "extra", "status", "expected"), GENERATE, ids=[c[0] for c in GENERATE])
def test_generate_profiles(tmp_path, capsys, description, extra, status, expected):
    out = tmp_path / "extracts"
    assert main(["generate", "--people", "500", "--seed", "3", "--out", str(out), *extra]) == status, description
    if status:
        assert expected in capsys.readouterr().out and not out.exists(), description
    else:
        assert json.loads((out / "truth" / "manifest.json").read_text())["profile"] == expected, description


def test_a_failed_run_is_not_reported_as_linking_anyone(tmp_path, capsys, monkeypatch):
    """A run that fails after clustering lists what it read, not people it never kept (issue 14 item 7)."""
    from linkage.engine import DuckDBEngine
    from linkage.errors import MashError

    args = ["--config", str(REPO / "configs" / "run.yaml"), "--store", str(tmp_path / "mash.duckdb"), "--extracts", str(tmp_path / "x")]
    assert main(["generate", "--people", "1500", "--seed", "8", "--out", str(tmp_path / "x")]) == 0
    assert main(["run", *args]) == 0

    def broken(*_args, **_kwargs):
        raise MashError("the flags stage broke")

    monkeypatch.setattr(DuckDBEngine, "flags", broken)
    assert main(["run", *args]) == 2
    capsys.readouterr()
    assert main(["runs", *args]) == 0
    out = capsys.readouterr().out
    failed, complete = out.split("run 2:")[1].split("run 1:")
    assert "failed" in failed and "not kept" in failed and "records linked" not in failed
    assert "records linked" in complete and "implausible people" in complete


def test_a_person_id_typed_in_lower_case_is_found(workspace):
    """Ids are upper case in the store; an analyst typing mp0000042 means MP0000042."""
    from linkage.store import open_results

    root, args = workspace
    with open_results(root / "mash.duckdb") as con:
        (person,) = con.execute("SELECT person_id FROM persons ORDER BY person_id LIMIT 1").fetchone()
    out = root / "lower"
    assert main(["export", "graph", *args, "--out", str(out), "--person", person.lower()]) == 0
    assert (out / "graph.graphml").is_file()


def test_dashboard_on_a_busy_port_is_a_clear_error(workspace, capsys, monkeypatch):
    """A port something listens on is refused before any URL is printed (issue 16 item 10)."""
    import os
    import socket

    def no_exec(*_args):
        raise AssertionError("the dashboard server would have been started")

    monkeypatch.setattr(os, "execve", no_exec)  # never replace the test process
    root, args = workspace
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", *args[:2], "--port", str(port)]) == 2
    out = capsys.readouterr().out
    assert f"cannot serve on 127.0.0.1:{port}" in out and "--port" in out
    assert "Dashboard on http" not in out
