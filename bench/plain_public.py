"""Plain Splink 5 on the public data sets: one sensible model per data set, nothing tuned to the data.

Each model reads the package's DataFrame as it is (the same columns MASH Link's extract files
hold), with library comparisons (Jaro-Winkler names, DOB, address parts, the identifier
exactly), blocking rules on whole columns, u by random sampling, m from two EM passes, and
clusters with connected components at :data:`LINK_THRESHOLD`. FEBRL4 is linked ``link_only``:
plain Splink can say so, MASH Link's config cannot yet.

Nothing here is imported by the ``linkage`` package.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

#: Predict at or above this probability; link (connected components) at or above LINK_THRESHOLD.
PREDICT_THRESHOLD = 0.5
LINK_THRESHOLD = 0.9
U_MAX_PAIRS = 5_000_000
SEED = 42
PRIOR_RECALL = 0.7


@dataclass(frozen=True)
class PlainModel:
    """A plain Splink set-up: settings, the prior's deterministic rules, and the EM blocking rules."""

    settings: SettingsCreator
    prior_rules: tuple
    em_rules: tuple


def _febrl(link_type: str) -> PlainModel:
    """FEBRL3 and FEBRL4 share columns: names, DOB as YYYYMMDD text, address parts, soc_sec_id."""
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="rec_id",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.ExactMatch("soc_sec_id"),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1"),
            cl.JaroWinklerAtThresholds("suburb"),
            cl.LevenshteinAtThresholds("postcode", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("soc_sec_id"),
            block_on("given_name", "surname"),
            block_on("date_of_birth", "surname"),
            block_on("date_of_birth", "given_name"),
            block_on("postcode", "street_number"),
            block_on("suburb", "surname"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    return PlainModel(
        settings,
        prior_rules=(block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")),
        em_rules=(block_on("date_of_birth"), block_on("given_name", "surname")),
    )


def _rldata() -> PlainModel:
    """RLdata10000: name components and DOB as year, month and day columns, compared as they are."""
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record",
        comparisons=[
            cl.NameComparison("fname_c1"),
            cl.NameComparison("lname_c1"),
            cl.ExactMatch("fname_c2"),
            cl.ExactMatch("lname_c2"),
            cl.ExactMatch("by"),
            cl.ExactMatch("bm"),
            cl.ExactMatch("bd"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("fname_c1", "lname_c1"),
            block_on("by", "bm", "bd"),
            block_on("fname_c1", "by"),
            block_on("lname_c1", "by"),
            block_on("fname_c1", "bm", "bd"),
            block_on("lname_c1", "bm", "bd"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    return PlainModel(
        settings,
        # As FEBRL's "names and DOB", but with each part of the DOB: one rule needing all five
        # fields to agree finds almost no duplicate (each carries an error) and the prior collapses.
        prior_rules=(block_on("fname_c1", "lname_c1", "by"), block_on("fname_c1", "lname_c1", "bm", "bd")),
        em_rules=(block_on("by", "bm", "bd"), block_on("fname_c1", "lname_c1")),
    )


#: The plain model for each data set.
MODELS = {"febrl3": lambda: _febrl("dedupe_only"), "febrl4": lambda: _febrl("link_only"), "rldata10000": _rldata}


def run(name: str, frames: Mapping[str, pd.DataFrame], id_column: str) -> pd.DataFrame:
    """Train, predict and cluster one data set; return ``(source, record_id, cluster)``, one row per record.

    Args:
        name: The data set (a key of :data:`MODELS`).
        frames: The package's DataFrames by source name, each with its record id in ``id_column``.
        id_column: The record id column (the model's unique id).
    """
    model = MODELS[name]()
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    api = DuckDBAPI(connection=con)
    tables = [
        api.register(pa.Table.from_pandas(frame, preserve_index=False), dataset_display_name=source)
        for source, frame in frames.items()
    ]
    linker = Linker(tables if len(tables) > 1 else tables[0], model.settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(list(model.prior_rules), recall=PRIOR_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in model.em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=LINK_THRESHOLD
    )
    table = clusters.as_pandas_dataframe()
    con.close()
    source = table["source_dataset"] if "source_dataset" in table.columns else next(iter(frames))
    return pd.DataFrame(
        {"source": source, "record_id": table[id_column].astype(str), "cluster": table["cluster_id"].astype(str)}
    )
