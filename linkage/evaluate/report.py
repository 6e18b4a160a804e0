"""The evaluation's sections written out: a Markdown report with charts, and tables for the terminal."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import RenderableType
from rich.text import Text

from linkage.report import Section, section_markdown, table_rich

logger = logging.getLogger(__name__)

__all__ = ["evaluation_tables", "write_report"]

_IMAGE_SUFFIXES = frozenset({".png", ".svg", ".jpg", ".jpeg", ".gif"})

DEFINITIONS = (
    "- **Cluster pairs**: every unordered pair of evaluated records; predicted if both share a resolved person, "
    "actual if both share a true person.",
    "- **Scored pairs**: the model's scored pairs in the named bands, judged against truth; recall is over all "
    "true pairs, including those never scored.",
    "- **B-cubed**: per record, the share of its resolved person that is truly it (precision) and the share of its "
    "true person found in its resolved person (recall), averaged over records.",
    "- **Hard negatives**: pairs of different true people (twins, father and son of the same name, namesakes), both "
    "with records in the store; merged if any record of each shares a resolved person.",
    "- **Review band**: resolved people holding a record of a pair scored between the review and auto-link "
    "thresholds, as a share of all resolved people.",
    "- Records quarantined by ingestion are not evaluated; they are counted as truth records not in the store.",
)


def _href(file: str) -> str:
    return file.replace(" ", "%20")


def _chart_lines(charts: Mapping[str, str]) -> list[str]:
    # Images are embedded; anything else (interactive HTML) is linked, links first.
    images = {t: f for t, f in charts.items() if Path(f).suffix.lower() in _IMAGE_SUFFIXES}
    lines = ["## Charts", ""]
    lines += [f"- [{t}]({_href(f)})" for t, f in charts.items() if t not in images]
    if len(lines) > 2:
        lines.append("")
    for title, file in images.items():
        lines += [f"### {title}", "", f"![{title}]({_href(file)})", ""]
    return lines


def write_report(sections: Sequence[Section], path: Path, charts: Mapping[str, str] | None = None) -> Path:
    """Write the evaluation as a Markdown report.

    Args:
        sections: From :func:`linkage.evaluate.evaluation_sections`.
        path: The Markdown file to write (parent directories are created).
        charts: Chart title to a file name relative to the report: images
            (PNG, SVG, JPEG, GIF) are embedded, other files (HTML) linked.

    Returns:
        The path written.
    """
    lines = ["# MASH Link: evaluation against ground truth", ""]
    for section in sections:
        lines += section_markdown(section)
    if charts:
        lines += _chart_lines(charts)
    lines += ["## Definitions", "", *DEFINITIONS, ""]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    logger.info("evaluation report written")
    return path


def evaluation_tables(sections: Sequence[Section]) -> list[RenderableType]:
    """The sections for the terminal: one table per section (a missed target in bold red), or its lead alone."""
    shown: list[RenderableType] = []
    for section in sections:
        if not section.tables:
            shown.append(Text(f"{section.heading}: {section.lead}"))
        shown += [table_rich(table, title=section.heading, caption=section.lead) for table in section.tables]
    return shown
