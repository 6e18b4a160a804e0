"""Data-quality notes: why a value was nulled, carried as a list on each row."""

from __future__ import annotations

from collections.abc import Sequence

from linkage.codes import sql_literal
from linkage.pipeline import Step


def append_notes(*notes: tuple[str, str, str], onto: str = "dq") -> str:
    """SQL that appends a note to ``dq`` for each condition that holds.

    Args:
        *notes: ``(condition_sql, column, problem)`` triples; column and problem
            are code-defined text, never input values.
        onto: The list the notes are appended to: the row's ``dq`` by default, or an
            empty list for the step that starts it.

    Returns:
        A ``list_concat(dq, [...]) AS dq`` select item. Conditions that do not
        hold add a null, which is dropped when notes are unnested.
    """
    items = ", ".join(
        f"CASE WHEN {condition} THEN {sql_literal(f'{column}: {problem}')} END"
        for condition, column, problem in notes
    )
    return f"list_concat({onto}, [{items}]) AS dq"


def noted_select(helpers: str, computed: str, notes: Sequence[tuple[str, str, str]], outputs: str) -> str:
    """SQL over ``{input}``: helper columns computed, notes appended, outputs added, helpers dropped.

    The shape of a step that cleans a raw value into a helper column, notes why a value
    was nulled and keeps the clean value.

    Args:
        helpers: The helper columns' names, comma-separated (dropped from the output).
        computed: Select items that compute the helpers (``expression AS helper``).
        notes: ``(condition_sql, column, problem)`` triples for :func:`append_notes`.
        outputs: Select items added to each row, reading the helpers.
    """
    return (
        f"SELECT * EXCLUDE ({helpers}) REPLACE ({append_notes(*notes)}), {outputs} "
        f"FROM (SELECT *, {computed} FROM {{input}})"
    )


def nulled(raw: str, clean: str) -> str:
    """Condition: the raw value was present but the cleaned one is null."""
    return f"({raw} IS NOT NULL AND {clean} IS NULL)"


def note_rows() -> Step:
    """One row per note on a usable record, split into its column and problem (the ``dq_notes`` table)."""
    return Step(
        name="dq_notes",
        purpose="One row per data-quality note on a usable record: the column and the problem.",
        sql=(
            "SELECT source, record_id, source_row, split_part(note, ': ', 1) AS column_name, "
            "substr(note, strpos(note, ': ') + 2) AS problem "
            "FROM (SELECT source, record_id, source_row, unnest(dq) AS note FROM {input} WHERE quarantine_reason IS NULL)"
        ),
    )
