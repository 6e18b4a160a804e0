"""Results scored against ground truth (``mash evaluate``, the dashboard's quality page, the benchmarks).

:func:`evaluate` measures linkage (pair precision and recall, B-cubed, hard negatives merged,
the review band), :func:`flag_accuracy` the safeguarding flags; :func:`evaluation_sections`
turns both into the report row model (``linkage.report.tables``) that :func:`write_report`
(Markdown), :func:`evaluation_tables` (terminal) and the dashboard render;
:func:`evaluation_report` does all three steps on a results store.
"""

from linkage.evaluate.flags import FLAG_TARGETS, flag_accuracy, meets_flag_targets
from linkage.evaluate.measures import HARD_NEGATIVE_KINDS, REVIEW_SHARE_TARGET, Evaluation
from linkage.evaluate.report import evaluation_tables, write_report
from linkage.evaluate.scoring import evaluate
from linkage.evaluate.sections import EVALUATION_SECTIONS, evaluation_report, evaluation_sections

__all__ = [
    "EVALUATION_SECTIONS",
    "FLAG_TARGETS",
    "HARD_NEGATIVE_KINDS",
    "REVIEW_SHARE_TARGET",
    "Evaluation",
    "evaluate",
    "evaluation_report",
    "evaluation_sections",
    "evaluation_tables",
    "flag_accuracy",
    "meets_flag_targets",
    "write_report",
]
