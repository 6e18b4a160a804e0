"""The linkage quality report of one run's results: every figure from a named SQL step.

What a linkage expert asks of a run (GUILD; Harron et al. 2017): how the match weights
of linked and unlinked pairs fall, how often each field agrees, how big the review band
is and how far analysts have cleared it, how many false and missed matches to expect
(from the model and from analysts' decisions), what other thresholds would give, which
people fail plausibility checks, and whether some groups are linked less often than
others. Counts and rates only: no record, name or identifier appears in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from linkage.config.model import ModelConfig
from linkage.pipeline import run_sql
from linkage.report import steps
from linkage.resolve.plausibility import CHECKS, count_implausible
from linkage.store import table_columns

#: Match-probability thresholds the report compares (the run's own link and review thresholds are added).
REPORT_THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99)

#: Age bands for link rates: label, lowest age, first age past the band (years on the report date).
AGE_BANDS = (
    ("0-4", 0, 5), ("5-10", 5, 11), ("11-17", 11, 18), ("18-24", 18, 25), ("25-39", 25, 40),
    ("40-64", 40, 65), ("65 and over", 65, 200),
)

#: Measures of :attr:`QualityReport.error_rates` the dashboard shows as headline figures.
MODEL_FALSE = "false matches expected among linked pairs (sum of 1 - p)"
MODEL_MISSED = "missed matches expected among scored pairs left apart (sum of p), of all expected matches"

_DECISIONS = "_report_decisions"
_DECISION_COLUMNS = ("unique_id_l", "unique_id_r", "decision", "decided_at")


@dataclass(frozen=True)
class QualityReport:
    """A run's linkage quality, as tables of counts and rates.

    Attributes:
        run_id: The run reported on, if known.
        as_of: The date ages are computed on (the run's start).
        link_threshold: The run's link threshold (match probability).
        review_threshold: The run's review threshold: pairs below it were not kept.
        model_version: The model that scored the pairs, if known.
        overview: records, people, people_linked (holding two or more records), records_linked, pairs.
        weights: weight (start of a one-bit interval), status ('linked' or 'not linked'), pairs.
        agreement: comparison, band ('all' for every band), level (gamma), label, pairs, share.
        review: review (pairs in the review band), confirm, reject, unsure, undecided (the decision in
            force on each), confirmed_before and rejected_before (pairs the run took as decided).
        error_rates: source ('model' or 'analysts'), measure, count, of, rate.
        thresholds: threshold, scored (pairs that low were kept), pairs, records (in at least one such
            pair), expected_false (sum of 1 - p), false_share; null below the review threshold.
        plausibility: check, finds, people, share (of all people).
        link_rates: dimension ('age band', 'sex', 'agency'), group, records, linked, rate.
    """

    run_id: int | None
    as_of: date
    link_threshold: float
    review_threshold: float
    model_version: int | None
    overview: dict[str, int]
    weights: pd.DataFrame
    agreement: pd.DataFrame
    review: dict[str, int]
    error_rates: pd.DataFrame
    thresholds: pd.DataFrame
    plausibility: pd.DataFrame
    link_rates: pd.DataFrame

    @property
    def review_cleared(self) -> float | None:
        """Share of the review band with a confirm or reject decision in force, or None for an empty band."""
        band = self.review["review"]
        return (self.review["confirm"] + self.review["reject"]) / band if band else None

    def rate(self, measure: str) -> float | None:
        """The rate of one row of :attr:`error_rates` (e.g. :data:`MODEL_FALSE`), None where it has no denominator."""
        rates = self.error_rates.loc[self.error_rates["measure"] == measure, "rate"]
        return None if rates.empty or pd.isna(rates.iloc[0]) else float(rates.iloc[0])


def quality_report(
    con: duckdb.DuckDBPyConnection,
    model: ModelConfig,
    *,
    as_of: date,
    decisions: pa.Table | None = None,
    labels: Mapping[str, Mapping[int, str]] | None = None,
    run_id: int | None = None,
    model_version: int | None = None,
    thresholds: Sequence[float] = REPORT_THRESHOLDS,
) -> QualityReport:
    """Measure one run's linkage quality from its results.

    Args:
        con: A cursor on the run's results (read-only is enough: the working tables are temporary).
        model: The model config the run used (thresholds, plausibility settings).
        as_of: The date ages are computed on.
        decisions: The analysts' decisions (``unique_id_l``, ``unique_id_r``, ``decision``,
            ``decided_at``; superseded ones included), usually the state database's current ones;
            None reads the ``review_decisions`` the run applied, kept in its results.
        labels: Comparison level labels by gamma (``linkage.explore.level_labels``), if known.
        run_id: The run, for the report's heading.
        model_version: The model version, for the report's heading.
        thresholds: Match probabilities to compare, beside the run's own two.

    Returns:
        The report's tables.

    Raises:
        StepError: A results table is missing or malformed (naming the step).
    """
    link, review = model.thresholds.link, model.thresholds.review
    has_levels = any(c.startswith("gamma_") for c in table_columns(con, "pairs"))
    with _decisions(con, decisions) as relation:
        step = steps.report_pairs(with_levels=has_levels)
        run_sql(con, step.name, step.sql)
        try:
            overview = _one_row(con, steps.overview())
            weights = _frame(con, steps.weight_distribution(1.0))
            agreement = _agreement(con, labels) if has_levels else _empty_agreement()
            clearance = _one_row(con, steps.review_clearance(), relation)
            model_rates = _one_row(con, steps.model_error_rates())
            analyst_rates = _one_row(con, steps.analyst_error_rates(link), relation)
            across = _frame(con, steps.across_thresholds(sorted({*thresholds, link, review}), review))
        finally:
            run_sql(con, "report_drop_pairs", f"DROP TABLE IF EXISTS {steps.PAIRS}")
    found = count_implausible(con, model.plausibility)
    people = overview["people"]
    plausibility = pd.DataFrame(
        [{"check": name, "finds": what, "people": found[name], "share": found[name] / people if people else None}
         for name, what in CHECKS.items()],
        columns=["check", "finds", "people", "share"],
    )
    labels_, lows, highs = zip(*AGE_BANDS, strict=True)
    rates = _frame(con, steps.link_rates(as_of, labels_, lows, highs))
    return QualityReport(
        run_id=run_id, as_of=as_of, link_threshold=link, review_threshold=review, model_version=model_version,
        overview=overview, weights=weights, agreement=agreement,
        review={**clearance, "decisions_not_scored": analyst_rates["not_scored"]},
        error_rates=_error_rates(model_rates, analyst_rates), thresholds=across, plausibility=plausibility,
        link_rates=rates,
    )


@contextmanager
def _decisions(con: duckdb.DuckDBPyConnection, decisions: pa.Table | None) -> Iterator[str]:
    """The relation the decision steps read: the given decisions, or the run's own."""
    if decisions is not None:
        con.register(_DECISIONS, decisions.select(list(_DECISION_COLUMNS)))
        try:
            yield _DECISIONS
        finally:
            con.unregister(_DECISIONS)
    else:
        yield "review_decisions"


