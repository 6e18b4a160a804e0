"""Whole-extract checks, and keeping a bad source's last good data when its policy says skip."""

from __future__ import annotations

from pathlib import Path

import duckdb

from linkage.config import RunConfig, SourceConfig
from linkage.errors import ExtractError
from linkage.pipeline import quote_ident, run_sql
from linkage.store import has_table


def last_good_rows(con: duckdb.DuckDBPyConnection, previous: str) -> dict[str, int]:
    """Rows read per source in the previous results (the last good extract of each)."""
    rows = run_sql(con, "last_good_rows", f"SELECT source, rows_read FROM {quote_ident(previous)}.source_loads").fetchall()
    return dict(rows)


def check_extract(con: duckdb.DuckDBPyConnection, run: RunConfig, source: SourceConfig, last_rows: int | None) -> None:
    """Refuse an extract that is bad as a whole: truncated, mostly unusable, or far larger or smaller than usual.

    Args:
        con: The results connection, holding this source's ``load_`` and ``quarantine_`` tables.
        run: The run config, with its ``extract_checks``.
        source: The source just read.
        last_rows: Rows in the source's last good extract, if any.

    Raises:
        ExtractError: Naming the file and the problem.
    """
    path = run.extract_path(source)
    checks = run.extract_checks
    rows_read, quarantined, last_quarantined_row = run_sql(
        con,
        f"check_{source.name}",
        f"SELECT (SELECT rows_read FROM load_{source.name}), count(*), max(source_row) FROM quarantine_{source.name}",
    ).fetchall()[0]
    if source.file_format == "csv" and rows_read and last_quarantined_row == rows_read and not _ends_with_newline(path):
        raise ExtractError(
            str(path), f"the file ends part-way through row {rows_read}: it looks truncated; ask for the extract again",
            source=source.name, row=int(rows_read),
        )
    if rows_read >= checks.min_rows_for_share and quarantined > checks.max_quarantine_share * rows_read:
        raise ExtractError(
            str(path),
            f"{quarantined:,} of {rows_read:,} rows ({quarantined / rows_read:.0%}) are unusable, over the "
            f"{checks.max_quarantine_share:.0%} limit ('extract_checks.max_quarantine_share'); see the quarantine reasons",
            source=source.name,
        )
    if last_rows and rows_read < (1 - checks.max_shrink) * last_rows:
        raise ExtractError(
            str(path),
            f"{rows_read:,} rows, down from {last_rows:,} in the last good extract: it has lost {1 - rows_read / last_rows:.0%}, "
            f"over the limit of {checks.max_shrink:.0%} ('extract_checks.max_shrink'), and would withdraw those records. "
            "Ask for the extract again; if the fall is expected, raise the limit",
            source=source.name,
        )
    if last_rows and rows_read > checks.max_growth * last_rows:
        raise ExtractError(
            str(path),
            f"{rows_read:,} rows, {rows_read / last_rows:.1f} times the {last_rows:,} of the last good extract, over the "
            f"limit of {checks.max_growth:g} ('extract_checks.max_growth'); if the growth is expected, raise the limit",
            source=source.name,
        )


def keep_last_good(con: duckdb.DuckDBPyConnection, source: SourceConfig, path: Path, problem: str, previous: str | None) -> bool:
    """Copy a skipped source's rows from the previous results into this run's ingest tables.

    Returns:
        Whether there was earlier data to keep.
    """
    params = {"source": source.name, "problem": problem}
    kept = False
    if previous is not None:
        schema = quote_ident(previous)
        for table in ("records", "dq_notes", "quarantine", "record_hashes", "column_blanks"):
            if not has_table(con, table, previous):
                continue  # results from before the table existed
            run_sql(
                con, f"keep_{table}_{source.name}",
                f"INSERT INTO {table}__new BY NAME SELECT * FROM {schema}.{table} WHERE source = $source", {"source": source.name},
            )
        (kept,) = run_sql(
            con, f"keep_load_{source.name}",
            "INSERT INTO source_loads__new BY NAME SELECT source, file, rows_read, loaded_at, records, quarantined, "
            f"'kept' AS status, $problem AS problem FROM {schema}.source_loads WHERE source = $source",
            params,
        ).fetchall()[0]
    if not kept:
        run_sql(
            con, f"skip_load_{source.name}",
            "INSERT INTO source_loads__new BY NAME SELECT $source AS source, $file AS file, 0 AS rows_read, "
            "now() AS loaded_at, 0 AS records, 0 AS quarantined, 'skipped' AS status, $problem AS problem",
            {**params, "file": str(path)},
        )
    return bool(kept)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return True
        handle.seek(-1, 2)
        return handle.read(1) in (b"\n", b"\r")
