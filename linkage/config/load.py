"""Load YAML configs into frozen objects, with errors that name the file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from graph.config import FlagRules
from linkage.config.model import ModelConfig
from linkage.config.run import RunConfig
from linkage.config.source import SourceConfig
from linkage.errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)


def load_source_config(path: str | Path) -> SourceConfig:
    """Load and validate one source config.

    Args:
        path: The source YAML file.

    Returns:
        The validated, frozen source config.

    Raises:
        ConfigError: Naming the file and the YAML key at fault.
    """
    path = Path(path)
    return _validate(SourceConfig, _read_yaml(path), path)


def load_run_config(
    path: str | Path,
    *,
    store: str | Path | None = None,
    extracts_dir: str | Path | None = None,
) -> RunConfig:
    """Load a run config and every source config it names.

    Source paths are relative to the run config; ``store`` and ``extracts_dir``
    are relative to the working directory and may be overridden here.

    Args:
        path: The run YAML file.
        store: Overrides the config's store path.
        extracts_dir: Overrides the config's extracts directory.

    Returns:
        The validated, frozen run config with its sources loaded.

    Raises:
        ConfigError: Naming the file and the YAML key at fault.
    """
    path = Path(path)
    data = _read_yaml(path)
    source_paths = data.get("sources")
    if not isinstance(source_paths, list) or not source_paths:
        raise ConfigError(str(path), "must list at least one source config file", key="sources")
    sources = []
    source_files = []
    for index, entry in enumerate(source_paths):
        if not isinstance(entry, str):
            raise ConfigError(str(path), "must be a path to a source YAML file", key=f"sources.{index}")
        source_path = path.parent / entry
        if not source_path.is_file():
            raise ConfigError(str(path), f"source config '{source_path}' does not exist", key=f"sources.{index}")
        sources.append(load_source_config(source_path))
        source_files.append(source_path)
    names = [s.name for s in sources]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(str(path), f"source names must be unique; repeated: {duplicated}", key="sources")
    data = {**data, "sources": sources, "config_path": path}
    model_path = path  # without a model config, the defaults: no extra identifiers
    for key, model in (("model", ModelConfig), ("flags", FlagRules)):
        if key in data:
            if not isinstance(data[key], str):
                raise ConfigError(str(path), f"must be a path to the {key} YAML file", key=key)
            linked = path.parent / data[key]
            data[key] = _validate(model, _read_yaml(linked), linked)
            if key == "model":
                model_path = linked
    _check_identifiers(data.get("model") or ModelConfig(), model_path, sources, source_files)
    if store is not None:
        data["store"] = store
    if extracts_dir is not None:
        data["extracts_dir"] = extracts_dir
    return _validate(RunConfig, data, path)


def _check_identifiers(model: ModelConfig, model_path: Path, sources: list[SourceConfig], files: list[Path]) -> None:
    """Every identifier a source maps is declared in the model config, and every declared one is mapped."""
    for source, file in zip(sources, files, strict=True):
        for name in source.person.identifiers:
            if name not in model.identifiers:
                declared = sorted(model.identifiers) or "none"
                raise ConfigError(
                    str(file),
                    f"identifier '{name}' is not declared in the model config's 'identifiers' ({model_path}; declared: {declared})",
                    key=f"person.identifiers.{name}",
                )
    mapped = {name for source in sources for name in source.person.identifiers}
    for name in model.identifiers:
        if name not in mapped:
            raise ConfigError(
                str(model_path), "no source maps this identifier (add it under 'person.identifiers' of a source config)",
                key=f"identifiers.{name}",
            )


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot be read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(str(path), f"is not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(str(path), "must be a YAML mapping of keys to values")
    return data


def _validate(model: type[Model], data: dict[str, Any], path: Path) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        if len(exc.errors()) > 1:
            message += f" (and {len(exc.errors()) - 1} more problem(s))"
        raise ConfigError(str(path), message, key=key) from None
