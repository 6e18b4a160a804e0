"""The quality report's named SQL steps: each counts one thing over a run's results.

They read the results tables (``records``, ``clusters``, ``pairs``) and the working
table :data:`PAIRS` that :func:`report_pairs` builds; steps about decisions read the
analysts' decisions as ``{input}`` (one row per decision, superseded ones included).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from linkage.pipeline import Step

#: Scored pairs with whether their two records ended in one person (a temporary table).
PAIRS = "_report_pairs"

#: An analyst's decision in force on each pair: the latest, pair ids least first.
_LATEST_DECISIONS = (
    "latest AS (SELECT least(unique_id_l, unique_id_r) AS l, greatest(unique_id_l, unique_id_r) AS r, "
    "arg_max(decision, decided_at) AS decision FROM {input} GROUP BY ALL)"
)


def report_pairs(with_levels: bool = True) -> Step:
    """The scored pairs, each marked linked when both records are in one person.

    Args:
        with_levels: Keep the ``gamma_*`` comparison levels (a store whose pairs have none passes False).
    """
    levels = ", COLUMNS('^gamma_')" if with_levels else ""
    return Step(
        name="report_pairs",
        purpose="Scored pairs with their band, probability, comparison levels and whether clustering linked them.",
        sql=(
            f"CREATE OR REPLACE TEMP TABLE {PAIRS} AS "
            "SELECT p.unique_id_l AS l, p.unique_id_r AS r, p.match_weight, p.match_probability, p.band, "
            f"coalesce(cl.person_id = cr.person_id, false) AS linked{levels} "
            "FROM pairs AS p LEFT JOIN clusters AS cl ON cl.unique_id = p.unique_id_l "
            "LEFT JOIN clusters AS cr ON cr.unique_id = p.unique_id_r"
        ),
    )


def overview() -> Step:
    """Records, people, people with more than one record, records linked, scored pairs."""
    return Step(
        name="report_overview",
        purpose="The run's size: records, people, people holding two or more records, records linked, scored pairs.",
        sql=(
            "WITH sizes AS (SELECT person_id, count(*) AS n FROM clusters GROUP BY person_id) "
            "SELECT (SELECT count(*) FROM records) AS records, (SELECT count(*) FROM sizes) AS people, "
            "(SELECT count(*) FROM sizes WHERE n > 1) AS people_linked, "
            "(SELECT coalesce(sum(n), 0) FROM sizes WHERE n > 1) AS records_linked, "
            f"(SELECT count(*) FROM {PAIRS}) AS pairs"
        ),
    )


def weight_distribution(width: float) -> Step:
    """Scored pairs per match-weight interval, linked and not linked."""
    return Step(
        name="report_weight_distribution",
        purpose="How many scored pairs fall in each match-weight interval, linked into one person or not.",
        sql=(
            "SELECT floor(match_weight / $width) * $width AS weight, "
            "CASE WHEN linked THEN 'linked' ELSE 'not linked' END AS status, count(*) AS pairs "
            f"FROM {PAIRS} GROUP BY ALL ORDER BY weight, status"
        ),
        params={"width": float(width)},
    )


def field_agreement() -> Step:
    """Share of pairs at each comparison level, per comparison, by band and over all bands."""
    return Step(
        name="report_field_agreement",
        purpose="Per comparison (field), the share of scored pairs at each of its levels, by band and in all.",
        sql=(
            "WITH long AS (UNPIVOT (SELECT band, COLUMNS('^gamma_') FROM " + PAIRS + ") "
            "ON COLUMNS('^gamma_') INTO NAME comparison VALUE level), "
            "counted AS (SELECT replace(comparison, 'gamma_', '') AS comparison, coalesce(band, 'all') AS band, level, "
            "count(*) AS pairs FROM long GROUP BY GROUPING SETS ((comparison, band, level), (comparison, level))) "
            "SELECT comparison, band, level, pairs, pairs / sum(pairs) OVER (PARTITION BY comparison, band) AS share "
            "FROM counted ORDER BY comparison, band, level DESC"
        ),
    )


def review_clearance() -> Step:
    """The review band and what analysts have decided about it, and the pairs decided before the run."""
    return Step(
        name="report_review_clearance",
        purpose="Review-band pairs by the analysts' decision in force (confirm, reject, unsure, none yet), "
        "and the pairs this run took as confirmed or rejected.",
        sql=(
            f"WITH {_LATEST_DECISIONS} "
            "SELECT count(*) FILTER (p.band = 'review') AS review, "
            "count(*) FILTER (p.band = 'review' AND d.decision = 'confirm') AS confirm, "
            "count(*) FILTER (p.band = 'review' AND d.decision = 'reject') AS reject, "
            "count(*) FILTER (p.band = 'review' AND d.decision = 'unsure') AS unsure, "
            "count(*) FILTER (p.band = 'review' AND d.decision IS NULL) AS undecided, "
            "count(*) FILTER (p.band = 'confirmed') AS confirmed_before, "
            "count(*) FILTER (p.band = 'rejected') AS rejected_before "
            f"FROM {PAIRS} AS p LEFT JOIN latest AS d ON d.l = p.l AND d.r = p.r"
        ),
    )


def model_error_rates() -> Step:
    """Expected false and missed matches from the model's match probabilities."""
    return Step(
        name="report_model_error_rates",
        purpose="Expected false matches (sum of 1 - p over linked pairs) and missed matches (sum of p over "
        "scored pairs left in different people).",
        sql=(
            "SELECT count(*) FILTER (linked) AS linked_pairs, "
            "coalesce(sum(1 - match_probability) FILTER (linked), 0) AS expected_false, "
            "count(*) FILTER (NOT linked) AS unlinked_pairs, "
            "coalesce(sum(match_probability) FILTER (NOT linked), 0) AS expected_missed, "
            "count(*) FILTER (NOT linked AND band = 'review') AS review_pairs, "
            "coalesce(sum(match_probability) FILTER (NOT linked AND band = 'review'), 0) AS expected_missed_review, "
            f"coalesce(sum(match_probability), 0) AS expected_matches FROM {PAIRS}"
        ),
    )


