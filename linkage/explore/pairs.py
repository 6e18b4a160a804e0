"""Pairs for clerical review: the review band, and any two records an analyst challenges, side by side."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from linkage.pipeline import run_sql

#: Record fields compared side by side, identity first, then the event.
COMPARED_FIELDS = (
    "agency", "source", "record_id", "forename", "middle_names", "surname", "dob", "sex", "nhs_number", "pnc_id",
    "postcode", "address", "phone", "event_date", "event_type", "role",
)
#: Fields whose difference says something about identity (the rest describe the record or event).
IDENTITY_FIELDS = ("forename", "middle_names", "surname", "dob", "sex", "nhs_number", "pnc_id", "postcode", "address", "phone")


@dataclass(frozen=True)
class PairView:
    """Two records side by side.

    Attributes:
        unique_id_l: The lesser record id.
        unique_id_r: The greater.
        person_l: The person the left record is in.
        person_r: The person the right record is in.
        scored: Whether the model scored the pair (blocking brought them together above the review threshold).
        band: The pair's band (link, review, supported, distinct, confirmed, rejected), if scored.
        reason: Why it is in that band, if the band rules gave one.
        match_weight: If scored.
        match_probability: If scored.
        fields: One row per field: field, left, right, status (same, different, one missing,
            both missing), identity (the field bears on identity).
    """

    unique_id_l: str
    unique_id_r: str
    person_l: str | None
    person_r: str | None
    scored: bool
    band: str | None
    reason: str | None
    match_weight: float | None
    match_probability: float | None
    fields: pd.DataFrame


def review_queue(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> pd.DataFrame:
    """The review-band pairs, most uncertain first (match probability nearest one half).

    Args:
        con: A results cursor.
        limit: Most pairs.

    Returns:
        One row per pair: unique_id_l, unique_id_r, match_weight, match_probability,
        reason, person_l, person_r, same_person, agency_l, agency_r, name_l, name_r, dob_l, dob_r.
    """
    return run_sql(
        con,
        "review_queue",
        "SELECT p.unique_id_l, p.unique_id_r, p.match_weight, p.match_probability, p.reason, "
        "cl.person_id AS person_l, cr.person_id AS person_r, cl.person_id = cr.person_id AS same_person, "
        "CAST(l.agency AS VARCHAR) AS agency_l, CAST(r.agency AS VARCHAR) AS agency_r, "
        "concat_ws(' ', l.forename, l.surname) AS name_l, concat_ws(' ', r.forename, r.surname) AS name_r, "
        "l.dob AS dob_l, r.dob AS dob_r "
        "FROM pairs AS p JOIN records AS l ON l.unique_id = p.unique_id_l JOIN records AS r ON r.unique_id = p.unique_id_r "
        "JOIN clusters AS cl ON cl.unique_id = p.unique_id_l JOIN clusters AS cr ON cr.unique_id = p.unique_id_r "
        "WHERE p.band = 'review' ORDER BY abs(p.match_probability - 0.5), p.unique_id_l, p.unique_id_r LIMIT $limit",
        {"limit": limit},
    ).df()


def compare_records(con: duckdb.DuckDBPyConnection, unique_id_a: str, unique_id_b: str) -> PairView | None:
    """Any two records side by side, field by field, with the pair's score if it has one.

    Args:
        con: A results cursor.
        unique_id_a: One record (``source:record_id``).
        unique_id_b: The other (either order).

    Returns:
        The pair, or None if either record is not in the results.
    """
    left, right = sorted((unique_id_a, unique_id_b))
    values = ", ".join(f"CAST(r.{f} AS VARCHAR) AS {f}" for f in COMPARED_FIELDS)
    cursor = run_sql(
        con,
        "compare_records",
        f"SELECT r.unique_id, c.person_id, {values} FROM records AS r LEFT JOIN clusters AS c USING (unique_id) "
        "WHERE r.unique_id IN ($l, $r)",
        {"l": left, "r": right},
    )
    rows = {row[0]: row for row in cursor.fetchall()}
    if left not in rows or right not in rows or left == right:
        return None
    pair = run_sql(
        con,
        "compare_records_pair",
        "SELECT band, reason, match_weight, match_probability FROM pairs WHERE unique_id_l = $l AND unique_id_r = $r",
        {"l": left, "r": right},
    ).fetchone()
    fields = pd.DataFrame(
        [
            {"field": f, "left": a, "right": b, "status": _status(a, b), "identity": f in IDENTITY_FIELDS}
            for f, a, b in zip(COMPARED_FIELDS, rows[left][2:], rows[right][2:], strict=True)
        ]
    )
    band, reason, weight, probability = pair if pair else (None, None, None, None)
    return PairView(
        unique_id_l=left, unique_id_r=right, person_l=rows[left][1], person_r=rows[right][1], scored=pair is not None,
        band=band, reason=reason, match_weight=weight, match_probability=probability, fields=fields,
    )


def _status(a: str | None, b: str | None) -> str:
    if a is None and b is None:
        return "both missing"
    if a is None or b is None:
        return "one missing"
    return "same" if a == b else "different"
