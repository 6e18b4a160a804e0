"""Incremental ingest: apply only new, changed and withdrawn rows to the ingest tables.

Runs in a copy of the previous results. Each extract is read whole (to find
withdrawn rows and repeated ids) but only rows whose record id and content hash
are not already known are standardised; unchanged records stay as they were,
with their row numbers brought up to date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from linkage.config import RunConfig, SourceConfig
from linkage.errors import MashError
from linkage.ingest.blanks import BLANKS_COLUMNS
from linkage.ingest.run import ingest_checked, record_columns
from linkage.pipeline import run_sql
from linkage.standardise import create_lookup_tables, note_rows
from linkage.standardise.identifiers import IDENTIFIERS_COLUMN, IDENTIFIERS_TYPE

logger = logging.getLogger(__name__)

#: Temp table of record ids this run touches: ``change`` is 'removed' (an old version
#: gone: withdrawn, changed or now unusable) or 'added' (a new or changed version).
TOUCHED = "touched_records"
#: Temp table of the incidents (source, event_id) of removed records: their other parties'
#: partner keys change (see ``linkage.resolve.incremental``).
TOUCHED_INCIDENTS = "touched_incidents"


@dataclass(frozen=True)
class Changes:
    """What an incremental ingest changed."""

    added: int
    changed: int
    withdrawn: int
    skipped: dict[str, str] = field(default_factory=dict)


def ingest_changes(con: duckdb.DuckDBPyConnection, run: RunConfig, on_source: Callable[[str], None] | None = None) -> Changes:
    """Apply each source's new, changed and withdrawn rows to the live ingest tables of ``con``.

    Args:
        con: A writable copy of the previous results.
        run: The run config.
        on_source: Called with each source name as it starts.

    Returns:
        Counts of added, changed and withdrawn records, and any skipped source.

    Raises:
        ExtractError: A bad extract whose policy is 'stop'.
        MashError: Every source was skipped.
    """
    create_lookup_tables(con, run.standardise.nicknames)
    run_sql(con, "create_touched", f"CREATE OR REPLACE TEMP TABLE {TOUCHED} (unique_id VARCHAR, change VARCHAR)")
    # Results from before blanks were counted get the table on their first incremental run.
    run_sql(con, "create_column_blanks", f"CREATE TABLE IF NOT EXISTS column_blanks ({BLANKS_COLUMNS})")
    # ... and records from before declared identifiers get their (last) column.
    run_sql(con, "add_identifiers_column", f"ALTER TABLE records ADD COLUMN IF NOT EXISTS {IDENTIFIERS_COLUMN} {IDENTIFIERS_TYPE}")
    run_sql(con, "create_touched_incidents", f"CREATE OR REPLACE TEMP TABLE {TOUCHED_INCIDENTS} (source VARCHAR, event_id VARCHAR)")
    last_rows = dict(run_sql(con, "last_rows", "SELECT source, rows_read FROM source_loads").fetchall())
    skipped: dict[str, str] = {}
    for source in run.sources:
        if on_source:
            on_source(source.name)
        problem = ingest_checked(con, run, source, last_rows.get(source.name), known="record_hashes")
        if problem:
            # Its records from the last good run are already here: keep them.
            skipped[source.name] = problem
            run_sql(
                con, f"keep_{source.name}", "UPDATE source_loads SET status = 'kept', problem = $problem WHERE source = $source",
                {"source": source.name, "problem": problem},
            )
            continue
        _apply(con, source)
    if len(skipped) == len(run.sources):
        raise MashError("every source was skipped as a bad extract; nothing to run on: " + "; ".join(skipped.values()))
    added, changed, withdrawn = run_sql(
        con,
        "count_changes",
        f"SELECT count(*) FILTER (WHERE added AND NOT removed), count(*) FILTER (WHERE added AND removed), "
        f"count(*) FILTER (WHERE removed AND NOT added) FROM (SELECT unique_id, bool_or(change = 'added') AS added, "
        f"bool_or(change = 'removed') AS removed FROM {TOUCHED} GROUP BY unique_id)",
    ).fetchall()[0]
    return Changes(added=added, changed=changed, withdrawn=withdrawn, skipped=skipped)


def _apply(con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
    """Replace one source's changed rows in records, dq_notes, quarantine, record_hashes; its blanks and load."""
    name = source.name
    params = {"source": name}
    gone = f"source = $source AND record_id NOT IN (SELECT record_id FROM unchanged_{name})"
    # One pass over the source's records finds those gone (their id no longer among the unchanged rows)
    # and those whose row moved in the file; removing and renumbering read these few. Each used to scan
    # the records again (four joins of a few hundred thousand ids per source). A record always has an id
    # (a row without one is quarantined), so no match in the unchanged rows is what NOT IN says there.
    run_sql(
        con, f"record_fates_{name}",
        f"CREATE OR REPLACE TEMP TABLE record_fates AS SELECT r.unique_id, r.record_id, r.event_id, r.domestic_abuse, "
        f"u.source_row, u.record_id IS NULL AS gone FROM records AS r LEFT JOIN unchanged_{name} AS u ON u.record_id = r.record_id "
        "WHERE r.source = $source AND (u.record_id IS NULL OR u.source_row <> r.source_row)",
        params,
    )
    removed, moved = run_sql(
        con, f"count_fates_{name}", "SELECT count(*) FILTER (WHERE gone), count(*) FILTER (WHERE NOT gone) FROM record_fates"
    ).fetchall()[0]
    steps = []
    if removed:
        steps += [
            ("removed", f"INSERT INTO {TOUCHED} SELECT unique_id, 'removed' FROM record_fates WHERE gone"),
            ("removed_incidents", f"INSERT INTO {TOUCHED_INCIDENTS} SELECT $source, event_id FROM record_fates "
                                  "WHERE gone AND domestic_abuse AND event_id IS NOT NULL"),
            ("drop_records", "DELETE FROM records WHERE source = $source AND record_id IN (SELECT record_id FROM record_fates WHERE gone)"),
        ]
    steps += [
        ("drop_notes", f"DELETE FROM dq_notes WHERE {gone}"),
        ("drop_quarantine", f"DELETE FROM quarantine WHERE source = $source AND (record_id IS NULL OR record_id NOT IN "
                            f"(SELECT record_id FROM unchanged_{name}))"),
    ]
    # Unchanged rows may have moved in the file: keep their row numbers current.
    if moved:
        steps.append((
            "renumber_records",
            "UPDATE records SET source_row = f.source_row FROM record_fates AS f "
            "WHERE NOT f.gone AND records.source = $source AND records.record_id = f.record_id AND records.source_row <> f.source_row",
        ))
    for table in ("dq_notes", "quarantine"):
        steps.append((
            f"renumber_{table}",
            f"UPDATE {table} SET source_row = u.source_row FROM unchanged_{name} AS u "
            f"WHERE {table}.source = $source AND {table}.record_id = u.record_id AND {table}.source_row <> u.source_row",
        ))
    kept = f"FROM std_{name} WHERE quarantine_reason IS NULL"
    steps += [
        ("add_records", f"INSERT INTO records SELECT {record_columns()} {kept}"),
        ("added", f"INSERT INTO {TOUCHED} SELECT unique_id, 'added' {kept}"),
        ("add_notes", f"INSERT INTO dq_notes {note_rows().render(f'std_{name}')}"),
        ("add_quarantine", f"INSERT INTO quarantine SELECT * FROM quarantine_{name}"),
        ("drop_hashes", f"DELETE FROM record_hashes WHERE {gone}"),
        # The rows standardised again (changed_rows: every row but the unchanged), a few beside the unchanged.
        ("add_hashes", f"INSERT INTO record_hashes SELECT source, record_id, row_hash FROM hashes_{name} "
                       f"WHERE record_id IS NOT NULL AND source_row IN (SELECT source_row FROM changed_{name})"),
        ("drop_blanks", "DELETE FROM column_blanks WHERE source = $source"),
        ("add_blanks", f"INSERT INTO column_blanks SELECT * FROM blanks_{name}"),
        ("drop_load", "DELETE FROM source_loads WHERE source = $source"),
        ("add_load", "INSERT INTO source_loads SELECT l.source, l.file, l.rows_read, l.loaded_at, "
                     "(SELECT count(*) FROM records WHERE source = $source), (SELECT count(*) FROM quarantine WHERE source = $source), "
                     f"l.status, l.problem FROM load_{name} AS l"),
    ]
    for step, sql in steps:
        run_sql(con, f"{step}_{name}", sql, params if "$source" in sql else None)
