"""Pairs for clerical review: the review band, and any two records an analyst challenges, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from linkage.codes import IDENTITY_FIELDS
from linkage.explore.explain import comparisons
from linkage.explore.readable import text
from linkage.pipeline import quote_ident, run_sql

#: Record fields compared side by side, identity first, then the event.
COMPARED_FIELDS = (
    "agency", "source", "record_id", "forename", "middle_names", "surname", "dob", "sex", "nhs_number", "pnc_id",
    "postcode", "address", "phone", "event_date", "event_type", "role",
)
#: The status of a field that describes the record, not the person: never a disagreement.
RECORD_DETAIL = "record detail"


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
        fields: One row per field: field, left, right (text: dates dd/mm/yyyy, blank when not
            recorded), status (same, different, one missing,
            both missing; for a field that describes the record or its event rather than
            the person, such as record id, agency or event date, ``record detail``: those
            differ between any two records and say nothing of identity), identity.
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


#: Comparisons named for and against a review pair in its 'why'.
WHY_COMPARISONS = 2


@dataclass(frozen=True)
class ReviewQueue:
    """The review band as work to do.

    Attributes:
        groups: One row per group with an undecided pair (see :func:`review_queue`).
        undecided_pairs: Review-band pairs with no decision yet.
        decided_pairs: Review-band pairs decided since the run (the next run applies them).
    """

    groups: pd.DataFrame
    undecided_pairs: int
    decided_pairs: int


def review_queue(
    con: duckdb.DuckDBPyConnection,
    *,
    decided: pd.DataFrame | None = None,
    labels: Mapping[str, Mapping[int, str]] | None = None,
    limit: int = 200,
) -> ReviewQueue:
    """The review band as work to do: one row per group of records still undecided, most uncertain first.

    Records joined by review-band pairs form a group (a trio gives three pairs, one
    group). A pair an analyst has decided leaves the queue at once (the next run
    applies the decision); a group is listed by its most uncertain undecided pair
    until none is left.

    Args:
        con: A results cursor.
        decided: Pairs with a decision in force (``unique_id_l``, ``unique_id_r``; see
            ``linkage.accountability.review.decisions_for``); None: none decided.
        labels: Comparison level labels (``level_labels`` of the model), for ``why``.
        limit: Most rows.

    Returns:
        The counts, and in ``groups`` one row per group: unique_id_l, unique_id_r,
        match_weight, match_probability, reason (the band rule's), why (the reason
        with the comparisons that weighed most for and against), person_l, person_r,
        same_person, agency_l, agency_r, name_l, name_r, dob_l, dob_r, group_records,
        group_pairs, undecided_pairs.
    """
    weights = comparisons(con)
    pairs = run_sql(
        con,
        "review_queue",
        "SELECT p.unique_id_l, p.unique_id_r, p.match_weight, p.match_probability, p.reason, "
        "cl.person_id AS person_l, cr.person_id AS person_r, cl.person_id = cr.person_id AS same_person, "
        "CAST(l.agency AS VARCHAR) AS agency_l, CAST(r.agency AS VARCHAR) AS agency_r, "
        "concat_ws(' ', l.forename, l.surname) AS name_l, concat_ws(' ', r.forename, r.surname) AS name_r, "
        "l.dob AS dob_l, r.dob AS dob_r, "
        + "".join(f"p.{quote_ident('gamma_' + c)}, p.{quote_ident('mw_' + c)}, " for c in weights)
        + "1 AS one FROM pairs AS p JOIN records AS l ON l.unique_id = p.unique_id_l "
        "JOIN records AS r ON r.unique_id = p.unique_id_r "
        "JOIN clusters AS cl ON cl.unique_id = p.unique_id_l JOIN clusters AS cr ON cr.unique_id = p.unique_id_r "
        "WHERE p.band = 'review' ORDER BY abs(p.match_probability - 0.5), p.unique_id_l, p.unique_id_r",
    ).df()
    pairs["why"] = [_why(row, weights, labels or {}) for row in pairs.to_dict("records")]
    done = set() if decided is None or decided.empty else {
        tuple(sorted(p)) for p in zip(decided["unique_id_l"], decided["unique_id_r"], strict=True)
    }
    pairs["decided"] = [(l, r) in done for l, r in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)]
    pairs["group"] = _groups(pairs)
    sizes = pairs.groupby("group").agg(
        group_pairs=("unique_id_l", "size"), undecided_pairs=("decided", lambda d: int((~d).sum())),
    )
    records = pd.concat([pairs[["group", "unique_id_l"]].set_axis(["group", "r"], axis=1),
                         pairs[["group", "unique_id_r"]].set_axis(["group", "r"], axis=1)]).groupby("group")["r"].nunique()
    queue = pairs[~pairs["decided"]].drop_duplicates("group").join(sizes, on="group")
    queue["group_records"] = queue["group"].map(records)
    keep = ["unique_id_l", "unique_id_r", "match_weight", "match_probability", "reason", "why", "person_l", "person_r",
            "same_person", "agency_l", "agency_r", "name_l", "name_r", "dob_l", "dob_r", "group_records", "group_pairs",
            "undecided_pairs"]
    return ReviewQueue(
        groups=queue[keep].head(limit).reset_index(drop=True),
        undecided_pairs=int((~pairs["decided"]).sum()), decided_pairs=int(pairs["decided"].sum()),
    )


def _groups(pairs: pd.DataFrame) -> list[int]:
    """The group of each pair: records joined by review pairs are one group (union-find)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True):
        a, b = root(left), root(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots: dict[str, int] = {}
    return [roots.setdefault(root(left), len(roots)) for left in pairs["unique_id_l"]]


def _level_text(comparison: str, label: str | None, gamma: int) -> str:
    """A comparison level as a clause: 'exact match on dob', 'forename differs', 'surname: level 2'."""
    field = comparison.replace("_", " ")
    text = (label or "").strip().lower()
    if not text:
        return f"{field}: level {gamma}"
    if text.startswith("all other"):
        return f"{field} differs"
    return text if field in text else f"{field}: {text}"


def _why(row: Mapping[str, object], weights: list[str], labels: Mapping[str, Mapping[int, str]]) -> str:
    """A review pair's reason, with the comparisons that weighed most for and against the link."""
    scored = []
    for c in weights:
        weight, gamma = row.get(f"mw_{c}"), row.get(f"gamma_{c}")
        if weight is None or pd.isna(weight) or gamma is None or pd.isna(gamma) or int(gamma) == -1:
            continue
        scored.append((float(weight), f"{_level_text(c, labels.get(c, {}).get(int(gamma)), int(gamma))} ({float(weight):+.1f})"))
    pro = [text for weight, text in sorted(scored, reverse=True)[:WHY_COMPARISONS] if weight > 0]
    con = [text for weight, text in sorted(scored)[:WHY_COMPARISONS] if weight < 0]
    reason = row.get("reason") or "in the review band"
    if reason == "match probability in the review band":
        reason = f"match probability {float(row['match_probability']):.2f}, in the review band"
    parts = [reason]
    if pro:
        parts.append("for: " + ", ".join(pro))
    if con:
        parts.append("against: " + ", ".join(con))
    return "; ".join(parts)


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
            # Shown as an analyst reads them: dates dd/mm/yyyy, nothing recorded blank.
            {"field": f, "left": text(a), "right": text(b), "status": _status(a, b) if f in IDENTITY_FIELDS else RECORD_DETAIL,
             "identity": f in IDENTITY_FIELDS}
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
