"""The Spark renderer: values stay bound, DuckDB features it cannot carry are refused, errors name the step."""

from __future__ import annotations

import pytest

from linkage.errors import StepError
from linkage.pipeline import Step
from linkage.spark import render_spark
from linkage.spark.render import java_date_format, java_replacement
from linkage.standardise import names
from tests.linkage.standardise.conftest import apply_step

SCHEMA = {"t": {"surname_clean": "TEXT", "forenames_clean": "TEXT", "dq": "TEXT"}}


def test_values_are_bound_not_written_into_sql():
    step = Step("who", "test", "SELECT *, $name AS who FROM {input}", {"name": "O'Brien"})
    rendered = render_spark(step, "t", SCHEMA)
    assert "Brien" not in rendered.sql
    assert rendered.args == {"name": "O'Brien"}


def test_a_list_is_bound_element_by_element():
    rendered = render_spark(names.null_placeholder_names(["BABY", "TWIN 1"]), "t", SCHEMA)
    assert rendered.args == {"placeholders__0": "BABY", "placeholders__1": "TWIN 1"}
    assert "ARRAY(:placeholders__0, :placeholders__1)" in rendered.sql


def test_single_replace_of_an_unanchored_pattern_is_refused():
    step = Step("once", "test", "SELECT regexp_replace(surname_clean, 'A', 'B') AS s FROM {input}")
    with pytest.raises(StepError) as caught:
        render_spark(step, "t", SCHEMA)
    assert caught.value.step == "once"


@pytest.mark.parametrize(("duckdb", "java"), [("\\1\\2\\3", "$1$2$3"), ("a$b", "a\\$b"), ("plain", "plain")])
def test_replacements_in_java_syntax(duckdb, java):
    assert java_replacement(duckdb) == java


@pytest.mark.parametrize(
    ("strptime", "java"),
    [("%d/%m/%Y", "d/M/y"), ("%Y%m%d", "yyyyMMdd"), ("%d-%b-%Y", "d-MMM-y"), ("%Y-%m-%d", "y-M-d")],
)
def test_date_formats_in_java_syntax(strptime, java):
    assert java_date_format(strptime) == java


def test_date_format_with_literal_letters_is_refused():
    with pytest.raises(ValueError):
        java_date_format("%Y-%m-%dT%H")


@pytest.mark.spark
def test_spark_error_names_the_step(spark):
    from linkage.spark import prepare_session, run_queue_spark

    prepare_session(spark)
    spark.createDataFrame([("A",)], "surname_clean string").createOrReplaceTempView("broken_input")
    step = Step("broken", "test", "SELECT no_such_column FROM {input}")
    with pytest.raises(StepError) as caught:
        run_queue_spark(spark, [step], "broken_input", "broken_output")
    assert caught.value.step == "broken"


@pytest.mark.spark
def test_bound_value_with_apostrophe_round_trips_on_spark(spark):
    from linkage.spark import prepare_session, run_queue_spark

    prepare_session(spark)
    spark.createDataFrame([("A",)], "surname_clean string").createOrReplaceTempView("who_input")
    step = Step("who", "test", "SELECT *, $name AS who FROM {input}", {"name": "O'Brien"})
    assert run_queue_spark(spark, [step], "who_input", "who_output").collect()[0]["who"] == "O'Brien"


@pytest.mark.spark
def test_a_rewrite_changed_for_spark_only_is_caught(spark, monkeypatch):
    """Both engines agree on MC DONALD; break one Spark rewrite and they no longer do."""
    import duckdb

    from linkage.spark import prepare_session, run_queue_spark
    from linkage.store import connect

    prepare_session(spark)
    con: duckdb.DuckDBPyConnection = connect(":memory:")
    step = names.split_forenames()
    row = {"forenames_clean": ("VARCHAR", "BOB"), "surname_clean": ("VARCHAR", "MC DONALD")}
    want = apply_step(con, step, row)["surname"]
    spark.createDataFrame([("BOB", "MC DONALD", [])], "forenames_clean string, surname_clean string, dq array<string>").createOrReplaceTempView("mc_input")

    def spark_surname() -> str:
        return run_queue_spark(spark, [step], "mc_input", "mc_output").collect()[0]["surname"]

    assert spark_surname() == want == "MCDONALD"
    monkeypatch.setattr("linkage.spark.render.java_replacement", lambda text: text)
    assert spark_surname() != want
