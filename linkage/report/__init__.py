"""The linkage quality report of a run (``mash report``, the dashboard's quality page): counts and rates only."""

from linkage.report.build import AGE_BANDS, MODEL_FALSE, MODEL_MISSED, REPORT_THRESHOLDS, QualityReport, quality_report
from linkage.report.charts import CHART_TITLES, report_charts
from linkage.report.markdown import report_markdown, write_quality_report
from linkage.report.run import report_for_run, report_path, write_report_for_run
from linkage.report.saved import read_report_figures, report_figures, saved_reports
from linkage.report.sections import SECTION_CHARTS, SECTIONS, report_sections
from linkage.report.tables import Section, Table, section_markdown, table_rich

__all__ = [
    "AGE_BANDS",
    "CHART_TITLES",
    "MODEL_FALSE",
    "MODEL_MISSED",
    "REPORT_THRESHOLDS",
    "SECTIONS",
    "SECTION_CHARTS",
    "QualityReport",
    "Section",
    "Table",
    "quality_report",
    "read_report_figures",
    "report_charts",
    "report_figures",
    "report_for_run",
    "report_markdown",
    "report_path",
    "report_sections",
    "saved_reports",
    "section_markdown",
    "table_rich",
    "write_quality_report",
    "write_report_for_run",
]
