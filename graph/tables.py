"""Vectorised edge and node tables from the events frame, before any networkx work.

Everything whole-population happens here in pandas, so :mod:`graph.build` only hands
finished rows to networkx in bulk.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from graph.codes import CARER_ROLES, CHILD, DASH_ORDER, SOCIAL_CARE, SUSPECT, VICTIM
from graph.keys import address_node_keys, event_node_keys

#: Event attributes copied onto event nodes (first non-null value per event).
EVENT_ATTRS = (
    "source", "agency", "event_id", "event_type", "dash_risk", "plan_type", "category",
    "service", "complaint", "mental_health", "substance_misuse", "pregnancy",
)
#: Yes/no markers kept on each record edge (they differ between records of one event).
RECORD_MARKERS = ("mental_health", "substance_misuse", "pregnancy")
_DASH_RANK = {level: rank for rank, level in enumerate(DASH_ORDER)}


def prepare_events(events: pd.DataFrame) -> pd.DataFrame:
    """Normalise the events frame: node ids, day dates, link probabilities.

    Args:
        events: One row per source record (see :func:`graph.build.build_graph`).

    Returns:
        A copy with ``event_node`` and ``address_node`` columns (kept as given when
        ``events`` has them, else keyed by :mod:`graph.keys`), ``event_date`` as
        day-resolution datetime64, ``link_probability`` filled with 1.0 and
        ``domestic_abuse`` as plain bool.
    """
    ev = events.copy()
    ev["event_date"] = pd.to_datetime(ev["event_date"]).dt.normalize()
    ev["link_probability"] = ev["link_probability"].astype(float).fillna(1.0)
    ev["domestic_abuse"] = ev["domestic_abuse"].astype("boolean").fillna(False).astype(bool)
    # The store hands the keys over computed in SQL (``linkage.node_keys``, held to these
    # spellings by a test): at 1M records, building them here was 2-3 s of the flags stage.
    if "event_node" not in ev.columns:
        ev["event_node"] = event_node_keys(ev)
    if "address_node" not in ev.columns:
        ev["address_node"] = address_node_keys(ev)
    return ev


def event_nodes(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per event node: earliest date, DA if any record says so, first attributes."""
    grouped = ev.groupby("event_node", sort=False)
    out = grouped[list(EVENT_ATTRS)].first()
    out["date"] = grouped["event_date"].min()
    out["domestic_abuse"] = grouped["domestic_abuse"].any()
    return out.reset_index()


def abuse_edges(ev: pd.DataFrame) -> pd.DataFrame:
    """Perpetrator -> victim pairs from suspect and victim rows of one DA event.

    Returns:
        One row per (perp, victim): ``events`` (tuple of event nodes), ``count``,
        ``first_date``, ``last_date``, ``worst_dash``, ``unique_ids`` (both sides)
        and ``weakest_link``.
    """
    da = ev[ev["domestic_abuse"] & ev["role"].isin([SUSPECT, VICTIM])]
    da = da.assign(dash_rank=da["dash_risk"].map(_DASH_RANK))
    sus = _per_person(da[da["role"] == SUSPECT], dash_rank=("dash_rank", "max"))
    vic = _per_person(da[da["role"] == VICTIM])
    pairs = sus.merge(vic, on="event_node", suffixes=("_p", "_v"))
    # A merge error can put one person on both sides; that is not abuse of oneself.
    pairs = pairs[pairs["person_id_p"] != pairs["person_id_v"]]
    pairs = pairs.assign(link=np.minimum(pairs["link_probability_p"], pairs["link_probability_v"]))
    grouped = pairs.groupby(["person_id_p", "person_id_v"], sort=False)
    out = grouped.agg(
        count=("event_node", "nunique"),
        first_date=("first_date_p", "min"),
        last_date=("last_date_p", "max"),
        dash_rank=("dash_rank", "max"),
        weakest_link=("link", "min"),
    )
    keys = ["person_id_p", "person_id_v"]
    out["events"] = _distinct(pairs, keys, "event_node").reindex(out.index)
    # Each side's records, on the events where the pair meets.
    meets = pairs[["event_node", *keys]]
    sides = pd.concat([
        meets.merge(da.loc[da["role"] == SUSPECT, ["event_node", "person_id", "unique_id"]],
                    left_on=["event_node", "person_id_p"], right_on=["event_node", "person_id"]),
        meets.merge(da.loc[da["role"] == VICTIM, ["event_node", "person_id", "unique_id"]],
                    left_on=["event_node", "person_id_v"], right_on=["event_node", "person_id"]),
    ])
    out["unique_ids"] = _distinct(sides, keys, "unique_id").reindex(out.index)
    out["worst_dash"] = [None if pd.isna(r) else DASH_ORDER[int(r)] for r in out["dash_rank"]]
    return out.reset_index().rename(columns={"person_id_p": "u", "person_id_v": "v"}).drop(columns=["dash_rank"])


