"""The evaluation as report sections: the Markdown file, the terminal tables and the dashboard read the same rows."""

from __future__ import annotations

import pytest
from rich.console import Console

from linkage.evaluate import EVALUATION_SECTIONS, evaluation_sections, evaluation_tables, write_report
from tests.linkage.evaluate.conftest import CASES, run_case

SERIAL = {"flagged": 4, "true_positive": 3, "false_positive": 1, "truth": 3, "found": 3, "precision": 0.75, "recall": 1.0}
REPEAT = {"flagged": 2, "true_positive": 2, "false_positive": 0, "truth": 2, "found": 2, "precision": 1.0, "recall": 1.0}


def _section(sections, heading):
    return next(s for s in sections if s.heading == heading)


def test_markdown_report_carries_the_headline_figures(tmp_path):
    sections = evaluation_sections(run_case(tmp_path, CASES[3]))
    charts = {"Match weights": "match weights.html", "Cluster sizes": "cluster_sizes.png"}
    path = write_report(sections, tmp_path / "out" / "evaluation.md", charts)
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "out" / "evaluation.md"
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == [
        *EVALUATION_SECTIONS, "Charts", "Definitions"]
    assert "| Cluster-pair precision | 33.33% |  |  | n/a |" in text
    assert "| Cluster-pair recall | 100.00% |  |  | n/a |" in text
    assert "| Twins merged | 100.00% | 1 of 1 | <= 1% | NOT MET |" in text
    assert "| Junior/senior merged | 0.00% | 0 of 1 | <= 1% | met |" in text
    assert "| Namesakes merged | n/a | 0 of 0 | <= 3% | n/a |" in text
    assert "| Serial perpetrators split across people | 0.00% | 0 of 1 |  | n/a |" in text
    assert "| Truth records not in the store (quarantined) | 1 |" in text
    assert "| health / police | 1 | 1 | 100.00% |" in text
    assert "| B-cubed (mean over records) | n/a | n/a | n/a |" in text
    assert "- [Match weights](match%20weights.html)" in text
    assert "![Cluster sizes](cluster_sizes.png)" in text


def test_report_without_charts_has_no_chart_section(tmp_path):
    text = write_report(evaluation_sections(run_case(tmp_path, CASES[0])), tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## Charts" not in text
    assert "| People in review band | 0.00% | 0 of 3 | < 2% | met |" in text


# (description, flag accuracy given, rows of the flags table, words of its lead)
FLAG_CASES = [
    ("store without flags: no table, the lead says why", None, None, "holds no flags"),
    ("truth without any marker column: no table, the lead names the columns", {}, None, "is_serial_perpetrator"),
    ("two flags scored: one row each, the one below target NOT MET", {"serial_perpetrator": SERIAL, "repeat_victim": REPEAT},
     [("serial_perpetrator", False), ("repeat_victim", True)], "at least 97%"),
]


@pytest.mark.parametrize(("description", "accuracy", "rows", "lead"), FLAG_CASES, ids=[c[0] for c in FLAG_CASES])
def test_flags_section(tmp_path, description, accuracy, rows, lead):
    section = _section(evaluation_sections(run_case(tmp_path, CASES[0]), accuracy), "Safeguarding flags against truth")
    assert lead in section.lead, description
    if rows is None:
        assert section.tables == (), description
    else:
        (table,) = section.tables
        assert list(zip(table.frame["flag"], table.frame["met"], strict=True)) == rows, description
        assert table.kinds["precision"] == "percent" and table.kinds["met"] == "verdict", description


def test_terminal_tables_show_the_same_rows(tmp_path):
    sections = evaluation_sections(run_case(tmp_path, CASES[2]), {"serial_perpetrator": SERIAL})
    console = Console(record=True, width=160)
    for shown in evaluation_tables(sections):
        console.print(shown)
    text = console.export_text()
    assert all(heading in text for heading in EVALUATION_SECTIONS)
    assert "Cluster-pair recall" in text and "33.33%" in text
    assert "People in review band" in text and "2 of 3" in text and "66.67%" in text
    assert "health / police" in text
    assert "serial_perpetrator" in text and "75.00%" in text and "NOT MET" in text


def test_dashboard_frames_keep_raw_values(tmp_path):
    """The dashboard formats the frames itself: shares stay fractions, verdicts stay booleans."""
    headline = _section(evaluation_sections(run_case(tmp_path, CASES[3])), "Headline").tables[0]
    rows = headline.frame.set_index("measure")
    assert rows.at["Cluster-pair precision", "value"] == pytest.approx(1 / 3)
    assert not rows.at["Twins merged", "met"] and rows.at["Junior/senior merged", "met"]
    assert headline.kinds == {"value": "percent", "met": "verdict"}