def _frame(con: duckdb.DuckDBPyConnection, step: steps.Step, relation: str = "") -> pd.DataFrame:
    return run_sql(con, step.name, step.render(relation), step.params).df()


def _one_row(con: duckdb.DuckDBPyConnection, step: steps.Step, relation: str = "") -> dict[str, Any]:
    cursor = run_sql(con, step.name, step.render(relation), step.params)
    names = [d[0] for d in cursor.description]
    (values,) = cursor.fetchall()
    return {n: (float(v) if isinstance(v, float) else int(v)) for n, v in zip(names, values, strict=True)}


def _agreement(con: duckdb.DuckDBPyConnection, labels: Mapping[str, Mapping[int, str]] | None) -> pd.DataFrame:
    frame = _frame(con, steps.field_agreement())
    named = labels or {}
    frame.insert(3, "label", [named.get(c, {}).get(int(g), "") for c, g in zip(frame["comparison"], frame["level"], strict=True)])
    return frame


def _empty_agreement() -> pd.DataFrame:
    return pd.DataFrame(columns=["comparison", "band", "level", "label", "pairs", "share"])


def _rate(count: float, of: float) -> float | None:
    return count / of if of else None


def _error_rates(model: dict[str, Any], analysts: dict[str, Any]) -> pd.DataFrame:
    """False and missed matches, expected by the model and found by analysts, as one table."""
    rows = [
        ("model", MODEL_FALSE, model["expected_false"], model["linked_pairs"]),
        ("model", MODEL_MISSED, model["expected_missed"], model["expected_matches"]),
        ("model", "matches expected among review-band pairs (sum of p)", model["expected_missed_review"],
         model["review_pairs"]),
        ("analysts", "rejected, of decided pairs this run linked (false matches found)", analysts["rejected_linked"],
         analysts["decided_linked"]),
        ("analysts", "confirmed, of decided pairs this run left apart (missed matches found)", analysts["confirmed_apart"],
         analysts["decided_apart"]),
        ("analysts", "rejected, of decided pairs at or above the link threshold", analysts["rejected_above"],
         analysts["decided_above"]),
        ("analysts", "confirmed, of decided pairs below the link threshold", analysts["confirmed_below"],
         analysts["decided_below"]),
        ("analysts", "rejected, of all decided scored pairs", analysts["rejected"], analysts["decided"]),
    ]
    return pd.DataFrame(
        [{"source": s, "measure": m, "count": c, "of": o, "rate": _rate(c, o)} for s, m, c, o in rows],
        columns=["source", "measure", "count", "of", "rate"],
    )
