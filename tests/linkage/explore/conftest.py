"""The session's linked set, opened read-only, with its people checked against the generator's truth."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from linkage.store import open_results


@pytest.fixture(scope="session")
def results(linked):
    """A read-only connection to the linked set's results (tests use a cursor each)."""
    run, _ = linked
    con = open_results(run.store)
    yield con
    con.close()


@pytest.fixture()
def cur(results) -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the results, as the dashboard takes one per use."""
    cursor = results.cursor()
    yield cursor
    cursor.close()


@pytest.fixture(scope="session")
def pure_people(linked, results) -> pd.DataFrame:
    """Resolved people holding all of one true person's records and nothing else.

    Returns:
        person_id and truth_id, one row per such person with two or more records.
    """
    run, _ = linked
    truth = pd.read_csv(run.extracts_dir / "truth" / "records.csv", dtype=str)
    truth["unique_id"] = truth["source"] + ":" + truth["record_id"]
    cursor = results.cursor()
    cursor.register("truth_records", truth[["unique_id", "person_id"]].rename(columns={"person_id": "truth_id"}))
    pure = cursor.sql(
        "WITH j AS (SELECT c.person_id, t.truth_id FROM clusters AS c JOIN truth_records AS t USING (unique_id)) "
        "SELECT person_id, any_value(truth_id) AS truth_id FROM j GROUP BY person_id "
        "HAVING count(DISTINCT truth_id) = 1 AND count(*) >= 2 "
        "AND any_value(truth_id) NOT IN (SELECT truth_id FROM j GROUP BY truth_id HAVING count(DISTINCT person_id) > 1) "
        "ORDER BY person_id"
    ).df()
    cursor.close()
    return pure


@pytest.fixture(scope="session")
def truth(linked) -> dict[str, pd.DataFrame]:
    """The generator's truth files: records (with unique_id), people and DA edges."""
    run, _ = linked
    directory = run.extracts_dir / "truth"
    records = pd.read_csv(directory / "records.csv", dtype=str)
    records["unique_id"] = records["source"] + ":" + records["record_id"]
    return {
        "records": records,
        "people": pd.read_csv(directory / "people.csv", dtype=str),
        "da_edges": pd.read_csv(directory / "da_edges.csv", dtype={"perpetrator_id": str, "victim_id": str}),
    }


@pytest.fixture(scope="session")
def resolved(truth, pure_people) -> dict[str, str]:
    """True person id -> resolved person id, for true people resolved into exactly one pure person."""
    return dict(zip(pure_people["truth_id"], pure_people["person_id"], strict=True))
