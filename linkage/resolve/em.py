"""Training's EM passes: one per blocking rule, with Splink's warnings about levels no pair reached
collected rather than printed, and a clear error where a pass drives an m to zero."""

from __future__ import annotations

import logging
import re

from splink.internals.exceptions import EMTrainingException

from linkage.errors import MashError

logger = logging.getLogger(__name__)


class UnseenLevels(logging.Filter):
    """Splink's per-level "not observed in dataset" EM warnings, gathered into one line per run.

    Splink warns once per level, up to 30 lines a run for columns the sources never fill
    (an NHS number on a data set that has none); :func:`train` says instead, once, which
    comparisons carry no evidence and which have levels the m floor sets. Only those
    warnings, and Splink's note that a sampling probe found no pairs (the pass is skipped
    with its own warning), are held back; every other Splink message passes.
    """

    _LOGGERS = ("splink.internals.expectation_maximisation", "splink.internals.em_sampling")
    _LEVEL = re.compile(r"Level .* on comparison (\S+) not observed in dataset")

    def __init__(self) -> None:
        super().__init__()
        self.comparisons: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        found = self._LEVEL.search(message)
        if found:
            self.comparisons.add(found.group(1))
            return False
        return "Probe returned zero blocked pairs" not in message

    def __enter__(self) -> UnseenLevels:
        for name in self._LOGGERS:
            logging.getLogger(name).addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self._LOGGERS:
            logging.getLogger(name).removeFilter(self)


def expectation_maximisation(linker, blocking, rule: tuple[str, ...], max_pairs: int | None) -> bool:
    """One EM pass, blocked on ``rule``, with Splink 5.0's underflow turned into a clear error.

    Splink 5.0.0's EM can drive a level's m probability down to 0.0, which its own setter
    then refuses with a ValueError mid-training (seen: same postcode sector, on 5,000
    generated people, the date-of-birth pass taking it to 1e-293 and the name pass to 0).
    Ordering the passes differently avoided it there.

    A pass whose rule finds no pairs (blocked on a column no source fills) is skipped
    with a warning naming the rule.

    Returns:
        Whether the pass ran.
    """
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(blocking, max_pairs=max_pairs)
    except EMTrainingException:
        logger.warning(
            "training: the EM pass blocked on %s found no pairs (is every column of it mapped by a source?); skipped. "
            "Change 'training.em_blocking_rules' in the model config", list(rule)
        )
        return False
    except ValueError as exc:
        if "m_probability" not in str(exc):
            raise
        raise MashError(
            f"training: the EM pass blocked on {list(rule)} drove a comparison level's m probability to zero, "
            "which Splink cannot store; reorder or change 'training.em_blocking_rules' in the model config "
            "(for example, the name rule before the date-of-birth rule) and run again"
        ) from exc
    return True