def care_edges(ev: pd.DataFrame) -> pd.DataFrame:
    """Parent / carer / household member -> child pairs on one social care episode."""
    sc = ev[ev["source"] == SOCIAL_CARE]
    adults = _per_person(sc[sc["role"].isin(CARER_ROLES)], ["role", "plan_type"])
    kids = _per_person(sc[sc["role"] == CHILD])
    pairs = adults.merge(kids, on="event_node", suffixes=("_a", "_c"))
    pairs = pairs[pairs["person_id_a"] != pairs["person_id_c"]]
    pairs = pairs.assign(link=np.minimum(pairs["link_probability_a"], pairs["link_probability_c"]))
    keys = ["person_id_a", "person_id_c"]
    out = pairs.groupby(keys, sort=False).agg(
        count=("event_node", "nunique"),
        first_date=("first_date_a", "min"),
        last_date=("last_date_a", "max"),
        weakest_link=("link", "min"),
    )
    out["roles"] = _distinct(pairs, keys, "role").reindex(out.index)
    plans = _distinct(pairs, keys, "plan_type").reindex(out.index)
    out["plan_types"] = [p if isinstance(p, tuple) else () for p in plans]
    return out.reset_index().rename(columns={"person_id_a": "u", "person_id_c": "v"})


def _per_person(rows: pd.DataFrame, by: list[str] | None = None, **extra: tuple[str, str]) -> pd.DataFrame:
    """One row per person on each event (and ``by`` values), in order of first appearance.

    A person's repeated records on one event (a frequent attender, an extract that
    repeats rows) would otherwise multiply in the pair joins below, by the square of
    their count: the pairs only need each person's weakest link and date range there.

    Returns:
        ``event_node``, ``person_id``, the ``by`` columns, ``link_probability`` (lowest),
        ``first_date``, ``last_date`` and each ``extra`` aggregate.
    """
    keys = ["event_node", "person_id", *(by or [])]
    return rows.groupby(keys, sort=False, dropna=False).agg(
        link_probability=("link_probability", "min"),
        first_date=("event_date", "min"),
        last_date=("event_date", "max"),
        **extra,
    ).reset_index()


def _distinct(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    # Dedupe and sort before grouping: a per-group Python lambda is ~20x slower.
    values = frame[[*keys, column]].dropna().drop_duplicates().sort_values([*keys, column])
    if values.empty:
        return pd.Series([], dtype=object, index=pd.MultiIndex.from_tuples([], names=keys))
    group = values.groupby(keys, sort=False).ngroup().to_numpy()
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    # Slices of one list, not np.split: its view per group cost more than the rest together.
    items = values[column].to_numpy(dtype=object).tolist()
    bounds = [*starts.tolist(), len(items)]
    index = pd.MultiIndex.from_frame(values.iloc[starts][keys])
    return pd.Series([tuple(items[a:b]) for a, b in zip(bounds, bounds[1:])], index=index, dtype=object)


def lives_at_edges(ev: pd.DataFrame, shared: Collection[str] = ()) -> pd.DataFrame:
    """Person -> standardised address, with the dates each record saw them there.

    None to a ``shared`` address node: being recorded at a refuge or hostel is not living with its other residents.
    """
    rows = ev[ev["address_node"].notna() & ~ev["address_node"].isin(list(shared))]
    out = rows.groupby(["person_id", "address_node"], sort=False).agg(
        count=("unique_id", "size"),
        first_date=("event_date", "min"),
        last_date=("event_date", "max"),
        weakest_link=("link_probability", "min"),
    ).reset_index()
    return out.rename(columns={"person_id": "u", "address_node": "v"})


def co_involved_edges(ev: pd.DataFrame) -> pd.DataFrame:
    """Unordered pairs of people on the same event (stored once, u < v)."""
    slim = _per_person(ev)
    sizes = slim.groupby("event_node")["person_id"].transform("size")
    slim = slim[sizes > 1]
    pairs = slim.merge(slim, on="event_node", suffixes=("_u", "_v"))
    pairs = pairs[pairs["person_id_u"] < pairs["person_id_v"]]
    pairs = pairs.assign(link=np.minimum(pairs["link_probability_u"], pairs["link_probability_v"]))
    out = pairs.groupby(["person_id_u", "person_id_v"], sort=False).agg(
        count=("event_node", "nunique"),
        first_date=("first_date_u", "min"),
        last_date=("last_date_u", "max"),
        weakest_link=("link", "min"),
    ).reset_index()
    return out.rename(columns={"person_id_u": "u", "person_id_v": "v"})
