"""The quality report as one Markdown file, with its charts saved beside it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from linkage.report.build import QualityReport
from linkage.report.charts import CHART_TITLES, report_charts
from linkage.report.saved import FIGURES_FILE, report_figures
from linkage.report.sections import report_sections
from linkage.report.tables import section_markdown

#: The report's file name inside its run's report directory.
REPORT_FILE = "quality.md"
#: Where the charts go, relative to the report.
CHARTS_DIR = "charts"
#: Resolution of the charts' PNGs (readable when printed for a board).
CHART_PPI = 150

DEFINITIONS = (
    "- **Linked pair**: a scored pair whose two records ended in one person (bands link, supported, confirmed). "
    "Pairs below the review threshold are not kept by a run, so every pair figure is over pairs scored at or "
    "above it.",
    "- **False matches expected (model)**: the sum of 1 - match probability over linked pairs, divided by "
    "the linked pairs. Trusts the model's calibration.",
    "- **Missed matches expected (model)**: the sum of match probability over scored pairs left in different "
    "people, of the sum over all scored pairs. Pairs below the review threshold would add to it, so it is a "
    "lower bound; pairs a rule kept apart (the distinct band: twins, two NHS numbers) count in it at the "
    "model's probability although the rule knows better, which is why the review band's share is shown apart.",
    "- **Analysts' rates**: the decision in force on each pair (the latest). A rejected pair the run linked is a "
    "false match found, a confirmed pair it left apart a missed match found (the next run applies both). Split "
    "at the link threshold they say what the model alone would have done: many review-band pairs score above it "
    "and were held back by a rule. Analysts see mostly the review band, so these rates describe the pairs they "
    "chose to check, not a random sample.",
    "- **Review cleared**: review-band pairs with a confirm or reject decision in force; the next run applies "
    "them (the pair then moves to the confirmed or rejected band).",
    "- **Record linked**: its person holds at least one other record. Age is on the report date; a record with "
    "no usable date of birth is counted under 'DOB not recorded'.",
)


def report_markdown(report: QualityReport, charts: Mapping[str, str] | None = None, generated_at: datetime | None = None) -> str:
    """The report as Markdown.

    Args:
        report: From :func:`linkage.report.quality_report`.
        charts: Chart file names (``name.kind``) to paths relative to the report: a PNG is shown
            in the Charts section, the others (interactive HTML, Vega-Lite JSON) linked under it.
        generated_at: When it was written, for the heading.

    Returns:
        The Markdown text.
    """
    r = report
    title = f"run {r.run_id}" if r.run_id is not None else "current results"
    model = f", model v{r.model_version}" if r.model_version is not None else ""
    lines = [
        f"# Linkage quality report: {title}",
        "",
        f"Link threshold {r.link_threshold:g}, review threshold {r.review_threshold:g}{model}. "
        f"Ages on {r.as_of:%Y-%m-%d}."
        + (f" Written {generated_at:%Y-%m-%d %H:%M}, with the analysts' decisions in force then." if generated_at else ""),
        "Counts and rates only: no record, name or identifier appears here.",
        "",
    ]
    for section in report_sections(r):
        lines += section_markdown(section)
    if charts:
        body = []
        for name, files in _grouped(charts).items():
            title = CHART_TITLES.get(name, name)
            images = [f for f in files if f.endswith(".png")]
            body += [f"![{title}]({images[0]})", ""] if images else []
            body += [f"{title}: " + ", ".join(f"[{_kind(f)}]({f})" for f in files if f not in images), ""]
        lines += _section("Charts", body)
    lines += _section("Definitions", [*DEFINITIONS, ""])
    return "\n".join(lines)


def write_quality_report(report: QualityReport, directory: Path, generated_at: datetime | None = None) -> Path:
    """Write the report's Markdown, its charts (PNG, HTML and Vega-Lite JSON) and its figures into a directory.

    Everything opens offline: the PNGs are embedded in the Markdown, and the interactive HTML
    carries the Vega libraries inline rather than loading them from a CDN.

    Args:
        report: From :func:`linkage.report.quality_report`.
        directory: The run's report directory (``StoreLayout.report_dir``), created if absent.
        generated_at: When it was written (default now).

    Returns:
        The Markdown file.
    """
    charts_dir = directory / CHARTS_DIR
    charts_dir.mkdir(parents=True, exist_ok=True)
    saved: dict[str, str] = {}
    for name, chart in report_charts(report).items():
        spec = chart.to_dict()
        (charts_dir / f"{name}.vl.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        chart.save(str(charts_dir / f"{name}.png"), ppi=CHART_PPI)
        chart.save(str(charts_dir / f"{name}.html"), inline=True)
        for suffix in ("png", "html", "vl.json"):
            saved[f"{name}.{suffix}"] = f"{CHARTS_DIR}/{name}.{suffix}"
    # The figures too, so the dashboard can show this run's report after its results file is gone.
    (directory / FIGURES_FILE).write_text(report_figures(report), encoding="utf-8")
    path = directory / REPORT_FILE
    path.write_text(report_markdown(report, saved, generated_at or datetime.now()), encoding="utf-8")
    return path


def _kind(file: str) -> str:
    """A chart file's kind as its link reads: html, or vl.json."""
    return Path(file).name.split(".", 1)[1]


def _grouped(charts: Mapping[str, str]) -> dict[str, list[str]]:
    """Chart files by chart name (the part of the key before its first dot)."""
    grouped: dict[str, list[str]] = {}
    for key, file in charts.items():
        grouped.setdefault(key.split(".")[0], []).append(file)
    return grouped


def _section(heading: str, body: Sequence[str]) -> list[str]:
    return [f"## {heading}", "", *body]
