"""Typed, frozen configs loaded once at the edge from YAML."""

from linkage.config.fields import FieldMap, NameOrder
from linkage.config.model import ModelConfig
from linkage.config.load import load_run_config, load_source_config
from linkage.config.run import DashboardSettings, RunConfig, StandardiseConfig
from linkage.config.source import SourceConfig

__all__ = [
    "DashboardSettings",
    "FieldMap",
    "ModelConfig",
    "NameOrder",
    "RunConfig",
    "SourceConfig",
    "StandardiseConfig",
    "load_run_config",
    "load_source_config",
]
