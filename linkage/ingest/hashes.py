"""Row hashes: which rows of an extract are new or changed since the last run."""

from __future__ import annotations

import duckdb

from linkage.config import SourceConfig
from linkage.pipeline import quote_ident, run_sql
from linkage.standardise import record_id_sql
from linkage.text import INVISIBLE


def hash_rows(con: duckdb.DuckDBPyConnection, source: SourceConfig, raw: str, invisible: bool = True) -> None:
    """``hashes_<source>``: each raw row's position, record id and a hash of its content.

    The hash covers every column of the row as read, but not its position, so a
    row that only moved in the file is unchanged. It is DuckDB's 64-bit ``hash``
    (fourteen times faster than md5 here); it is only ever compared between two
    versions of one record id, so a collision is out of reach in practice. A DuckDB
    upgrade that changed the function would make every row look changed once: the
    incremental run then does a full run's work, with the same result.
    """
    run_sql(
        con,
        f"hash_{source.name}",
        f"CREATE OR REPLACE TEMP TABLE hashes_{source.name} AS SELECT $source AS source, source_row, "
        f"{record_id_sql(source, invisible)} AS record_id, "
        f"hash(struct_pack(*COLUMNS(* EXCLUDE (source_row)))) AS row_hash FROM {quote_ident(raw)}",
        {"source": source.name, **({"invisible": INVISIBLE} if invisible else {})},
    )


def changed_rows(con: duckdb.DuckDBPyConnection, source: SourceConfig, raw: str, known: str) -> str:
    """The raw rows to standardise in an incremental run, as a temp table; also ``unchanged_<source>``.

    A row is unchanged when its record id and hash are already in ``known``, no
    other row of the file repeats its id and the last load did not quarantine it;
    everything else (new, changed, repeated, id-less or quarantined rows) is
    standardised again, so a quarantined row's entry names this load's file and row.

    Returns:
        The name of the table of rows to standardise.
    """
    name = source.name
    run_sql(
        con,
        f"unchanged_{name}",
        f"CREATE OR REPLACE TEMP TABLE unchanged_{name} AS SELECT h.record_id, h.source_row FROM hashes_{name} AS h "
        f"JOIN {quote_ident(known)} AS k ON k.source = h.source AND k.record_id = h.record_id AND k.row_hash = h.row_hash "
        f"WHERE h.record_id NOT IN (SELECT record_id FROM hashes_{name} WHERE record_id IS NOT NULL "
        "GROUP BY record_id HAVING count(*) > 1) "
        "AND h.record_id NOT IN (SELECT record_id FROM quarantine WHERE source = $source AND record_id IS NOT NULL)",
        {"source": name},
    )
    run_sql(
        con,
        f"changed_rows_{name}",
        f"CREATE OR REPLACE TEMP TABLE changed_{name} AS SELECT r.* FROM {quote_ident(raw)} AS r "
        f"ANTI JOIN unchanged_{name} AS u USING (source_row)",
    )
    return f"changed_{name}"
