"""Why a record is linked: the scored pairs joining it to its person and Splink's match-weight waterfall."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import pandas as pd

from linkage.codes import sql_literal
from linkage.pipeline import quote_ident, run_sql
from linkage.store import has_table, table_columns

#: Label of the first waterfall bar: the model's prior, log2 of the odds that two random records match.
PRIOR = "prior"


def record_pairs(con: duckdb.DuckDBPyConnection, unique_id: str) -> pd.DataFrame:
    """The scored pairs touching a record, those inside its person first.

    A record identical to the model to others is scored once for them all, as its
    identity profile's representative (``linkage.resolve.profiles``): its pairs are
    the representative's, and its profile's own pair.

    Args:
        con: A results cursor.
        unique_id: The record (``source:record_id``).

    Returns:
        One row per pair: unique_id_l, unique_id_r, other_id (the other record),
        other_agency, other_record_id, other_person_id, same_person, band, reason,
        match_weight, match_probability.
    """
    stands_for = (
        "coalesce((SELECT profile_id FROM profiles WHERE unique_id = $uid), $uid)" if has_table(con, "profiles") else "$uid"
    )
    return run_sql(
        con,
        "why_linked_pairs",
        f"WITH me AS (SELECT {stands_for} AS rep), "
        "touching AS ("
        "  SELECT p.*, CASE WHEN p.unique_id_l = me.rep AND p.unique_id_r <> $uid THEN p.unique_id_r "
        "    WHEN p.unique_id_l = me.rep THEN me.rep ELSE p.unique_id_l END AS other_id "
        "  FROM pairs AS p, me WHERE p.unique_id_l = me.rep OR p.unique_id_r = me.rep) "
        "SELECT t.unique_id_l, t.unique_id_r, t.other_id, CAST(r.agency AS VARCHAR) AS other_agency, "
        "r.record_id AS other_record_id, oc.person_id AS other_person_id, oc.person_id = me.person_id AS same_person, "
        "t.band, t.reason, t.match_weight, t.match_probability "
        "FROM touching AS t JOIN records AS r ON r.unique_id = t.other_id "
        "JOIN clusters AS oc ON oc.unique_id = t.other_id, (SELECT person_id FROM clusters WHERE unique_id = $uid) AS me "
        "ORDER BY same_person DESC, t.match_weight DESC",
        {"uid": unique_id},
    ).df()


def comparisons(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The model's comparisons, as the ``pairs`` table's ``gamma_<comparison>`` columns name them."""
    return [c.removeprefix("gamma_") for c in table_columns(con, "pairs") if c.startswith("gamma_")]


def level_labels(splink_settings: Mapping[str, Any] | None) -> dict[str, dict[int, str]]:
    """Each comparison's level labels by gamma value, from a trained model's Splink settings.

    Splink numbers a comparison's levels from the top: the null level is -1, the
    remaining ``n`` levels are ``n-1`` (first listed) down to 0 (the 'else' level).

    Args:
        splink_settings: ``TrainedModel.splink``; None gives no labels.

    Returns:
        Comparison name to {gamma: label}.
    """
    labels: dict[str, dict[int, str]] = {}
    for comparison in (splink_settings or {}).get("comparisons", []):
        levels = comparison.get("comparison_levels", [])
        ranked = [level for level in levels if not level.get("is_null_level")]
        named = {len(ranked) - 1 - i: level.get("label_for_charts", "") for i, level in enumerate(ranked)}
        if any(level.get("is_null_level") for level in levels):
            named[-1] = "one or both values missing"
        labels[comparison["output_column_name"]] = named
    return labels


def _shown(side: str, comparison: str, record_columns: set[str]) -> str:
    """SQL for the value a comparison compares on one side of a pair, as text, or NULL.

    A declared identifier's comparison (``id_<name>``) reads the records' ``identifiers`` map;
    its name is config-defined (lower case letters, digits and _), never input data.
    """
    if comparison in record_columns:
        return f"CAST({side}.{quote_ident(comparison)} AS VARCHAR)"
    if comparison.startswith("id_") and "identifiers" in record_columns:
        return f"{side}.identifiers[{sql_literal(comparison.removeprefix('id_'))}]"
    return "NULL"


def waterfall(
    con: duckdb.DuckDBPyConnection,
    unique_id_l: str,
    unique_id_r: str,
    splink_settings: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Splink's match-weight waterfall for one scored pair.

    The first bar is the prior (match weight minus the comparisons' weights, which is
    log2 of the model's prior odds), then one bar per comparison with its gamma level
    and weight (term-frequency adjustment included), ending at the pair's match weight.

    Args:
        con: A results cursor.
        unique_id_l: One record of the pair.
        unique_id_r: The other (either order).
        splink_settings: The trained model's settings, for level labels.

    Returns:
        One row per bar: comparison, gamma, level, value_l, value_r, weight,
        tf_adjustment, cumulative, probability (after the bar). Empty if the pair
        was not scored.
    """
    present = set(table_columns(con, "pairs"))
    record_columns = set(table_columns(con, "records"))
    items = []
    for c in comparisons(con):
        tf = f"mw_tf_adj_{c}"
        tf_sql = f"coalesce(p.{quote_ident(tf)}, 0)" if tf in present else "0"
        shown_l, shown_r = (_shown(side, c, record_columns) for side in ("l", "r"))
        items.append(
            f"{{'comparison': '{c}', 'gamma': p.{quote_ident('gamma_' + c)}, "
            f"'weight': coalesce(p.{quote_ident('mw_' + c)}, 0) + {tf_sql}, 'tf': {tf_sql}, "
            f"'value_l': {shown_l}, 'value_r': {shown_r}}}"
        )
    cursor = run_sql(
        con,
        "why_linked_waterfall",
        f"SELECT p.match_weight, [{', '.join(items)}] AS bars "
        "FROM pairs AS p JOIN records AS l ON l.unique_id = p.unique_id_l JOIN records AS r ON r.unique_id = p.unique_id_r "
        "WHERE p.unique_id_l = least($a, $b) AND p.unique_id_r = greatest($a, $b)",
        {"a": unique_id_l, "b": unique_id_r},
    )
    row = cursor.fetchone()
    out_columns = ["comparison", "gamma", "level", "value_l", "value_r", "weight", "tf_adjustment", "cumulative", "probability"]
    if row is None:
        return pd.DataFrame(columns=out_columns)
    match_weight, bars = row
    labels = level_labels(splink_settings)
    prior = match_weight - sum(bar["weight"] for bar in bars)
    rows = [{"comparison": PRIOR, "gamma": None, "level": "", "value_l": None, "value_r": None,
             "weight": prior, "tf_adjustment": 0.0}]
    for bar in bars:
        rows.append({
            "comparison": bar["comparison"], "gamma": bar["gamma"],
            "level": labels.get(bar["comparison"], {}).get(bar["gamma"], ""),
            "value_l": bar["value_l"], "value_r": bar["value_r"], "weight": bar["weight"], "tf_adjustment": bar["tf"],
        })
    frame = pd.DataFrame(rows)
    frame["gamma"] = frame["gamma"].astype("Int64")
    frame["cumulative"] = frame["weight"].cumsum()
    frame["probability"] = 1.0 / (1.0 + 2.0 ** (-frame["cumulative"]))
    return frame[out_columns]
