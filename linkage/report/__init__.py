"""The linkage quality report of a run (``mash report``, the dashboard's quality page): counts and rates only."""

from linkage.report.build import AGE_BANDS, MODEL_FALSE, MODEL_MISSED, REPORT_THRESHOLDS, QualityReport, quality_report
from linkage.report.charts import CHART_TITLES, report_charts
from linkage.report.markdown import SECTIONS, report_markdown, write_quality_report
from linkage.report.run import report_for_run, report_path, write_report_for_run

__all__ = [
    "AGE_BANDS",
    "CHART_TITLES",
    "MODEL_FALSE",
    "MODEL_MISSED",
    "REPORT_THRESHOLDS",
    "SECTIONS",
    "QualityReport",
    "quality_report",
    "report_charts",
    "report_for_run",
    "report_markdown",
    "report_path",
    "write_quality_report",
    "write_report_for_run",
]
