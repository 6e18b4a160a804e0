"""A SPECSS+ profile flag as a row of factors, each with the records it rests on, for the person profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from graph.flags.specss import FACTOR_LABELS, FACTORS

__all__ = ["SPECSS_CODE", "SPECSS_COLUMNS", "specss_evidence", "specss_factors"]

#: The flag code whose parameters hold a SPECSS+ profile.
SPECSS_CODE = "specss_profile"
#: Columns of :func:`specss_factors`.
SPECSS_COLUMNS = ("factor", "label", "present", "detail", "agencies", "records", "weakest_link")


def specss_factors(parameters: Mapping[str, Any]) -> pd.DataFrame:
    """Every SPECSS+ factor the extracts can show, present or not, in the profile's order.

    Args:
        parameters: A ``specss_profile`` flag's parameters (as stored).

    Returns:
        One row per factor, columns :data:`SPECSS_COLUMNS`: ``present``, and for a present
        factor what shows it (``detail``), the agencies and number of records it rests on
        and the weakest link among them (blank for an absent one).
    """
    rows = []
    for factor in FACTORS:
        found = parameters.get(factor) if factor in parameters.get("factors", ()) else None
        rows.append({
            "factor": factor, "label": FACTOR_LABELS[factor], "present": found is not None,
            "detail": found["detail"] if found else None,
            "agencies": list(found["agencies"]) if found else [],
            "records": int(found["records"]) if found else 0,
            "weakest_link": float(found["weakest_link"]) if found else None,
        })
    return pd.DataFrame(rows, columns=list(SPECSS_COLUMNS))


def specss_evidence(parameters: Mapping[str, Any], evidence: pd.DataFrame) -> pd.DataFrame:
    """The flag's evidence records under the factor (or factors) each one shows.

    Args:
        parameters: A ``specss_profile`` flag's parameters.
        evidence: The flag's rows of ``linkage.explore.flag_evidence`` (``unique_id`` and the record columns).

    Returns:
        ``evidence`` with a ``factor`` column (its label), one row per record and factor,
        in the profile's factor order, then by date.
    """
    pairs = pd.DataFrame(
        [(FACTOR_LABELS[f], k, uid) for k, f in enumerate(FACTORS) if f in parameters.get("factors", ())
         for uid in parameters[f]["unique_ids"]],
        columns=["factor", "factor_order", "unique_id"],
    )
    out = pairs.merge(evidence, on="unique_id", how="inner")
    return out.sort_values(["factor_order", "event_date", "unique_id"], ignore_index=True).drop(columns=["factor_order"])
