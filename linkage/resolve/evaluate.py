"""Score a resolved store against the generator's ground truth.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from rich.table import Table

from linkage.errors import ExtractError
from linkage.pipeline import quote_ident, run_sql

logger = logging.getLogger(__name__)

__all__ = [
    "BCubed",
    "Counts",
    "Evaluation",
    "HARD_NEGATIVE_KINDS",
    "HardNegative",
    "PairCounts",
    "REVIEW_SHARE_TARGET",
    "ReviewBand",
    "SerialPerpetrators",
    "SourcePairRecall",
    "bcubed",
    "cluster_pairs",
    "counts",
    "evaluate",
    "evaluation_table",
    "hard_negatives",
    "recall_by_source_pair",
    "review_band",
    "scored_pairs",
    "serial_perpetrators",
    "write_report",
]

#: (kind, people.csv column, largest acceptable merged share) for each hard negative: issue 13's
#: targets, set for 200,000 people on the generator's harsh profile.
HARD_NEGATIVE_KINDS: tuple[tuple[str, str, float], ...] = (
    ("twin", "twin_of", 0.01),
    ("junior_senior", "junior_senior_of", 0.01),
    ("namesake", "namesake_of", 0.03),
)
#: Review band target: people touched by review pairs, as a share of resolved people.
REVIEW_SHARE_TARGET = 0.02

LINK_BANDS = ("link",)
LINK_AND_REVIEW_BANDS = ("link", "review")

_RECORDS_FILE = "records.csv"
_PEOPLE_FILE = "people.csv"
_RECORDS_COLUMNS = ("source", "record_id", "person_id")
#: people.csv needs only ids; each hard-negative kind is scored when its column is there
#: (our generator writes them all; a public benchmark's truth has none).
_PEOPLE_COLUMNS = ("person_id",)
_SERIAL_COLUMN = "is_serial_perpetrator"
_IMAGE_SUFFIXES = frozenset({".png", ".svg", ".jpg", ".jpeg", ".gif"})

# Temporary tables, dropped when the evaluation ends.
_T_TRUTH = "eval_truth_records"
_T_PEOPLE = "eval_truth_people"
_T_RECORDS = "eval_records"
_T_KIND_PAIRS = "eval_kind_pairs"
_TEMP_TABLES = (_T_TRUTH, _T_PEOPLE, _T_RECORDS, _T_KIND_PAIRS)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class PairCounts:
    """Pair counts behind a precision / recall / F1.

    A ratio whose denominator is zero is ``None`` (undefined), not 0 or 1.

    Attributes:
        true_positives: Predicted pairs that are true matches.
        predicted: Pairs predicted to be the same person.
        actual: Pairs that truly are the same person.
    """

    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float | None:
        """``true_positives / predicted``."""
        return _ratio(self.true_positives, self.predicted)

    @property
    def recall(self) -> float | None:
        """``true_positives / actual``."""
        return _ratio(self.true_positives, self.actual)

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall."""
        return _f1(self.precision, self.recall)


