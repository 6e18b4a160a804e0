"""Declared identifiers: the model config declares them, source configs map them; errors name the file and key."""

from __future__ import annotations

import pytest
import yaml

from linkage.batch import run_all
from linkage.config import ModelConfig, load_run_config
from linkage.errors import ConfigError, MashError
from tests.linkage.config.test_load import GOOD_SOURCE

DECLARED = {"identifiers": {"client_ref": {"label": "Client reference", "different_values": "two_people"}}}


def source_with(identifiers) -> dict:
    """GOOD_SOURCE mapping ``identifiers`` under ``person.identifiers``."""
    return {**GOOD_SOURCE, "person": {**GOOD_SOURCE["person"], "identifiers": identifiers}}


def write_run(tmp_path, source: dict, model: dict | None) -> None:
    (tmp_path / "police.yaml").write_text(yaml.safe_dump(source))
    run = {"sources": ["police.yaml"]}
    if model is not None:
        (tmp_path / "model.yaml").write_text(yaml.safe_dump(model))
        run["model"] = "model.yaml"
    (tmp_path / "run.yaml").write_text(yaml.safe_dump(run))


MODEL_ERRORS = [
    # (description, identifiers section, key named, words in the message)
    ("name with capitals", {"Client_Ref": {}}, "identifiers", "'Client_Ref' must be lower case"),
    ("name starting with a digit", {"1ref": {}}, "identifiers", "'1ref' must be lower case"),
    ("name of a built-in column", {"nhs_number": {}}, "identifiers", "'nhs_number' is a built-in column"),
    ("name of the identifiers map itself", {"identifiers": {}}, "identifiers", "'identifiers' is a built-in column"),
    ("unknown different_values", {"client_ref": {"different_values": "sometimes"}}, "identifiers.client_ref.different_values", "two_people"),
    ("typo_level not a boolean", {"client_ref": {"typo_level": "maybe"}}, "identifiers.client_ref.typo_level", "boolean"),
    ("unknown key", {"client_ref": {"checksum": "nhs"}}, "identifiers.client_ref.checksum", "unknown key"),
    ("unknown check scheme", {"client_ref": {"check": "mod11"}}, "identifiers.client_ref.check", "'nhs', 'pnc' or 'luhn'"),
    ("unknown same_value", {"client_ref": {"same_value": "always"}}, "identifiers.client_ref.same_value", "same_person"),
    ("empty label", {"client_ref": {"label": ""}}, "identifiers.client_ref.label", "at least 1 character"),
]


@pytest.mark.parametrize(("description", "identifiers", "key", "words"), MODEL_ERRORS, ids=[c[0] for c in MODEL_ERRORS])
def test_model_identifier_errors_name_model_file_and_key(tmp_path, description, identifiers, key, words):
    write_run(tmp_path, GOOD_SOURCE, {"identifiers": identifiers})
    with pytest.raises(ConfigError) as caught:
        load_run_config(tmp_path / "run.yaml")
    assert caught.value.path == str(tmp_path / "model.yaml"), description
    assert caught.value.key == key and words in str(caught.value), (description, str(caught.value))


CROSS_ERRORS = [
    # (description, source identifiers, model (None: no model config), file at fault, key, words)
    ("source maps an undeclared identifier", {"soc_sec_id": "SocSec"}, DECLARED, "police.yaml",
     "person.identifiers.soc_sec_id", "'soc_sec_id' is not declared"),
    ("source maps one and the run has no model config", {"client_ref": "Ref"}, None, "police.yaml",
     "person.identifiers.client_ref", "declared: none"),
    ("model declares one no source maps", {}, DECLARED, "model.yaml", "identifiers.client_ref", "no source maps"),
    ("identifier mapped with an unknown field key", {"client_ref": {"colum": "Ref"}}, DECLARED, "police.yaml",
     "person.identifiers.client_ref.colum", "unknown key"),
]


@pytest.mark.parametrize(
    ("description", "mapped", "model", "file", "key", "words"), CROSS_ERRORS, ids=[c[0] for c in CROSS_ERRORS]
)
def test_source_and_model_identifiers_must_agree(tmp_path, description, mapped, model, file, key, words):
    write_run(tmp_path, source_with(mapped), model)
    with pytest.raises(ConfigError) as caught:
        load_run_config(tmp_path / "run.yaml")
    assert caught.value.path == str(tmp_path / file), (description, str(caught.value))
    assert caught.value.key == key and words in str(caught.value), (description, str(caught.value))


def test_declared_identifier_loads_with_defaults(tmp_path):
    write_run(tmp_path, source_with({"client_ref": "Ref"}), {"identifiers": {"client_ref": {}}})
    run = load_run_config(tmp_path / "run.yaml")
    declared = run.model.identifiers["client_ref"]
    assert (declared.different_values, declared.same_value, declared.typo_level, run.model.identifier_label("client_ref")) == (
        "evidence", "evidence", True, "client_ref"
    )
    assert run.sources[0].person.identifiers["client_ref"].column == "Ref"
    assert run.sources[0].mapped_columns()["person.identifiers.client_ref"] == "Ref"


def test_no_identifiers_by_default():
    assert ModelConfig().identifiers == {}


def test_spark_engine_refuses_declared_identifiers(tmp_path):
    write_run(tmp_path, source_with({"client_ref": "Ref"}), DECLARED)
    run = load_run_config(tmp_path / "run.yaml", store=tmp_path / "store" / "mash.duckdb").model_copy(update={"engine": "spark"})
    with pytest.raises(MashError, match="DuckDB only"):
        run_all(run)
    assert not (tmp_path / "store").exists()  # refused before anything was written