def analyst_error_rates(link_threshold: float) -> Step:
    """Analysts' decisions in force on scored pairs: on links the run made or not, above and below the link threshold."""
    return Step(
        name="report_analyst_error_rates",
        purpose="Confirm and reject decisions in force on this run's scored pairs, split by whether the run linked "
        "them and at the link threshold, and decisions on pairs the run did not score.",
        sql=(
            f"WITH {_LATEST_DECISIONS}, decided AS (SELECT * FROM latest WHERE decision IN ('confirm', 'reject')) "
            "SELECT count(p.l) FILTER (p.linked) AS decided_linked, "
            "count(p.l) FILTER (p.linked AND d.decision = 'reject') AS rejected_linked, "
            "count(p.l) FILTER (NOT p.linked) AS decided_apart, "
            "count(p.l) FILTER (NOT p.linked AND d.decision = 'confirm') AS confirmed_apart, "
            "count(p.l) FILTER (p.match_probability >= $link) AS decided_above, "
            "count(p.l) FILTER (p.match_probability >= $link AND d.decision = 'reject') AS rejected_above, "
            "count(p.l) FILTER (p.match_probability < $link) AS decided_below, "
            "count(p.l) FILTER (p.match_probability < $link AND d.decision = 'confirm') AS confirmed_below, "
            "count(p.l) AS decided, count(p.l) FILTER (d.decision = 'reject') AS rejected, "
            "count(*) FILTER (p.l IS NULL) AS not_scored "
            f"FROM decided AS d LEFT JOIN {PAIRS} AS p ON p.l = d.l AND p.r = d.r"
        ),
        params={"link": float(link_threshold)},
    )


