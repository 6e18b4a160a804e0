"""An evaluation as report sections (``linkage.report.tables``): the rows the Markdown report,
the terminal and the dashboard all show."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from graph import EVALUATED
from linkage.evaluate.flags import FLAG_TARGETS, flag_accuracy, meets_flag_targets
from linkage.evaluate.measures import Evaluation
from linkage.evaluate.scoring import evaluate
from linkage.pipeline import run_sql
from linkage.report import Section, Table

__all__ = ["EVALUATION_SECTIONS", "evaluation_report", "evaluation_sections"]

#: Headings of the evaluation's sections, in order.
EVALUATION_SECTIONS = (
    "Headline",
    "Counts",
    "Precision, recall and F1",
    "Hard negatives (different people who look alike)",
    "Recall by source pair",
    "Safeguarding flags against truth",
)

_KIND_LABELS = {"twin": "Twins", "junior_senior": "Junior/senior", "namesake": "Namesakes"}


def _of(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,}"


def _headline(e: Evaluation) -> Table:
    rows: list[tuple] = [
        ("Cluster-pair precision", e.cluster_pairs.precision, "", "", None),
        ("Cluster-pair recall", e.cluster_pairs.recall, "", "", None),
        ("Cluster-pair F1", e.cluster_pairs.f1, "", "", None),
        ("B-cubed F1", e.bcubed.f1, "", "", None),
    ]
    rows += [(f"{_KIND_LABELS.get(h.kind, h.kind)} merged", h.share, _of(h.merged, h.pairs), f"<= {h.target:.0%}",
              h.meets_target) for h in e.hard_negatives]
    r = e.review
    rows.append(("People in review band", r.share, _of(r.people_touched, r.resolved_people), f"< {r.target:.0%}",
                 r.meets_target))
    if e.serial_perpetrators is not None:
        s = e.serial_perpetrators
        rows.append(("Serial perpetrators split across people", s.split / s.people if s.people else None,
                     _of(s.split, s.people), "", None))
    frame = pd.DataFrame(rows, columns=["measure", "value", "detail", "target", "met"])
    return Table(frame, {"value": "percent", "met": "verdict"})


def _counts(e: Evaluation) -> Table:
    c = e.counts
    rows = [
        ("Records evaluated", c.records_evaluated),
        ("True people", c.true_people),
        ("Resolved people", c.resolved_people),
        ("Singletons (resolved people with one record)", c.singletons),
        ("Review-band pairs", e.review.pairs),
        ("Truth records", c.truth_records),
        ("Truth records not in the store (quarantined)", c.truth_missing_from_store),
    ]
    if c.records_without_truth:
        rows.append(("Store records without a truth row (not evaluated)", c.records_without_truth))
    if c.records_unclustered:
        rows.append(("Evaluated records missing from clusters (scored as singletons)", c.records_unclustered))
    return Table(pd.DataFrame(rows, columns=["count", "value"]), {"value": "count"})


def _pairs(e: Evaluation) -> Table:
    levels = (("Cluster pairs", e.cluster_pairs), ("Scored pairs, link band", e.link_pairs),
              ("Scored pairs, link + review bands", e.link_and_review_pairs))
    rows = [(name, p.true_positives, p.predicted, p.actual, p.precision, p.recall, p.f1) for name, p in levels]
    rows.append(("B-cubed (mean over records)", None, None, None, e.bcubed.precision, e.bcubed.recall, e.bcubed.f1))
    frame = pd.DataFrame(rows, columns=["level", "true_positives", "predicted", "actual", "precision", "recall", "f1"])
    counts = dict.fromkeys(("true_positives", "predicted", "actual"), "count")
    return Table(frame, {**counts, **dict.fromkeys(("precision", "recall", "f1"), "percent")})


def _hard_negatives(e: Evaluation) -> Table:
    frame = pd.DataFrame(
        [(_KIND_LABELS.get(h.kind, h.kind), h.pairs, h.merged, h.share, h.target, h.meets_target) for h in e.hard_negatives],
        columns=["kind", "pairs", "merged", "share", "target", "met"],
    )
    return Table(frame, {"pairs": "count", "merged": "count", "share": "percent", "target": "percent", "met": "verdict"})


def _source_pairs(e: Evaluation) -> Table:
    frame = pd.DataFrame(
        [(f"{s.source_l} / {s.source_r}", s.true_pairs, s.same_cluster, s.recall) for s in e.source_pairs],
        columns=["sources", "true_pairs", "same_cluster", "recall"],
    )
    return Table(frame, {"true_pairs": "count", "same_cluster": "count", "recall": "percent"})


def _flags(accuracy: Mapping[str, Mapping[str, float | int]] | None) -> tuple[str, tuple[Table, ...]]:
    if accuracy is None:
        return "The store holds no flags, so none is scored.", ()
    if not accuracy:
        markers = " or ".join(EVALUATED.values())
        return f"No flag scored: the truth's people.csv has no {markers} column.", ()
    columns = ("flagged", "true_positive", "truth", "found", "precision", "recall")
    frame = pd.DataFrame(
        [(code, *(r[c] for c in columns), meets_flag_targets(r)) for code, r in accuracy.items()],
        columns=["flag", *columns, "met"],
    )
    kinds = {**dict.fromkeys(columns[:4], "count"), "precision": "percent", "recall": "percent", "met": "verdict"}
    lead = (f"Target: precision and recall both at least {FLAG_TARGETS['precision']:.0%}. A flag is right when the "
            "true person owning most of the flagged person's records carries the truth's marker.")
    return lead, (Table(frame, kinds),)


def evaluation_sections(
    evaluation: Evaluation, flags: Mapping[str, Mapping[str, float | int]] | None = None
) -> tuple[Section, ...]:
    """The evaluation's sections in :data:`EVALUATION_SECTIONS` order.

    Args:
        evaluation: From :func:`linkage.evaluate.evaluate`.
        flags: From :func:`linkage.evaluate.flag_accuracy`, or None when the store holds no flags.

    Returns:
        One section per heading; the flags section has no table (its lead says why) when
        nothing was scored.
    """
    e = evaluation
    flag_lead, flag_tables = _flags(flags)
    parts = (
        ("", (_headline(e),)),
        ("Records quarantined by ingestion are not evaluated; they are counted as truth records not in the store.",
         (_counts(e),)),
        ("", (_pairs(e),)),
        ("Pairs of different true people, both with records in the store; merged if any record of each shares a "
         "resolved person.", (_hard_negatives(e),)),
        ("", (_source_pairs(e),)),
        (flag_lead, flag_tables),
    )
    return tuple(Section(heading, lead, tables) for heading, (lead, tables) in zip(EVALUATION_SECTIONS, parts, strict=True))


def evaluation_report(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> tuple[Section, ...]:
    """Score the results against ground truth, linkage and (where the store holds any) flags.

    Args:
        con: A results cursor (the evaluation writes only temporary tables).
        truth_dir: The extracts' ``truth/`` directory.

    Returns:
        :func:`evaluation_sections` of both.

    Raises:
        ExtractError: A truth file is missing or lacks a required column.
    """
    evaluation = evaluate(con, truth_dir)
    has_flags = run_sql(con, "evaluate:has flags", "SELECT count(*) FROM flags").fetchall()[0][0]
    return evaluation_sections(evaluation, flag_accuracy(con, truth_dir) if has_flags else None)
