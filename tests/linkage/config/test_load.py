"""Every config validation error names the file and the YAML key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from linkage.config import load_run_config, load_source_config
from linkage.config.run import DEFAULT_MEMORY_SHARE
from linkage.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]

GOOD_SOURCE = {
    "name": "police",
    "agency": "police",
    "file": "police.csv",
    "record_id": "PersonRecordRef",
    "person": {"full_name": {"column": "Name", "order": "surname_comma_forenames"}, "dob": {"column": "DOB", "format": "%d/%m/%Y"}},
    "event": {"role": {"column": "PersonRole", "values": {"VICTIM": "victim"}}},
}


def with_change(path: tuple, value) -> dict:
    """GOOD_SOURCE with the key at ``path`` set to ``value`` (or removed when value is ...)."""
    data = yaml.safe_load(yaml.safe_dump(GOOD_SOURCE))
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


SOURCE_ERRORS = [
    # (description, data, key named, words in the message)
    ("unknown top-level key", with_change(("colour",), "blue"), "colour", "unknown key"),
    ("unknown key inside a field map", with_change(("person", "dob", "fromat"), "%Y"), "person.dob.fromat", "unknown key"),
    ("record_id missing", with_change(("record_id",), ...), "record_id", "Field required"),
    ("unknown agency", with_change(("agency",), "fire_service"), "agency", "Input should be"),
    ("source name not a slug", with_change(("name",), "Police Force"), "name", "pattern"),
    ("full name without its order", with_change(("person", "full_name"), "Name"), "person", "'full_name' needs 'order'"),
    ("unknown name order", with_change(("person", "full_name", "order"), "backwards"), "person.full_name.order", "Input should be"),
    ("a postcode scheme on another field", with_change(("person", "phone"), {"column": "Phone", "scheme": "any"}), "person", "'phone': 'scheme' applies to 'postcode' only"),
    ("an unknown postcode scheme", with_change(("person", "postcode"), {"column": "Postcode", "scheme": "au"}), "person.postcode.scheme", "Input should be"),
    ("date of birth without a format", with_change(("person", "dob"), "DOB"), "person.dob", "'dob' needs 'format'"),
    ("both full name and forenames", with_change(("person", "forenames"), "Forename"), "person", "not both"),
    ("role mapped onto an unknown code", with_change(("event", "role", "values"), {"VICTIM": "target"}), "event", "'role' maps onto 'target'"),
    ("marker pattern that is not a regular expression", with_change(("event", "domestic_abuse"), {"column": "X", "pattern": "(unclosed"}), "event.domestic_abuse", "not a valid regular expression"),
    ("field with neither column nor value", with_change(("person", "postcode"), {"format": "x"}), "person.postcode", "exactly one of 'column', 'columns', 'value' or 'parts'"),
    ("both a column and columns", with_change(("person", "postcode"), {"column": "A", "columns": ["B"]}), "person.postcode", "exactly one of"),
    ("record id from several columns", with_change(("record_id",), {"columns": ["A", "B"]}), "record_id", "must name one 'column'"),
    ("record id from date parts", with_change(("record_id",), {"parts": {"year": "Y", "month": "M", "day": "D"}}), "record_id", "must name one 'column'"),
    ("empty list of columns", with_change(("person", "address"), {"columns": []}), "person.address.columns", "at least 1 item"),
    ("a column listed twice", with_change(("person", "address"), {"columns": ["A", "B", "A"]}), "person.address", "more than once: ['A']"),
    ("date of birth from several columns", with_change(("person", "dob"), {"columns": ["D", "M", "Y"]}), "person.dob", "not 'columns'"),
    ("date of birth columns with a format", with_change(("person", "dob"), {"columns": ["D", "M"], "format": "%d %m"}), "person.dob", "takes 'parts'"),
    ("event date from several columns", with_change(("event", "date"), {"columns": ["D", "T"]}), "event.date", "'date' is a date"),
    ("date parts with a format", with_change(("person", "dob"), {"parts": {"year": "Y", "month": "M", "day": "D"}, "format": "%Y"}), "person.dob", "'parts' takes no 'format'"),
    ("date parts without a day", with_change(("person", "dob"), {"parts": {"year": "Y", "month": "M"}}), "person.dob.parts.day", "Field required"),
    ("unknown date part", with_change(("person", "dob"), {"parts": {"year": "Y", "month": "M", "day": "D", "hour": "H"}}), "person.dob.parts.hour", "unknown key"),
    ("date parts on a text field", with_change(("person", "address"), {"parts": {"year": "Y", "month": "M", "day": "D"}}), "person.address", "'parts' (year, month, day) is for dates"),
    ("sex from several columns", with_change(("person", "sex"), {"columns": ["S1", "S2"]}), "person.sex", "one 'column'"),
    ("role codes from several columns", with_change(("event", "role"), {"columns": ["R1", "R2"], "values": {"V": "victim"}}), "event.role", "cannot be used with 'columns'"),
    ("marker from several columns with no pattern", with_change(("event", "mental_health"), {"columns": ["A", "B"]}), "event.mental_health", "needs a 'pattern'"),
    ("unsupported file format", with_change(("format",), "xlsx"), "format", "Input should be"),
    ("two-character delimiter", with_change(("delimiter",), "||"), "delimiter", "at most 1 character"),
]


@pytest.mark.parametrize(("description", "data", "key", "words"), SOURCE_ERRORS, ids=[c[0] for c in SOURCE_ERRORS])
def test_source_config_errors_name_file_and_key(tmp_path, description, data, key, words):
    path = tmp_path / "police.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        load_source_config(path)
    assert caught.value.key == key, description
    assert str(path) in str(caught.value), description
    assert words in str(caught.value), description


MULTI_COLUMN_SOURCE = {
    **GOOD_SOURCE,
    "person": {
        "forenames": {"columns": ["Given", "Middle"]},
        "surname": "Family",
        "dob": {"parts": {"year": "BirthYear", "month": "BirthMonth", "day": "BirthDay"}},
        "address": {"columns": ["Number", "Street", "Suburb"]},
    },
    "event": {"complaint": {"columns": ["Reason", "Notes"]}, "mental_health": {"columns": ["Reason", "Notes"], "pattern": "(?i)mental"}},
}


def test_several_columns_and_date_parts_are_each_mapped(tmp_path):
    """mapped_columns names every column of a list and every date part, each under its own YAML key."""
    path = tmp_path / "febrl.yaml"
    path.write_text(yaml.safe_dump(MULTI_COLUMN_SOURCE))
    assert load_source_config(path).mapped_columns() == {
        "record_id": "PersonRecordRef",
        "person.forenames.columns.0": "Given",
        "person.forenames.columns.1": "Middle",
        "person.surname": "Family",
        "person.dob.parts.year": "BirthYear",
        "person.dob.parts.month": "BirthMonth",
        "person.dob.parts.day": "BirthDay",
        "person.address.columns.0": "Number",
        "person.address.columns.1": "Street",
        "person.address.columns.2": "Suburb",
        "event.complaint.columns.0": "Reason",
        "event.complaint.columns.1": "Notes",
        "event.mental_health.columns.0": "Reason",
        "event.mental_health.columns.1": "Notes",
    }


def test_good_source_config_loads_frozen(tmp_path):
    path = tmp_path / "police.yaml"
    path.write_text(yaml.safe_dump(GOOD_SOURCE))
    config = load_source_config(path)
    assert config.person.dob.format == ["%d/%m/%Y"], "a single format becomes a list"
    assert config.file_format == "csv", "format from the file suffix"
    with pytest.raises(Exception):
        config.name = "other"


FILE_ERRORS = [
    ("not YAML", "name: [unclosed", "not valid YAML at line 1"),
    ("not a mapping", "- just\n- a list\n", "must be a YAML mapping"),
    ("empty file", "", "must be a YAML mapping"),
]


@pytest.mark.parametrize(("description", "text", "words"), FILE_ERRORS, ids=[c[0] for c in FILE_ERRORS])
def test_unreadable_yaml(tmp_path, description, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_source_config(path)


def test_missing_source_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_source_config(tmp_path / "nope.yaml")


RUN_ERRORS = [
    ("no sources", {"store": "x.duckdb"}, "sources", "at least one source"),
    ("source file that does not exist", {"sources": ["missing.yaml"]}, "sources.0", "does not exist"),
    ("source entry that is not a path", {"sources": [{"name": "x"}]}, "sources.0", "must be a path"),
    ("the same source twice", {"sources": ["police.yaml", "police.yaml"]}, "sources", "repeated: ['police']"),
    ("unknown run key", {"sources": ["police.yaml"], "stor": "x"}, "stor", "unknown key"),
    ("bad placeholder date", {"sources": ["police.yaml"], "standardise": {"placeholder_dobs": ["not a date"]}}, "standardise.placeholder_dobs.0", "date"),
    ("unknown engine", {"sources": ["police.yaml"], "engine": "polars"}, "engine", "'duckdb' or 'spark'"),
    ("unknown spark setting", {"sources": ["police.yaml"], "spark": {"partitions": 8}}, "spark.partitions", "unknown key"),
    ("zero shuffle partitions", {"sources": ["police.yaml"], "spark": {"shuffle_partitions": 0}}, "spark.shuffle_partitions", "greater than"),
    ("unknown Jaro-Winkler", {"sources": ["police.yaml"], "spark": {"jaro_winkler": "java"}}, "spark.jaro_winkler", "'duckdb' or 'jar'"),
    ("zero idle timeout", {"sources": ["police.yaml"], "dashboard": {"idle_timeout_minutes": 0}}, "dashboard.idle_timeout_minutes", "greater than"),
    ("unknown dashboard setting", {"sources": ["police.yaml"], "dashboard": {"timeout": 5}}, "dashboard.timeout", "unknown key"),
    ("memory limit with no unit", {"sources": ["police.yaml"], "resources": {"memory_limit": "lots"}}, "resources.memory_limit", "pattern"),
    ("nulled share above one", {"sources": ["police.yaml"], "extract_checks": {"max_nulled_share": 1.5}}, "extract_checks.max_nulled_share", "less than or equal to 1"),
    ("zero pair budget", {"sources": ["police.yaml"], "resources": {"pair_budget": 0}}, "resources.pair_budget", "greater than"),
    ("no shrink allowed at all", {"sources": ["police.yaml"], "extract_checks": {"max_shrink": 0}}, "extract_checks.max_shrink", "greater than 0"),
    ("a shrink above one", {"sources": ["police.yaml"], "extract_checks": {"max_shrink": 1.5}}, "extract_checks.max_shrink", "less than or equal to 1"),
    ("a shrink as words", {"sources": ["police.yaml"], "extract_checks": {"max_shrink": "half"}}, "extract_checks.max_shrink", "number"),
    ("growth of one", {"sources": ["police.yaml"], "extract_checks": {"max_growth": 1}}, "extract_checks.max_growth", "greater than 1"),
    ("rows of no lines", {"sources": ["police.yaml"], "extract_checks": {"max_row_lines": 0}}, "extract_checks.max_row_lines", "greater than or equal to 1"),
    ("unknown bad-extract policy", {"sources": ["police.yaml"], "extract_checks": {"on_bad_extract": "ignore"}}, "extract_checks.on_bad_extract", "'stop' or 'skip'"),
]


@pytest.mark.parametrize(("description", "data", "key", "words"), RUN_ERRORS, ids=[c[0] for c in RUN_ERRORS])
def test_run_config_errors_name_key(tmp_path, description, data, key, words):
    (tmp_path / "police.yaml").write_text(yaml.safe_dump(GOOD_SOURCE))
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as caught:
        load_run_config(path)
    assert caught.value.key == key, description
    assert words in str(caught.value), description


def test_extract_checks_default_when_not_given(tmp_path):
    (tmp_path / "police.yaml").write_text(yaml.safe_dump(GOOD_SOURCE))
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"sources": ["police.yaml"]}))
    checks = load_run_config(path).extract_checks
    assert (checks.on_bad_extract, checks.max_shrink, checks.max_growth, checks.max_row_lines) == ("stop", 0.5, 10.0, 10)
    path.write_text(yaml.safe_dump({"sources": ["police.yaml"], "extract_checks": {"max_shrink": 0.2}}))
    assert load_run_config(path).extract_checks.max_shrink == 0.2


def test_shipped_configs_load():
    run = load_run_config(REPO / "configs" / "run.yaml")
    assert [s.name for s in run.sources] == ["police", "social_care", "health"]
    assert run.sources[2].file_format == "parquet"


def test_dashboard_session_settings_default_and_load(tmp_path):
    (tmp_path / "police.yaml").write_text(yaml.safe_dump(GOOD_SOURCE))
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"sources": ["police.yaml"]}))
    assert (load_run_config(path).dashboard.idle_timeout_minutes, load_run_config(path).dashboard.session_max_hours) == (30, 12)
    path.write_text(yaml.safe_dump({"sources": ["police.yaml"], "dashboard": {"idle_timeout_minutes": 10, "session_max_hours": 8}}))
    assert (load_run_config(path).dashboard.idle_timeout_minutes, load_run_config(path).dashboard.session_max_hours) == (10, 8)


def test_engine_defaults_to_duckdb_and_spark_settings_load(tmp_path):
    (tmp_path / "police.yaml").write_text(yaml.safe_dump(GOOD_SOURCE))
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"sources": ["police.yaml"]}))
    assert load_run_config(path).engine == "duckdb"
    path.write_text(yaml.safe_dump({
        "sources": ["police.yaml"], "engine": "spark",
        "spark": {"master": "local[1]", "shuffle_partitions": 8, "jaro_winkler": "jar", "checkpoint_dir": "ck"},
    }))
    run = load_run_config(path)
    assert (run.engine, run.spark.master, run.spark.shuffle_partitions) == ("spark", "local[1]", 8)
    assert (run.spark.jaro_winkler, run.spark.checkpoint_dir, run.spark.keep_outputs) == ("jar", "ck", False)


def test_resources_default_to_a_share_of_the_machine_and_beside_the_store(tmp_path):
    run = load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "s" / "mash.duckdb")
    total_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert run.resources.memory_limit == f"{int(total_mib * DEFAULT_MEMORY_SHARE)}MiB"
    assert run.resources.spill_directory(run.store) == tmp_path / "s" / "tmp"
    assert run.resources.pair_budget == 20_000_000


def test_overrides_replace_store_and_extracts(tmp_path):
    run = load_run_config(REPO / "configs" / "run.yaml", store=tmp_path / "s.duckdb", extracts_dir=tmp_path)
    assert run.store == tmp_path / "s.duckdb"
    assert run.extract_path(run.sources[0]) == tmp_path / "police.csv"


def test_shipped_model_yaml_spells_out_the_code_defaults():
    from linkage.config import ModelConfig

    assert load_run_config(REPO / "configs" / "run.yaml").model == ModelConfig()


@pytest.mark.parametrize(
    ("description", "model", "key", "words"),
    [
        ("review threshold above link", {"thresholds": {"link": 0.8, "review": 0.9}}, "thresholds", "'review' must be below 'link'"),
        ("blocking on an unknown column", {"blocking_rules": [["shoe_size"]]}, "blocking_rules", "unknown columns ['shoe_size']"),
        ("unknown constraint", {"constraints": {"twins_ok": True}}, "constraints.twins_ok", "unknown key"),
    ],
)
def test_model_config_errors_name_key(tmp_path, description, model, key, words):
    (tmp_path / "police.yaml").write_text(yaml.safe_dump(GOOD_SOURCE))
    (tmp_path / "model.yaml").write_text(yaml.safe_dump(model))
    (tmp_path / "run.yaml").write_text(yaml.safe_dump({"sources": ["police.yaml"], "model": "model.yaml"}))
    with pytest.raises(ConfigError) as caught:
        load_run_config(tmp_path / "run.yaml")
    assert str(tmp_path / "model.yaml") in str(caught.value), description
    assert caught.value.key == key and words in str(caught.value), description


def test_shipped_flags_yaml_spells_out_the_code_defaults():
    from graph import FlagRules

    assert load_run_config(REPO / "configs" / "run.yaml").flags == FlagRules()