@dataclass(frozen=True)
class BCubed:
    """B-cubed scores, averaged over evaluated records.

    Attributes:
        precision: Mean over records of the share of its cluster that is its true person.
        recall: Mean over records of the share of its true person that is in its cluster.
    """

    precision: float | None
    recall: float | None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of the averaged precision and recall."""
        return _f1(self.precision, self.recall)


@dataclass(frozen=True)
class HardNegative:
    """Pairs of different true people that look alike, and how many were merged.

    Attributes:
        kind: ``twin``, ``junior_senior`` or ``namesake``.
        pairs: Distinct pairs of true people of this kind, both with a record in the store.
        merged: Those pairs where a record of each shares a resolved person.
        target: Largest acceptable merged share.
    """

    kind: str
    pairs: int
    merged: int
    target: float

    @property
    def share(self) -> float | None:
        """``merged / pairs``, or None without pairs."""
        return _ratio(self.merged, self.pairs)

    @property
    def meets_target(self) -> bool | None:
        """Whether the merged share is at most the target (None without pairs)."""
        return None if self.share is None else self.share <= self.target


@dataclass(frozen=True)
class SourcePairRecall:
    """Recall of true-match record pairs between two sources.

    Attributes:
        source_l: First source (alphabetically).
        source_r: Second source (equal to ``source_l`` for pairs within one source).
        true_pairs: True-match record pairs with one record from each source.
        same_cluster: Those pairs resolved to the same person.
    """

    source_l: str
    source_r: str
    true_pairs: int
    same_cluster: int

    @property
    def recall(self) -> float | None:
        """``same_cluster / true_pairs``."""
        return _ratio(self.same_cluster, self.true_pairs)


@dataclass(frozen=True)
class ReviewBand:
    """The clerical-review workload.

    Attributes:
        pairs: Scored pairs in the ``review`` band (both records evaluated).
        people_touched: Distinct resolved people holding a record of a review pair.
        resolved_people: All resolved people among evaluated records.
        target: Largest acceptable ``people_touched / resolved_people``.
    """

    pairs: int
    people_touched: int
    resolved_people: int
    target: float = REVIEW_SHARE_TARGET

    @property
    def share(self) -> float | None:
        """``people_touched / resolved_people``."""
        return _ratio(self.people_touched, self.resolved_people)

    @property
    def meets_target(self) -> bool | None:
        """Whether the share is below the target (None without resolved people)."""
        return None if self.share is None else self.share < self.target


@dataclass(frozen=True)
class SerialPerpetrators:
    """Whether serial perpetrators were brought together (aliases hide them otherwise).

    Attributes:
        people: True serial perpetrators with a record in the store.
        split: Those whose records are spread over more than one resolved person.
    """

    people: int
    split: int


@dataclass(frozen=True)
class Counts:
    """Sizes of what was evaluated.

    Attributes:
        truth_records: Rows in the truth ``records.csv``.
        truth_missing_from_store: Truth records not in the store (quarantined by ingestion).
        records_without_truth: Store records with no truth row (not evaluated; expected 0).
        records_evaluated: Store records with a truth row: every metric is over these.
        records_unclustered: Evaluated records missing from ``clusters`` (scored as singletons).
        true_people: Distinct true people among evaluated records.
        resolved_people: Distinct resolved people among evaluated records.
        singletons: Resolved people with exactly one evaluated record.
    """

    truth_records: int
    truth_missing_from_store: int
    records_without_truth: int
    records_evaluated: int
    records_unclustered: int
    true_people: int
    resolved_people: int
    singletons: int


@dataclass(frozen=True)
class Evaluation:
    """Everything :func:`evaluate` measured.

    Attributes:
        counts: Sizes of what was evaluated.
        cluster_pairs: Record pairs in the same cluster vs. the same true person.
        link_pairs: Scored pairs in the ``link`` band vs. truth.
        link_and_review_pairs: Scored pairs in the ``link`` or ``review`` band vs. truth.
        bcubed: B-cubed precision and recall.
        hard_negatives: One entry per kind in :data:`HARD_NEGATIVE_KINDS`, in that order.
        source_pairs: Recall per unordered pair of sources, sorted by source names.
        review: The review-band workload.
        serial_perpetrators: Serial perpetrators split across resolved people, or None
            if ``people.csv`` has no ``is_serial_perpetrator`` column.
    """

    counts: Counts
    cluster_pairs: PairCounts
    link_pairs: PairCounts
    link_and_review_pairs: PairCounts
    bcubed: BCubed
    hard_negatives: tuple[HardNegative, ...]
    source_pairs: tuple[SourcePairRecall, ...]
    review: ReviewBand
    serial_perpetrators: SerialPerpetrators | None


# ---------------------------------------------------------------------------
# Loading


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
        people_columns = _load_truth(con, Path(truth_dir))
        kinds = tuple(kind for kind in HARD_NEGATIVE_KINDS if kind[1] in people_columns)
        _build_evaluated_records(con)
        _build_kind_pairs(con, kinds)
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
            serial_perpetrators=serial_perpetrators(con) if _SERIAL_COLUMN in people_columns else None,
        )
    finally:
        for table in _TEMP_TABLES:
            run_sql(con, "evaluate:cleanup", f"DROP TABLE IF EXISTS temp.main.{quote_ident(table)}")
    _log(evaluation)
    return evaluation


def _load_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> set[str]:
    """Load both truth files; return people.csv's columns (which markers it has)."""
    _read_truth_csv(con, truth_dir / _RECORDS_FILE, _T_TRUTH, _RECORDS_COLUMNS)
    return _read_truth_csv(con, truth_dir / _PEOPLE_FILE, _T_PEOPLE, _PEOPLE_COLUMNS)


