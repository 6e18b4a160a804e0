"""The report row model's text: one cell per kind, as the Markdown file and the terminal show it."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from linkage.report import Table, table_rich
from linkage.report.tables import cell_text, table_markdown

# (description, value, kind, text)
CELLS = [
    ("a count gets thousands separators", 12345, "count", "12,345"),
    ("a count read back as a float is still whole", 12345.0, "count", "12,345"),
    ("a figure with a fraction keeps one decimal", 1234.56, "number", "1,234.6"),
    ("a whole figure has none", 7.0, "number", "7"),
    ("a share reads as a percentage to two decimals", 0.98765, "percent", "98.77%"),
    ("a threshold reads as given", 0.95, "threshold", "0.95"),
    ("a verdict met", True, "verdict", "met"),
    ("a verdict missed", False, "verdict", "NOT MET"),
    ("text is shown as it is", "health / police", None, "health / police"),
    ("a missing share reads n/a", None, "percent", "n/a"),
    ("a missing count (NaN in a frame) reads n/a", math.nan, "count", "n/a"),
    ("an undecidable verdict reads n/a", None, "verdict", "n/a"),
]


@pytest.mark.parametrize(("description", "value", "kind", "text"), CELLS, ids=[c[0] for c in CELLS])
def test_cell_text(description, value, kind, text):
    assert cell_text(value, kind) == text, description


def test_markdown_and_terminal_show_the_same_cells():
    table = Table(pd.DataFrame({"measure": ["F1", "Twins | merged"], "value": [0.991, 0.02], "met": [True, False]}),
                  {"value": "percent", "met": "verdict"})
    assert table_markdown(table) == [
        "| measure | value | met |", "| --- | ---: | --- |",
        "| F1 | 99.10% | met |", "| Twins \\| merged | 2.00% | NOT MET |", "",
    ]
    shown = table_rich(table, title="Headline")
    assert [c.header for c in shown.columns] == ["measure", "value", "met"]
    assert list(shown.columns[1].cells) == ["99.10%", "2.00%"]
    assert shown.rows[1].style == "bold red" and shown.rows[0].style is None, "a missed target stands out"
