"""The one row model every report renders (Markdown file, terminal, dashboard), and its text forms.

A report is a tuple of :class:`Section`; each holds :class:`Table` s whose columns carry a
:data:`Kind` saying how their values read. The quality report (``mash report``) and the
evaluation against ground truth (``mash evaluate``) are both built this way, so the
Markdown file, the terminal and the dashboard show the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from rich.table import Table as RichTable

__all__ = ["Kind", "Section", "Table", "cell_text", "section_markdown", "table_markdown", "table_rich"]

#: How a column's values read: a whole count, a figure with one decimal, a share, a threshold,
#: or a verdict (a target met or not).
Kind = Literal["count", "number", "percent", "threshold", "verdict"]


@dataclass(frozen=True)
class Table:
    """One table of a section.

    Attributes:
        frame: The rows, columns in the order shown.
        kinds: How each numeric or verdict column reads; other columns are text.
        title: A title above it, where a section has several tables.
    """

    frame: pd.DataFrame
    kinds: Mapping[str, Kind] = field(default_factory=dict)
    title: str = ""


@dataclass(frozen=True)
class Section:
    """One section: a heading, a sentence or two, its tables, and the chart that goes with it.

    Attributes:
        heading: The section's heading.
        lead: Sentences read before the tables (may be empty).
        tables: The section's tables (may be none: the lead says why).
        chart: Name of a chart that goes with it, if any.
    """

    heading: str
    lead: str
    tables: tuple[Table, ...]
    chart: str | None = None


def _int(value: Any) -> str:
    return f"{int(value):,}"


def _number(value: Any) -> str:
    return f"{value:,.1f}" if isinstance(value, float) and not float(value).is_integer() else f"{int(value):,}"


def _pct(value: Any) -> str:
    return f"{value:.2%}"


def _verdict(value: Any) -> str:
    return "met" if value else "NOT MET"


#: Text of each column kind; a missing value reads n/a whatever its kind.
_FORMATS: dict[str, Callable[[Any], str]] = {
    "count": _int, "number": _number, "percent": _pct, "threshold": "{:g}".format, "verdict": _verdict,
}


def cell_text(value: Any, kind: Kind | None) -> str:
    """One cell as text: formatted by its column's kind, ``n/a`` when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "n/a"
    return _FORMATS[kind](value) if kind else str(value)


def _rows(table: Table) -> list[list[str]]:
    columns = list(table.frame.columns)
    return [[cell_text(v, table.kinds.get(c)) for c, v in zip(columns, row, strict=True)]
            for row in table.frame.itertuples(index=False)]


def _heading(column: Any) -> str:
    return str(column).replace("_", " ")


def table_markdown(table: Table) -> list[str]:
    """A Markdown table (lines, then a blank line); formatted columns are right-aligned."""
    columns = list(table.frame.columns)
    align = ["---:" if table.kinds.get(c) not in (None, "verdict") else "---" for c in columns]
    lines = ["| " + " | ".join(_heading(c) for c in columns) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _rows(table)]
    return [*lines, ""]


def section_markdown(section: Section) -> list[str]:
    """A section as Markdown: its heading, its lead, its tables (each under its title if it has one)."""
    lines = [f"## {section.heading}", ""]
    lines += [section.lead, ""] if section.lead else []
    for table in section.tables:
        lines += [f"**{table.title}**", ""] if table.title else []
        lines += table_markdown(table)
    return lines


def table_rich(table: Table, title: str = "", caption: str = "") -> RichTable:
    """A table for the terminal; a row whose verdict is 'NOT MET' is shown in bold red."""
    shown = RichTable(title=title or table.title or None, caption=caption or None, caption_justify="left")
    for column in table.frame.columns:
        shown.add_column(_heading(column), justify="right" if table.kinds.get(column) not in (None, "verdict") else "left")
    verdicts = [i for i, c in enumerate(table.frame.columns) if table.kinds.get(c) == "verdict"]
    for row in _rows(table):
        failed = any(row[i] == _verdict(False) for i in verdicts)
        shown.add_row(*row, style="bold red" if failed else None)
    return shown