def _read_truth_csv(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, required: Sequence[str]
) -> set[str]:
    """Read one truth CSV as text into a temp table, checking its columns."""
    if not path.is_file():
        raise ExtractError(str(path), "ground-truth file not found (written by 'mash generate' under truth/)")
    run_sql(
        con,
        f"evaluate:read {path.name}",
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS "
        "SELECT * FROM read_csv($path, all_varchar = true, header = true)",
        {"path": str(path)},
    )
    columns = {row[0] for row in run_sql(con, f"evaluate:columns {path.name}", f"DESCRIBE {quote_ident(table)}").fetchall()}
    missing = [column for column in required if column not in columns]
    if missing:
        raise ExtractError(str(path), f"ground-truth file lacks column(s): {', '.join(missing)}", column=missing[0])
    return columns


def _build_evaluated_records(con: duckdb.DuckDBPyConnection) -> None:
    """One row per store record that has a truth row: resolved and true person."""
    # A record missing from clusters is scored as its own singleton, so it
    # counts as a missed link rather than silently vanishing.
    run_sql(
        con,
        "evaluate:evaluated records",
        f"""
        CREATE OR REPLACE TEMP TABLE {_T_RECORDS} AS
        SELECT r.unique_id,
               r.source,
               coalesce(c.person_id, 'unclustered:' || r.unique_id) AS person_id,
               t.person_id AS true_id,
               c.person_id IS NULL AS unclustered
        FROM records AS r
        JOIN {_T_TRUTH} AS t ON t.source = r.source AND t.record_id = r.record_id
        LEFT JOIN clusters AS c ON c.unique_id = r.unique_id
        """,
    )


def _build_kind_pairs(con: duckdb.DuckDBPyConnection, kinds: Sequence[tuple[str, str, float]]) -> None:
    """Distinct unordered pairs of true people per hard-negative kind the truth has a column for."""
    run_sql(
        con,
        "evaluate:hard-negative pairs",
        f"CREATE OR REPLACE TEMP TABLE {_T_KIND_PAIRS} (kind VARCHAR, person_a VARCHAR, person_b VARCHAR)",
    )
    for kind, column, _ in kinds:
        # A pair may be listed from one side or both: least/greatest + DISTINCT dedupes.
        run_sql(
            con,
            f"evaluate:hard-negative pairs {kind}",
            f"""
            INSERT INTO {_T_KIND_PAIRS}
            SELECT DISTINCT $kind, least(person_id, other), greatest(person_id, other)
            FROM (SELECT trim(person_id) AS person_id, nullif(trim({quote_ident(column)}), '') AS other
                  FROM {_T_PEOPLE})
            WHERE other IS NOT NULL AND other <> person_id
            """,
            {"kind": kind},
        )


def _one(con: duckdb.DuckDBPyConnection, step: str, sql: str, params: Mapping[str, Any] | None = None) -> tuple:
    return run_sql(con, step, sql, params).fetchone()