def across_thresholds(thresholds: Sequence[float], lowest_kept: float) -> Step:
    """Pairs and records at or above each threshold; thresholds below the kept pairs' floor give nulls."""
    return Step(
        name="report_thresholds",
        purpose="For each match-probability threshold: pairs at or above it, records in such a pair, and the "
        "false matches the model expects among those pairs.",
        sql=(
            "WITH t AS (SELECT unnest($thresholds::DOUBLE[]) AS threshold), "
            f"ends AS (SELECT l AS unique_id, match_probability AS p FROM {PAIRS} "
            f"UNION ALL SELECT r, match_probability FROM {PAIRS}), "
            "pair_counts AS (SELECT t.threshold, count(p.l) AS pairs, coalesce(sum(1 - p.match_probability), 0) AS expected_false "
            f"FROM t LEFT JOIN {PAIRS} AS p ON p.match_probability >= t.threshold GROUP BY t.threshold), "
            "record_counts AS (SELECT t.threshold, count(DISTINCT e.unique_id) AS records "
            "FROM t LEFT JOIN ends AS e ON e.p >= t.threshold GROUP BY t.threshold) "
            "SELECT threshold, threshold >= $lowest AS scored, "
            "CASE WHEN threshold >= $lowest THEN pairs END AS pairs, "
            "CASE WHEN threshold >= $lowest THEN records END AS records, "
            "CASE WHEN threshold >= $lowest THEN expected_false END AS expected_false, "
            "CASE WHEN threshold >= $lowest AND pairs > 0 THEN expected_false / pairs END AS false_share "
            "FROM pair_counts JOIN record_counts USING (threshold) ORDER BY threshold"
        ),
        params={"thresholds": [float(t) for t in thresholds], "lowest": float(lowest_kept)},
    )


def link_rates(as_of: date, labels: Sequence[str], lows: Sequence[int], highs: Sequence[int]) -> Step:
    """Share of records linked to at least one other record, by age band, sex and agency."""
    return Step(
        name="report_link_rates",
        purpose="Records, and records whose person holds at least one other record, by age band (on the "
        "report date), sex and agency.",
        sql=(
            "WITH bands AS (SELECT unnest($labels::VARCHAR[]) AS label, unnest($lows::INTEGER[]) AS low, "
            "unnest($highs::INTEGER[]) AS high, generate_subscripts($labels::VARCHAR[], 1) AS position), "
            "sizes AS (SELECT person_id, count(*) AS n FROM clusters GROUP BY person_id), "
            "rec AS (SELECT r.unique_id, CAST(r.agency AS VARCHAR) AS agency, "
            "coalesce(CAST(r.sex AS VARCHAR), 'not recorded') AS sex, "
            "CASE WHEN r.dob <= $as_of THEN date_part('year', age($as_of::TIMESTAMP, r.dob::TIMESTAMP)) END AS age, "
            "coalesce(s.n, 0) > 1 AS linked "
            "FROM records AS r LEFT JOIN clusters AS c USING (unique_id) LEFT JOIN sizes AS s USING (person_id)), "
            "grouped AS ("
            "SELECT 'age band' AS dimension, coalesce(b.label, 'DOB not recorded') AS grp, coalesce(b.position, 999) AS position, "
            "count(*) AS records, count(*) FILTER (linked) AS linked "
            "FROM rec LEFT JOIN bands AS b ON rec.age >= b.low AND rec.age < b.high GROUP BY ALL "
            "UNION ALL SELECT 'sex', sex, 0, count(*), count(*) FILTER (linked) FROM rec GROUP BY ALL "
            "UNION ALL SELECT 'agency', agency, 0, count(*), count(*) FILTER (linked) FROM rec GROUP BY ALL) "
            "SELECT dimension, grp AS \"group\", records, linked, linked / records AS rate FROM grouped "
            "ORDER BY CASE dimension WHEN 'age band' THEN 0 WHEN 'sex' THEN 1 ELSE 2 END, position, grp"
        ),
        params={"as_of": as_of, "labels": list(labels), "lows": list(lows), "highs": list(highs)},
    )
