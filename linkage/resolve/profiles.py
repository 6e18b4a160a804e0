"""Identity profiles: records the model cannot tell apart, scored and clustered once.

A person seen forty times at ED, or a prolific nominal with five hundred police rows,
is forty or five hundred records whose linkage fields are identical. Scoring them as
rows costs pairs in the square of their count (every rule that blocks them puts them
all in one block) and tells the model nothing new. A profile is one such group: every
column the model, its blocking rules and the clustering constraints read (the model
input, derived columns included) is identical. Profiles are trained on, scored and
clustered; then each record takes its profile's person.

The result is the one scoring the rows gives:

* a pair of records from two profiles scores as the pair of their representatives
  (the lowest record id of each): the same values on every compared column, so the
  same gammas, weights and probability;
* records of one profile are together exactly when their own pair would have linked
  them: the representative and the next record are scored as a pair (one per
  profile, :func:`self_pairs`); a profile whose pair falls short, or an ambiguous one
  (left unlinked, as each of its records would be), is split back into its records
  when it ends up alone;
* records an analyst decided on keep a profile of their own, so every decision
  applies to the record it was made on.

Relational columns (a DA incident's partner keys) are computed per record over the
incident before records are grouped, and are part of the key: two rows of one person
with different suspects are two profiles.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkage.config import ModelConfig
from linkage.pipeline import fetch_arrow, quote_ident
from linkage.resolve.linker import KeptPairs, make_linker, scored_pairs
from linkage.store import connect_memory

logger = logging.getLogger(__name__)

#: Model-input columns left out of the profile key: the record's own id, and its event day,
#: which only the place rule reads (``Constraints.place_needs_history``).
_NOT_KEYED = ("unique_id", "event_day")
#: A column the profile key adds to keep an analyst's records apart (their own id, else null).
_APART = "_profile_apart"
#: Each record's position in the input, to put a window's output back in order.
_POSITION = "_profile_position"


@dataclass(frozen=True)
class Profiles:
    """The model input grouped into profiles.

    Attributes:
        records: One row per profile, its representative's (the lowest record id),
            ordered by ``unique_id``: what is trained on, scored and clustered.
        profile_of: For every record (ordered by ``unique_id``), the index of its profile in ``records``.
        unique_ids: Every record's id, ordered.
    """

    records: pa.Table
    profile_of: np.ndarray
    unique_ids: pa.Array

    @property
    def sizes(self) -> np.ndarray:
        """Records per profile."""
        return np.bincount(self.profile_of, minlength=self.records.num_rows)

    def members(self) -> pa.Table:
        """``unique_id`` and ``profile_id`` (its representative's id) of every record."""
        return pa.table({"unique_id": self.unique_ids, "profile_id": self.records["unique_id"].take(pa.array(self.profile_of))})


def profile_key(columns: Collection[str], model: ModelConfig) -> list[str]:
    """The model-input columns a profile is keyed on.

    Everything the model, its blocking rules and clustering read: all but the record
    id, and the event day too when the place rule (which reads it) is on. With
    ``link_type: link_only`` the record id too: two records of one source are never
    one person there, however alike, so every record is a profile of its own.

    Args:
        columns: The model input's columns.
        model: The model config.
    """
    if model.link_type == "link_only":
        return list(columns)
    dropped = {"unique_id"} if model.constraints.place_needs_history else set(_NOT_KEYED)
    return [column for column in columns if column not in dropped]


def collapse(records: pa.Table, model: ModelConfig, keep_apart: Collection[str] = ()) -> Profiles:
    """Group records whose keyed columns are all equal (nulls equal to nulls) into profiles.

    Records are grouped by a 64-bit hash of their key, then every record is checked
    against its group's first record, column by column; only if two different keys
    ever share a hash are the records grouped by the keys themselves (a window over
    every keyed column: exact, and several times slower at 1M records).

    Args:
        records: The model input, ordered by ``unique_id`` (``session.model_input``).
        model: The model config.
        keep_apart: Record ids that keep a profile of their own (those in an analyst's decision).

    Returns:
        The profiles; each one's representative is its lowest record id.

    Raises:
        ValueError: ``records`` are not ordered by ``unique_id``.
    """
    ids = records["unique_id"]
    if records.num_rows > 1 and not pc.all(pc.less(ids.slice(0, records.num_rows - 1), ids.slice(1))).as_py():
        raise ValueError("collapse: records must be ordered by unique_id, each once")
    apart = pc.is_in(ids, value_set=pa.array(sorted(keep_apart), pa.string()))
    keyed = records.append_column(_APART, pc.if_else(apart, ids, pa.scalar(None, pa.string())))
    keyed = keyed.append_column(_POSITION, pa.array(np.arange(records.num_rows, dtype=np.int64)))
    columns = [*profile_key(records.column_names, model), _APART]
    key = ", ".join(quote_ident(column) for column in columns)
    with connect_memory() as con:
        con.register("model_input", keyed)
        hashes = fetch_arrow(con, "profiles:key hashes", f"SELECT hash({key}) AS h FROM model_input")["h"]
        # The first record of each hash is its lowest id: records are ordered by id.
        _, first, group = np.unique(hashes.to_numpy(), return_index=True, return_inverse=True)
        representative = first[group]
        # Each copy beside its group's first record, compared column by column.
        copies = np.flatnonzero(representative != np.arange(records.num_rows))
        keys = keyed.select(columns)
        con.register("copies", keys.take(pa.array(copies)))
        con.register("originals", keys.take(pa.array(representative[copies])))
        same = " AND ".join(f"a.{quote_ident(c)} IS NOT DISTINCT FROM b.{quote_ident(c)}" for c in columns)
        (collisions,) = fetch_arrow(
            con, "profiles:check hashes", f"SELECT count(*) AS n FROM copies AS a POSITIONAL JOIN originals AS b WHERE NOT ({same})"
        )["n"].to_pylist()
        if collisions:
            logger.info("profiles: %d records share a key hash with another key; grouping by the keys", collisions)
            first_id = fetch_arrow(
                con, "profiles:representatives",
                f"SELECT min(unique_id) OVER (PARTITION BY {key}) AS p FROM model_input ORDER BY {_POSITION}",
            )["p"]
            representative = pc.index_in(first_id, value_set=ids).to_numpy().astype(np.int64)
    is_representative = representative == np.arange(records.num_rows)
    profiles = records.filter(pa.array(is_representative))
    # Each record's profile: the number of representatives up to its own.
    profile_of = (np.cumsum(is_representative) - 1)[representative]
    logger.info("profiles: %d records in %d profiles", records.num_rows, profiles.num_rows)
    return Profiles(records=profiles, profile_of=profile_of.astype(np.int64), unique_ids=ids)


def as_rows(records: pa.Table) -> Profiles:
    """Every record its own profile: records scored as rows."""
    return Profiles(records=records, profile_of=np.arange(records.num_rows, dtype=np.int64), unique_ids=records["unique_id"])


def self_pairs(
    profiles: Profiles,
    splink_settings: dict[str, Any],
    term_frequencies: dict[str, pa.Table],
    review: float,
    kept: KeptPairs | None = None,
) -> pa.Table | None:
    """Each profile of two or more records scored as the pair of its two lowest record ids.

    Scored by the model as a row pair would be, and only where the rows' scoring would
    have produced it: a pair one of the model's prediction blocking rules generates,
    at or above the review threshold.

    Args:
        profiles: The profiles.
        splink_settings: The trained model's Splink settings.
        term_frequencies: The model's term-frequency lookups.
        review: The review threshold.
        kept: Pairs scored with this model's m, u and term frequencies (under any prior) whose
            linker was kept: the pairs are scored by that linker (:meth:`KeptPairs.scored_within`),
            the same scores without building a linker for them (which parses every level's SQL).

    Returns:
        The scored pairs (at most one per such profile), as ``session.scored_pairs``
        gives them; None when no profile holds two records.
    """
    sizes = profiles.sizes
    shared = np.flatnonzero(sizes > 1)
    if not shared.size:
        return None
    # The second-lowest id of each profile: records are ordered by id, so the first
    # record after the representative in the profile's order.
    order = np.lexsort((np.arange(len(profiles.profile_of)), profiles.profile_of))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    second = profiles.unique_ids.take(pa.array(order[starts[shared] + 1]))
    first = profiles.records.take(pa.array(shared))
    twins = pa.concat_tables([first, first.set_column(first.column_names.index("unique_id"), "unique_id", second)])
    twins = twins.append_column(PROFILE_ID, pa.concat_arrays([first["unique_id"].combine_chunks()] * 2))
    settings = own_pair_settings(splink_settings)
    if kept is not None:
        (rule,) = settings["blocking_rules_to_generate_predictions"]
        return kept.scored_within(twins, rule, splink_settings["probability_two_random_records_match"], review)
    linker = make_linker(twins, settings, term_frequencies)
    return scored_pairs(linker.inference.predict(threshold_match_probability=review))


#: The column naming each twin's profile in the input :func:`own_pair_settings` blocks on.
PROFILE_ID = "profile_id"


def own_pair_settings(splink_settings: dict[str, Any]) -> dict[str, Any]:
    """A trained model's settings, blocking only two records of one profile that a prediction rule would pair.

    The input holds each profile's two lowest records (its representative's values under
    both ids) with their profile's id in :data:`PROFILE_ID`; either engine scores them with
    these settings (Spark's :func:`linkage.spark.predict.own_pairs_on_spark`).
    """
    rules = " OR ".join(f"({rule['blocking_rule']})" for rule in splink_settings["blocking_rules_to_generate_predictions"])
    return {
        **splink_settings,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": f"l.{PROFILE_ID} = r.{PROFILE_ID} AND ({rules})", "sql_dialect": splink_settings.get("sql_dialect", "duckdb")}
        ],
    }
