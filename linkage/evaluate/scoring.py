"""Score a resolved store against ground truth.

Every figure is computed in DuckDB from group counts, never by listing record
pairs: the number of pairs inside a group of ``n`` records is ``n(n-1)/2``, so
pair counts over clusters, true people and their intersections are sums over
groups. That keeps an evaluation of a million records to a few seconds.

The evaluated records are those in the store's ``records`` table that also
appear in the truth (joined on ``source`` and ``record_id``); truth records
that ingestion quarantined are counted, not scored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from linkage.evaluate.measures import (
    HARD_NEGATIVE_KINDS, BCubed, Counts, Evaluation, HardNegative, PairCounts, ReviewBand, SerialPerpetrators,
    SourcePairRecall,
)
from linkage.evaluate.truth import (
    SERIAL_COLUMN, T_KIND_PAIRS, T_PEOPLE, T_RECORDS, T_TRUTH, build_evaluated_records, build_kind_pairs, drop_truth, load_truth,
)
from linkage.pipeline import quote_ident, run_sql

logger = logging.getLogger(__name__)

__all__ = [
    "bcubed",
    "cluster_pairs",
    "counts",
    "evaluate",
    "hard_negatives",
    "recall_by_source_pair",
    "review_band",
    "scored_pairs",
    "serial_perpetrators",
]

LINK_BANDS = ("link",)
LINK_AND_REVIEW_BANDS = ("link", "review")

def evaluate(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> Evaluation:
    """Score the store's ``clusters`` and ``pairs`` against ground truth.

    Reads the store tables ``records``, ``clusters`` and ``pairs``; writes only
    temporary tables, so a read-only connection will do.

    Args:
        con: Connection to the store.
        truth_dir: Directory holding the generator's ``records.csv`` and ``people.csv``.

    Returns:
        The evaluation.

    Raises:
        ExtractError: A truth file is missing or lacks a required column.
        StepError: A SQL step failed (for example, a store table is missing).
    """
    try:
        people_columns = load_truth(con, Path(truth_dir))
        kinds = tuple(kind for kind in HARD_NEGATIVE_KINDS if kind[1] in people_columns)
        build_evaluated_records(con)
        build_kind_pairs(con, kinds)
        cluster = cluster_pairs(con)
        by_band = scored_pairs(con, cluster.actual)
        evaluation = Evaluation(
            counts=counts(con),
            cluster_pairs=cluster,
            link_pairs=_bands(by_band, LINK_BANDS, cluster.actual),
            link_and_review_pairs=_bands(by_band, LINK_AND_REVIEW_BANDS, cluster.actual),
            bcubed=bcubed(con),
            hard_negatives=hard_negatives(con, kinds),
            source_pairs=recall_by_source_pair(con),
            review=review_band(con),
            serial_perpetrators=serial_perpetrators(con) if SERIAL_COLUMN in people_columns else None,
        )
    finally:
        drop_truth(con)
    _log(evaluation)
    return evaluation


def _one(con: duckdb.DuckDBPyConnection, step: str, sql: str, params: Mapping[str, Any] | None = None) -> tuple:
    return run_sql(con, step, sql, params).fetchone()


# Metrics: each reads the temp tables built by evaluate().


def counts(con: duckdb.DuckDBPyConnection) -> Counts:
    """Sizes of the evaluation: records, true and resolved people, singletons.

    Truth records missing from the store are those with no ``records`` row of
    the same source and record id (usually quarantined by ingestion).
    """
    row = _one(
        con,
        "evaluate:counts",
        f"""
        SELECT
          (SELECT count(*) FROM {T_TRUTH}),
          (SELECT count(*) FROM {T_TRUTH} AS t
            WHERE NOT EXISTS (SELECT 1 FROM records AS r WHERE r.source = t.source AND r.record_id = t.record_id)),
          (SELECT count(*) FROM records AS r
            WHERE NOT EXISTS (SELECT 1 FROM {T_TRUTH} AS t WHERE r.source = t.source AND r.record_id = t.record_id)),
          (SELECT count(*) FROM {T_RECORDS}),
          (SELECT count(*) FILTER (WHERE unclustered) FROM {T_RECORDS}),
          (SELECT count(DISTINCT true_id) FROM {T_RECORDS}),
          (SELECT count(DISTINCT person_id) FROM {T_RECORDS}),
          (SELECT count(*) FROM (SELECT person_id FROM {T_RECORDS} GROUP BY person_id HAVING count(*) = 1))
        """,
    )
    return Counts(*(int(value) for value in row))


def cluster_pairs(con: duckdb.DuckDBPyConnection) -> PairCounts:
    """Cluster-pair counts over all unordered pairs of evaluated records.

    A pair is predicted if both records share a resolved ``person_id`` and
    actual if they share a true person. With ``C(n) = n(n-1)/2``:
    TP = sum of C(n) over (resolved, true) groups; predicted = sum of C(n) over
    resolved people; actual = sum of C(n) over true people.
    """
    row = _one(
        con,
        "evaluate:cluster pairs",
        f"""
        SELECT
          (SELECT coalesce(sum(n * (n - 1) // 2), 0)
             FROM (SELECT count(*) AS n FROM {T_RECORDS} GROUP BY person_id, true_id)),
          (SELECT coalesce(sum(n * (n - 1) // 2), 0)
             FROM (SELECT count(*) AS n FROM {T_RECORDS} GROUP BY person_id)),
          (SELECT coalesce(sum(n * (n - 1) // 2), 0)
             FROM (SELECT count(*) AS n FROM {T_RECORDS} GROUP BY true_id))
        """,
    )
    return PairCounts(*(int(value) for value in row))


def scored_pairs(con: duckdb.DuckDBPyConnection, actual: int) -> dict[str, PairCounts]:
    """Scored-pair counts per band: the ``pairs`` of each band judged against truth.

    Predicted = record pairs in the band with both records evaluated; TP =
    those whose records share a true person; actual = every true-match record
    pair (the cluster-pair ``actual``), so recall counts pairs the model never
    scored as missed. Relies on ``pairs`` holding each pair once.

    A stored pair stands for every record pair it was scored for
    (``linkage.resolve.profiles``): a pair of two identity profiles' representatives
    for each record of one with each of the other, a profile's own pair for each
    pair of its records.

    Args:
        con: The connection.
        actual: All true-match record pairs.

    Returns:
        Counts for each band present in ``pairs``.
    """
    rows = run_sql(
        con,
        "evaluate:scored pairs",
        f"""
        WITH members AS (
          SELECT m.profile_id, e.true_id, count(*) AS n
          FROM profiles AS m JOIN {T_RECORDS} AS e USING (unique_id) GROUP BY ALL
        ),
        sizes AS (SELECT profile_id, sum(n) AS n FROM members GROUP BY ALL),
        stood AS (
          SELECT p.band, a.profile_id AS a, b.profile_id AS b
          FROM pairs AS p JOIN profiles AS a ON a.unique_id = p.unique_id_l JOIN profiles AS b ON b.unique_id = p.unique_id_r
        ),
        counted AS (
          SELECT s.band, sum(l.n * r.n) AS tp, 0 AS predicted
          FROM stood AS s JOIN members AS l ON l.profile_id = s.a JOIN members AS r ON r.profile_id = s.b AND r.true_id = l.true_id
          WHERE s.a <> s.b GROUP BY ALL
          UNION ALL
          SELECT s.band, 0, sum(l.n * r.n) FROM stood AS s JOIN sizes AS l ON l.profile_id = s.a JOIN sizes AS r ON r.profile_id = s.b
          WHERE s.a <> s.b GROUP BY ALL
          UNION ALL
          SELECT s.band, sum(m.n * (m.n - 1) // 2), 0 FROM stood AS s JOIN members AS m ON m.profile_id = s.a
          WHERE s.a = s.b GROUP BY ALL
          UNION ALL
          SELECT s.band, 0, sum(z.n * (z.n - 1) // 2) FROM stood AS s JOIN sizes AS z ON z.profile_id = s.a
          WHERE s.a = s.b GROUP BY ALL
        )
        SELECT band, sum(tp), sum(predicted) FROM counted GROUP BY band HAVING sum(predicted) > 0
        """,
    ).fetchall()
    return {band: PairCounts(int(tp), int(predicted), actual) for band, tp, predicted in rows}


def _bands(by_band: Mapping[str, PairCounts], bands: Sequence[str], actual: int) -> PairCounts:
    """Pool the scored-pair counts of several bands (each pair is in one band)."""
    chosen = [by_band[band] for band in bands if band in by_band]
    return PairCounts(sum(p.true_positives for p in chosen), sum(p.predicted for p in chosen), actual)


def bcubed(con: duckdb.DuckDBPyConnection) -> BCubed:
    """B-cubed precision and recall, averaged over evaluated records.

    For a record in resolved person C and true person T: precision is
    ``|C ∩ T| / |C|`` and recall ``|C ∩ T| / |T|``. Every record of one
    (C, T) group has the same values, so the sums are
    ``sum over groups of n_CT**2 / n_C`` (and ``/ n_T``), divided by the number
    of records.
    """
    row = _one(
        con,
        "evaluate:b-cubed",
        f"""
        WITH g AS (
          SELECT person_id, true_id, count(*) AS n FROM {T_RECORDS} GROUP BY person_id, true_id
        ),
        c AS (SELECT person_id, sum(n) AS n FROM g GROUP BY person_id),
        t AS (SELECT true_id, sum(n) AS n FROM g GROUP BY true_id)
        SELECT sum(g.n * g.n / c.n) / sum(g.n), sum(g.n * g.n / t.n) / sum(g.n)
        FROM g JOIN c USING (person_id) JOIN t USING (true_id)
        """,
    )
    return BCubed(precision=row[0], recall=row[1])


def hard_negatives(
    con: duckdb.DuckDBPyConnection, kinds: Sequence[tuple[str, str, float]] = HARD_NEGATIVE_KINDS
) -> tuple[HardNegative, ...]:
    """Merged hard negatives per kind (twins, junior/senior, namesakes) of ``kinds``.

    Pairs = distinct unordered pairs (a, b) of true people of the kind, both
    with at least one evaluated record. Merged = those where some record of a
    and some record of b share a resolved person.
    """
    rows = run_sql(
        con,
        "evaluate:hard negatives",
        f"""
        WITH present AS (SELECT DISTINCT true_id, person_id FROM {T_RECORDS}),
        kp AS (
          SELECT * FROM {T_KIND_PAIRS} AS k
          WHERE k.person_a IN (SELECT true_id FROM present) AND k.person_b IN (SELECT true_id FROM present)
        ),
        merged AS (
          SELECT DISTINCT kp.kind, kp.person_a, kp.person_b
          FROM kp
          JOIN present AS pa ON pa.true_id = kp.person_a
          JOIN present AS pb ON pb.true_id = kp.person_b AND pb.person_id = pa.person_id
        )
        SELECT kind, count(*), (SELECT count(*) FROM merged AS m WHERE m.kind = kp.kind)
        FROM kp GROUP BY kind
        """,
    ).fetchall()
    found = {kind: (int(pairs), int(merged)) for kind, pairs, merged in rows}
    return tuple(
        HardNegative(kind, *found.get(kind, (0, 0)), target=target) for kind, _, target in kinds
    )


def recall_by_source_pair(con: duckdb.DuckDBPyConnection) -> tuple[SourcePairRecall, ...]:
    """Cluster-pair recall split by the unordered pair of sources.

    For sources s <= u, with n(g, s) the records of source s in group g:
    true pairs = sum over true people of n(T, s) * n(T, u) (``C(n(T, s))`` when
    s = u), and same-cluster pairs the same sum over (resolved, true) groups.
    Only source pairs with at least one true pair are returned.
    """
    rows = run_sql(
        con,
        "evaluate:recall by source pair",
        f"""
        WITH t AS (
          SELECT '' AS person_id, true_id, source, count(*) AS n FROM {T_RECORDS} GROUP BY true_id, source
        ),
        ct AS (
          SELECT person_id, true_id, source, count(*) AS n FROM {T_RECORDS} GROUP BY person_id, true_id, source
        ),
        actual AS (
          SELECT a.source AS source_l, b.source AS source_r,
                 sum(CASE WHEN a.source = b.source THEN a.n * (a.n - 1) // 2 ELSE a.n * b.n END) AS true_pairs
          FROM t AS a JOIN t AS b ON a.person_id = b.person_id AND a.true_id = b.true_id AND a.source <= b.source
          GROUP BY ALL
        ),
        linked AS (
          SELECT a.source AS source_l, b.source AS source_r,
                 sum(CASE WHEN a.source = b.source THEN a.n * (a.n - 1) // 2 ELSE a.n * b.n END) AS same_cluster
          FROM ct AS a JOIN ct AS b ON a.person_id = b.person_id AND a.true_id = b.true_id AND a.source <= b.source
          GROUP BY ALL
        )
        SELECT source_l, source_r, true_pairs, coalesce(same_cluster, 0)
        FROM actual LEFT JOIN linked USING (source_l, source_r)
        WHERE true_pairs > 0
        ORDER BY source_l, source_r
        """,
    ).fetchall()
    return tuple(SourcePairRecall(l, r, int(true_pairs), int(same)) for l, r, true_pairs, same in rows)


def review_band(con: duckdb.DuckDBPyConnection) -> ReviewBand:
    """The review workload: ``review`` pairs and the resolved people they touch.

    Pairs = ``review``-band pairs with both records evaluated; people
    touched = distinct resolved people holding either record of such a pair;
    the share divides that by all resolved people.
    """
    row = _one(
        con,
        "evaluate:review band",
        f"""
        WITH p AS (
          SELECT unique_id_l AS l, unique_id_r AS r
          FROM pairs
          WHERE band = $band
            AND unique_id_l IN (SELECT unique_id FROM {T_RECORDS})
            AND unique_id_r IN (SELECT unique_id FROM {T_RECORDS})
        )
        SELECT
          (SELECT count(*) FROM p),
          (SELECT count(DISTINCT person_id) FROM {T_RECORDS}
            WHERE unique_id IN (SELECT l FROM p UNION ALL SELECT r FROM p)),
          (SELECT count(DISTINCT person_id) FROM {T_RECORDS})
        """,
        {"band": "review"},
    )
    return ReviewBand(*(int(value) for value in row))


def serial_perpetrators(con: duckdb.DuckDBPyConnection) -> SerialPerpetrators:
    """True serial perpetrators in the store, and how many are split.

    Split = the perpetrator's evaluated records belong to more than one resolved
    person, so a single-person view would not show all their victims.
    """
    row = _one(
        con,
        "evaluate:serial perpetrators",
        f"""
        SELECT count(*), count(*) FILTER (WHERE people > 1)
        FROM (
          SELECT e.true_id, count(DISTINCT e.person_id) AS people
          FROM {T_RECORDS} AS e
          JOIN {T_PEOPLE} AS p ON trim(p.person_id) = e.true_id
          WHERE lower(trim(p.{quote_ident(SERIAL_COLUMN)})) IN ('true', '1', 'yes', 'y', 't')
          GROUP BY e.true_id
        )
        """,
    )
    return SerialPerpetrators(people=int(row[0]), split=int(row[1]))


def _log(evaluation: Evaluation) -> None:
    c = evaluation.counts
    logger.info(
        "evaluated %d records (%d truth records not in the store): %d true people, %d resolved people",
        c.records_evaluated, c.truth_missing_from_store, c.true_people, c.resolved_people,
    )
    if c.records_unclustered:
        logger.warning("%d evaluated records are missing from clusters; scored as singletons", c.records_unclustered)
    if c.records_without_truth:
        logger.warning("%d store records have no ground-truth row; not evaluated", c.records_without_truth)
