"""Data-quality notes: why a value was nulled, carried as a list on each row."""

from __future__ import annotations

from linkage.codes import sql_literal


def append_notes(*notes: tuple[str, str, str]) -> str:
    """SQL that appends a note to ``dq`` for each condition that holds.

    Args:
        *notes: ``(condition_sql, column, problem)`` triples; column and problem
            are code-defined text, never input values.

    Returns:
        A ``list_concat(dq, [...]) AS dq`` select item. Conditions that do not
        hold add a null, which is dropped when notes are unnested.
    """
    items = ", ".join(
        f"CASE WHEN {condition} THEN {sql_literal(f'{column}: {problem}')} END"
        for condition, column, problem in notes
    )
    return f"list_concat(dq, [{items}]) AS dq"


def nulled(raw: str, clean: str) -> str:
    """Condition: the raw value was present but the cleaned one is null."""
    return f"({raw} IS NOT NULL AND {clean} IS NULL)"