# ---------------------------------------------------------------------------
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
          (SELECT count(*) FROM {_T_TRUTH}),
          (SELECT count(*) FROM {_T_TRUTH} AS t
            WHERE NOT EXISTS (SELECT 1 FROM records AS r WHERE r.source = t.source AND r.record_id = t.record_id)),
          (SELECT count(*) FROM records AS r
            WHERE NOT EXISTS (SELECT 1 FROM {_T_TRUTH} AS t WHERE r.source = t.source AND r.record_id = t.record_id)),
          (SELECT count(*) FROM {_T_RECORDS}),
          (SELECT count(*) FILTER (WHERE unclustered) FROM {_T_RECORDS}),
          (SELECT count(DISTINCT true_id) FROM {_T_RECORDS}),
          (SELECT count(DISTINCT person_id) FROM {_T_RECORDS}),
          (SELECT count(*) FROM (SELECT person_id FROM {_T_RECORDS} GROUP BY person_id HAVING count(*) = 1))
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
             FROM (SELECT count(*) AS n FROM {_T_RECORDS} GROUP BY person_id, true_id)),
          (SELECT coalesce(sum(n * (n - 1) // 2), 0)
             FROM (SELECT count(*) AS n FROM {_T_RECORDS} GROUP BY person_id)),
          (SELECT coalesce(sum(n * (n - 1) // 2), 0)
             FROM (SELECT count(*) AS n FROM {_T_RECORDS} GROUP BY true_id))
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
          FROM profiles AS m JOIN {_T_RECORDS} AS e USING (unique_id) GROUP BY ALL
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
          SELECT person_id, true_id, count(*) AS n FROM {_T_RECORDS} GROUP BY person_id, true_id
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
        WITH present AS (SELECT DISTINCT true_id, person_id FROM {_T_RECORDS}),
        kp AS (
          SELECT * FROM {_T_KIND_PAIRS} AS k
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
          SELECT '' AS person_id, true_id, source, count(*) AS n FROM {_T_RECORDS} GROUP BY true_id, source
        ),
        ct AS (
          SELECT person_id, true_id, source, count(*) AS n FROM {_T_RECORDS} GROUP BY person_id, true_id, source
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
            AND unique_id_l IN (SELECT unique_id FROM {_T_RECORDS})
            AND unique_id_r IN (SELECT unique_id FROM {_T_RECORDS})
        )
        SELECT
          (SELECT count(*) FROM p),
          (SELECT count(DISTINCT person_id) FROM {_T_RECORDS}
            WHERE unique_id IN (SELECT l FROM p UNION ALL SELECT r FROM p)),
          (SELECT count(DISTINCT person_id) FROM {_T_RECORDS})
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
          FROM {_T_RECORDS} AS e
          JOIN {_T_PEOPLE} AS p ON trim(p.person_id) = e.true_id
          WHERE lower(trim(p.{quote_ident(_SERIAL_COLUMN)})) IN ('true', '1', 'yes', 'y', 't')
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


# ---------------------------------------------------------------------------
# Presentation


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _verdict(ok: bool | None) -> str:
    return {None: "n/a", True: "met", False: "NOT MET"}[ok]


def _kind_label(kind: str) -> str:
    return {"twin": "Twins", "junior_senior": "Junior/senior", "namesake": "Namesakes"}.get(kind, kind)


def _headline_rows(e: Evaluation) -> list[tuple[str, str, str]]:
    """(measure, value, target) rows shared by the report and the terminal table."""
    rows = [
        ("Cluster-pair precision", _pct(e.cluster_pairs.precision), ""),
        ("Cluster-pair recall", _pct(e.cluster_pairs.recall), ""),
        ("Cluster-pair F1", _pct(e.cluster_pairs.f1), ""),
        ("B-cubed F1", _pct(e.bcubed.f1), ""),
    ]
    for h in e.hard_negatives:
        rows.append(
            (f"{_kind_label(h.kind)} merged", f"{h.merged:,} of {h.pairs:,} ({_pct(h.share)})",
             f"<= {h.target:.0%}: {_verdict(h.meets_target)}")
        )
    r = e.review
    rows.append(
        ("People in review band", f"{r.people_touched:,} of {r.resolved_people:,} ({_pct(r.share)})",
         f"< {r.target:.0%}: {_verdict(r.meets_target)}")
    )
    return rows


def _prf_rows(e: Evaluation) -> list[tuple[str, PairCounts]]:
    return [
        ("Cluster pairs", e.cluster_pairs),
        ("Scored pairs, link band", e.link_pairs),
        ("Scored pairs, link + review bands", e.link_and_review_pairs),
    ]


def _count_rows(e: Evaluation) -> list[tuple[str, int]]:
    c = e.counts
    rows = [
        ("Records evaluated", c.records_evaluated),
        ("True people", c.true_people),
        ("Resolved people", c.resolved_people),
        ("Singletons (resolved people with one record)", c.singletons),
        ("Truth records", c.truth_records),
        ("Truth records not in the store (quarantined)", c.truth_missing_from_store),
    ]
    if c.records_without_truth:
        rows.append(("Store records without a truth row (not evaluated)", c.records_without_truth))
    if c.records_unclustered:
        rows.append(("Evaluated records missing from clusters (scored as singletons)", c.records_unclustered))
    return rows


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines + [""]


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


def _href(file: str) -> str:
    return file.replace(" ", "%20")


def write_report(evaluation: Evaluation, path: Path, charts: dict[str, str] | None = None) -> Path:
    """Write the evaluation as a Markdown report.

    Args:
        evaluation: The result of :func:`evaluate`.
        path: The Markdown file to write (parent directories are created).
        charts: Chart title to a file name relative to the report: images
            (PNG, SVG, JPEG, GIF) are embedded, other files (HTML) linked.

    Returns:
        The path written.
    """
    e = evaluation
    lines = ["# MASH Link: evaluation against ground truth", ""]
    lines += ["## Headline", ""]
    lines += _md_table(("Measure", "Value", "Target"), _headline_rows(e))
    lines += ["## Counts", ""]
    lines += _md_table(("Count", "Value"), [(label, f"{value:,}") for label, value in _count_rows(e)], right=(1,))
    lines += ["## Precision, recall and F1", ""]
    lines += _md_table(
        ("Measure", "True positives", "Predicted", "Actual", "Precision", "Recall", "F1"),
        [(label, f"{p.true_positives:,}", f"{p.predicted:,}", f"{p.actual:,}", _pct(p.precision), _pct(p.recall), _pct(p.f1))
         for label, p in _prf_rows(e)]
        + [("B-cubed (mean over records)", "", "", "", _pct(e.bcubed.precision), _pct(e.bcubed.recall), _pct(e.bcubed.f1))],
        right=(1, 2, 3, 4, 5, 6),
    )
    lines += ["## Hard negatives (different people who look alike)", ""]
    lines += _md_table(
        ("Kind", "Pairs in store", "Merged", "Share merged", "Target", "Verdict"),
        [(_kind_label(h.kind), f"{h.pairs:,}", f"{h.merged:,}", _pct(h.share), f"<= {h.target:.0%}", _verdict(h.meets_target))
         for h in e.hard_negatives],
        right=(1, 2, 3),
    )
    lines += ["## Recall by source pair", ""]
    lines += _md_table(
        ("Sources", "True pairs", "Same cluster", "Recall"),
        [(f"{s.source_l} / {s.source_r}", f"{s.true_pairs:,}", f"{s.same_cluster:,}", _pct(s.recall)) for s in e.source_pairs],
        right=(1, 2, 3),
    )
    r = e.review
    lines += ["## Review band", ""]
    lines += _md_table(
        ("Measure", "Value"),
        [("Review pairs", f"{r.pairs:,}"), ("Resolved people touched", f"{r.people_touched:,}"),
         ("Share of resolved people", _pct(r.share)), ("Target", f"< {r.target:.0%}: {_verdict(r.meets_target)}")],
        right=(1,),
    )
    if e.serial_perpetrators is not None:
        s = e.serial_perpetrators
        lines += ["## Serial perpetrators", ""]
        lines += [f"{s.split:,} of {s.people:,} serial perpetrators in the store have records split "
                  "across more than one resolved person.", ""]
    if charts:
        lines += _chart_lines(charts)
    lines += ["## Definitions", "", *_DEFINITIONS, ""]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    logger.info("evaluation report written")
    return path


_DEFINITIONS = (
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


def evaluation_table(evaluation: Evaluation) -> Table:
    """The evaluation as one terminal table, in sections.

    Args:
        evaluation: The result of :func:`evaluate`.

    Returns:
        A rich table: headline, counts, precision/recall, source pairs.
    """
    e = evaluation
    table = Table(title="Evaluation against ground truth")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target")
    for measure, value, target in _headline_rows(e):
        style = "bold red" if target.endswith("NOT MET") else None
        table.add_row(measure, value, target, style=style)
    table.add_section()
    for label, value in _count_rows(e):
        table.add_row(label, f"{value:,}", "")
    table.add_section()
    for label, p in _prf_rows(e):
        table.add_row(f"{label}: precision / recall", f"{_pct(p.precision)} / {_pct(p.recall)}", "")
    table.add_row("B-cubed: precision / recall", f"{_pct(e.bcubed.precision)} / {_pct(e.bcubed.recall)}", "")
    table.add_section()
    for s in e.source_pairs:
        table.add_row(f"Recall {s.source_l} / {s.source_r}", f"{_pct(s.recall)} of {s.true_pairs:,}", "")
    if e.serial_perpetrators is not None:
        table.add_row("Serial perpetrators split", f"{e.serial_perpetrators.split:,} of {e.serial_perpetrators.people:,}", "")
    return table
