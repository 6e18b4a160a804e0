"""Exports for agencies and analysts, as CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

from linkage.codes import IDENTITY_FIELDS
from linkage.errors import MashError
from linkage.pipeline import run_sql
from linkage.store import require_table

#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = "^[=+\\-@\t\r]"


def safe_text(expression: str) -> str:
    """SQL that prefixes a text value with an apostrophe if a spreadsheet would run it."""
    return f"CASE WHEN regexp_matches({expression}, $formula_start) THEN '''' || {expression} ELSE {expression} END"


def export_links(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Write the key file agencies load back: one row per source record and its person.

    Columns: source, record_id, person_id, link_strength, best_match_probability.

    Args:
        con: The store connection.
        path: The CSV file to write.

    Returns:
        Rows written.

    Raises:
        MashError: The store has no resolved people yet.
    """
    require_table(con, "clusters")
    select = (
        f"SELECT {safe_text('r.source')} AS source, {safe_text('r.record_id')} AS record_id, c.person_id, "
        "c.link_strength, round(c.best_match_probability, 4) AS best_match_probability "
        "FROM records AS r JOIN clusters AS c USING (unique_id) ORDER BY r.source, r.record_id"
    )
    return _copy(con, "export_links", select, path)


def export_persons(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The golden view: one row per resolved person, with the fields in conflict.

    Args:
        con: The store connection.
        path: The CSV file to write.

    Returns:
        Rows written.
    """
    require_table(con, "persons")
    text = ("person_id", *IDENTITY_FIELDS)
    select = (
        "SELECT " + ", ".join(f"{safe_text(c)} AS {c}" for c in text) + ", records, "
        "array_to_string(agencies, '; ') AS agencies, array_to_string(conflicts, '; ') AS conflicts, first_seen, last_seen "
        "FROM persons ORDER BY person_id"
    )
    return _copy(con, "export_persons", select, path)


def export_flags(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """One row per safeguarding flag, most severe first, with its rule and parameters.

    Args:
        con: The store connection.
        path: The CSV file to write.

    Returns:
        Rows written.
    """
    require_table(con, "flags")
    select = (
        "SELECT flag_id, CAST(code AS VARCHAR) AS code, severity, person_id, "
        f"array_to_string(person_ids, '; ') AS people, {safe_text('rule')} AS rule, "
        "array_to_string(agencies, '; ') AS agencies, cross_agency, round(weakest_link, 4) AS weakest_link, "
        f"round(score, 2) AS score, evidence_records, {safe_text('parameters')} AS parameters "
        "FROM flags ORDER BY flag_id"
    )
    return _copy(con, "export_flags", select, path)


def export_graph(
    con: duckdb.DuckDBPyConnection, directory: Path, person_id: str | None = None, depth: int = 1
) -> dict[str, Path]:
    """The safeguarding graph (or one person's part of it) for i2, Gephi and GraphML tools.

    Writes ``entities.csv`` and ``links.csv`` (spreadsheet-safe), ``graph.json`` (both
    tables) and ``graph.graphml``.

    Args:
        con: The store connection.
        directory: Where to write the files.
        person_id: Only this person's neighbourhood; None for the whole graph.
        depth: Steps from the person.

    Returns:
        Each file written, by kind.

    Raises:
        MashError: No resolved people yet, or the person is not in the store.
    """
    from graph import build_graph
    from graph.export import entities_and_links, neighbourhood, write_graphml
    from linkage.resolve import resolve_person_id
    from linkage.safeguard import graph_frames, read_shared_addresses

    require_table(con, "persons")
    # The households the flags saw: none at a refuge, hostel or other shared address.
    graph = build_graph(*graph_frames(con), shared_addresses=read_shared_addresses(con))
    if person_id is not None:
        # As typed (any case) or an id since merged into another: the person it names now.
        current = resolve_person_id(con, person_id) or person_id
        try:
            graph = neighbourhood(graph, current, depth)
        except KeyError:
            raise MashError(f"no person '{person_id}' in the store") from None
    directory.mkdir(parents=True, exist_ok=True)
    entities, links = entities_and_links(graph)
    entities, links = safe_frame(entities), safe_frame(links)
    files = {
        "entities": directory / "entities.csv",
        "links": directory / "links.csv",
        "json": directory / "graph.json",
        "graphml": directory / "graph.graphml",
    }
    entities.to_csv(files["entities"], index=False)
    links.to_csv(files["links"], index=False)
    files["json"].write_text(
        json.dumps({"entities": entities.to_dict("records"), "links": links.to_dict("records")}, default=str, indent=1),
        encoding="utf-8",
    )
    write_graphml(graph, files["graphml"])
    return files


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell a spreadsheet would run as a formula prefixed by an apostrophe."""
    pattern = re.compile(FORMULA_START)
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: "'" + v if isinstance(v, str) and pattern.match(v) else v)
    return out


def _copy(con: duckdb.DuckDBPyConnection, step: str, select: str, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    run_sql(con, step, f"COPY ({select}) TO '{_path_literal(path)}' (HEADER, DELIMITER ',')", {"formula_start": FORMULA_START})
    return run_sql(con, f"{step}:count", f"SELECT count(*) FROM ({select})", {"formula_start": FORMULA_START}).fetchall()[0][0]


def _path_literal(path: Path) -> str:
    # COPY's target cannot be a bound parameter; the path is the operator's own argument.
    return str(path).replace("'", "''")
