"""Fields that standardisation nulled on most rows: said loudly, not only as one note a record.

A value standardisation cannot use is nulled with a data-quality note, which is right for
the odd typo. When most of a field's values go that way (every postcode of a non-UK
extract, an identifier column mapped onto the NHS number), the field is lost to linkage,
and the run says so after it finishes, naming the source, the YAML key and the count.
"""

from __future__ import annotations

import logging

import duckdb

from linkage.config import SourceConfig
from linkage.pipeline import run_sql

logger = logging.getLogger(__name__)

#: Person fields whose raw and standardised values both reach ``records``: the field, its raw
#: column, its standardised column and what the nulled values were.
CHECKED_FIELDS = (
    ("forenames", "forenames_raw", "forename", "had no usable forename (a placeholder or no letters)"),
    ("surname", "surname_raw", "surname", "had no usable surname (a placeholder or no letters)"),
    ("dob", "dob_raw", "dob", "were not dates of birth (unparseable, a placeholder or impossible)"),
    ("sex", "sex_raw", "sex", "were not recognised sex codes"),
    ("nhs_number", "nhs_number_raw", "nhs_number", "were not valid NHS numbers"),
    ("pnc_id", "pnc_id_raw", "pnc_id", "were not valid PNC IDs"),
    ("postcode", "postcode_raw", "postcode", "were not UK postcodes"),
    ("address", "address_raw", "address", "had no letters or digits"),
    ("phone", "phone_raw", "phone", "were not UK phone numbers"),
)


def mostly_nulled(
    con: duckdb.DuckDBPyConnection, records: str, source: SourceConfig, max_share: float, min_values: int
) -> list[str]:
    """One line for each mapped person field whose values were mostly nulled in one source.

    Counts the source's usable records (quarantined rows are reported on their own);
    the lines name the YAML key and counts, never a value.

    Args:
        con: A connection holding the records table.
        records: The records table (``records`` or ``records__new``).
        source: The source config.
        max_share: Warn when more than this share of a field's non-blank values was nulled
            (``extract_checks.max_nulled_share``).
        min_values: Fields with fewer non-blank values are not judged (``extract_checks.min_rows_for_share``).

    Returns:
        Lines such as ``person.postcode: 5,000 of 5,000 values were not UK postcodes and were nulled``.
    """
    checked = [(key, raw, clean, what) for key, raw, clean, what in CHECKED_FIELDS if _yaml_key(source, key)]
    if not checked:
        return []
    counts = ", ".join(
        f"count({raw}), count(*) FILTER (WHERE {raw} IS NOT NULL AND {clean} IS NULL)" for _, raw, clean, _ in checked
    )
    row = run_sql(
        con, f"count_nulled_{source.name}", f"SELECT {counts} FROM {records} WHERE source = $source", {"source": source.name}
    ).fetchone()
    lines = []
    for index, (key, _, _, what) in enumerate(checked):
        present, nulled = row[2 * index], row[2 * index + 1]
        if present >= max(min_values, 1) and nulled / present > max_share:
            line = f"{_yaml_key(source, key)}: {nulled:,} of {present:,} values {what} and were nulled"
            logger.warning("source %s: %s", source.name, line)
            lines.append(line)
    return lines


def _yaml_key(source: SourceConfig, key: str) -> str | None:
    """The YAML key a person field's values came from, or None when the source does not map it."""
    if key in ("forenames", "surname") and source.person.full_name is not None:
        return f"person.full_name ({key})"
    return f"person.{key}" if getattr(source.person, key) is not None else None
