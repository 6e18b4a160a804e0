"""The baseline: an out-of-the-box Splink model, as the issue describes it.

Library comparisons (no custom levels, no term frequencies), five blocking rules,
connected components at 0.9 and no clustering constraints. It reads the same
standardised ``records`` as MASH Link and writes ``clusters`` and ``pairs`` into
its own store with the columns ``linkage.evaluate`` reads.

Nothing here is imported by the ``linkage`` package.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pyarrow as pa
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.splink_dataframe import SplinkDataFrame

#: Columns of ``records`` the plain model reads.
COLUMNS = ("unique_id", "forename", "surname", "dob", "nhs_number", "postcode")
#: Predict at or above this probability; link (connected components) at or above LINK.
PREDICT_THRESHOLD = 0.5
LINK_THRESHOLD = 0.9
U_MAX_PAIRS = 5_000_000
SEED = 42
PRIOR_RECALL = 0.7


def settings() -> SettingsCreator:
    """Splink settings for the plain model: library comparisons, five blocking rules."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("forename"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.ExactMatch("nhs_number"),
            cl.PostcodeComparison("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nhs_number"),
            block_on("dob", "surname"),
            block_on("forename", "surname"),
            block_on("postcode", "forename"),
            block_on("dob", "postcode"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def read_records(store: Path) -> pa.Table:
    """The plain model's input columns from a store's ``records``, ordered by id."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.sql(f"SELECT {', '.join(COLUMNS)} FROM records ORDER BY unique_id").to_arrow_table()
    finally:
        con.close()


def make_linker(records: pa.Table) -> tuple[Linker, duckdb.DuckDBPyConnection]:
    """A linker over ``records`` in a private in-memory DuckDB, and that connection."""
    work = duckdb.connect(":memory:")
    work.execute("SET enable_progress_bar = false")
    api = DuckDBAPI(connection=work)
    frame = api.register(records, table_name="plain_records")
    return Linker(frame, settings(), log_level=logging.WARNING), work


def train(linker: Linker) -> None:
    """Prior from deterministic rules, u by random sampling, m from two EM passes."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("forename", "surname", "dob")], recall=PRIOR_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("forename", "surname"))


def predict(linker: Linker) -> SplinkDataFrame:
    """Scored pairs at or above :data:`PREDICT_THRESHOLD` (kept in the linker's DuckDB)."""
    return linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)


def cluster(linker: Linker, predictions: SplinkDataFrame) -> SplinkDataFrame:
    """Connected components over pairs at or above :data:`LINK_THRESHOLD`."""
    return linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=LINK_THRESHOLD
    )


def write_results(
    work: duckdb.DuckDBPyConnection, store: Path, predictions: SplinkDataFrame, clusters: SplinkDataFrame
) -> None:
    """Write ``clusters(unique_id, person_id)``, banded ``pairs`` and one-record ``profiles`` into the store.

    The store is attached to the linker's connection so the rows go from table to
    table inside DuckDB, never through Python. ``band`` is ``link`` at or above
    :data:`LINK_THRESHOLD`, otherwise ``review``.
    """
    path = str(store).replace("'", "''")
    work.execute(f"ATTACH '{path}' AS plain_store")
    try:
        work.execute("BEGIN TRANSACTION")
        work.execute(
            "CREATE OR REPLACE TABLE plain_store.clusters AS "
            f"SELECT unique_id, CAST(cluster_id AS VARCHAR) AS person_id FROM {clusters.physical_name}"
        )
        work.execute(
            "CREATE OR REPLACE TABLE plain_store.pairs AS "
            "SELECT unique_id_l, unique_id_r, match_probability, match_weight, "
            f"CASE WHEN match_probability >= {LINK_THRESHOLD} THEN 'link' ELSE 'review' END AS band "
            f"FROM {predictions.physical_name}"
        )
        # Plain Splink scores rows: every record is an identity profile of its own (the evaluation reads profiles).
        work.execute(
            "CREATE OR REPLACE TABLE plain_store.profiles AS "
            f"SELECT unique_id, unique_id AS profile_id FROM {clusters.physical_name}"
        )
        work.execute("COMMIT")
    finally:
        work.execute("DETACH plain_store")


def pair_count(work: duckdb.DuckDBPyConnection, predictions: SplinkDataFrame) -> int:
    """Number of scored pairs."""
    return int(work.sql(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0])
