"""Person resolution with Splink: train, predict, cluster with constraints."""

from linkage.resolve.persons import resolve_person_id
from linkage.resolve.plausibility import CHECKS as PLAUSIBILITY_CHECKS
from linkage.resolve.plausibility import count_implausible
from linkage.resolve.decisions import ensure_decisions_table
from linkage.resolve.run import RESOLVE_TABLES, ResolveReport, resolve
from linkage.resolve.train import TrainedModel, load_latest_model

__all__ = [
    "PLAUSIBILITY_CHECKS",
    "RESOLVE_TABLES",
    "ResolveReport",
    "TrainedModel",
    "count_implausible",
    "ensure_decisions_table",
    "load_latest_model",
    "resolve",
    "resolve_person_id",
]
