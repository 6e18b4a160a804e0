"""Train the Splink model and keep each trained model as a versioned JSON file."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from splink.internals.misc import prob_to_match_weight

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.resolve.cohort import cohort_frequencies
from linkage.resolve.model import FORENAME_COHORT, ONE_KEYSTROKE, settings
from linkage.resolve.model_inputs import blocking_rule, identifier_column
from linkage.resolve.monotone import exact_never_weaker
from linkage.resolve.portable import SAVED_DIALECT, render_settings
from linkage.resolve.em import UnseenLevels, expectation_maximisation
from linkage.resolve.fixed_u import (
    IDENTIFIERS, PARTNER_KEYS, held_by_fewer_than_two, identifier_u, one_keystroke_u, partner_u, swapped_name_u,
)
from linkage.resolve.m_floor import floor_m, neutral_unseen
from linkage.resolve.prior import (
    CANDIDATE_THRESHOLD, PROVISIONAL_RECALL, candidate_prior, checked_recall, deterministic_pairs, estimated_recall,
    prior_from, prior_sample_share,
)
from linkage.resolve.linker import ModelData, as_model_data
from linkage.resolve.rare_u import rare_level_u
from linkage.resolve.u_sampling import estimate_u

logger = logging.getLogger(__name__)

#: Match weights below the review threshold (under the first prior) down to which the prior's scoring
#: pass keeps its pairs for the predict stage: enough while the prior moves less than 2^10 times in
#: odds (four times on RLdata10000); when it moves more, the predict stage predicts anew.
RESCORE_MARGIN = 10.0
#: Version of the model file layout below.
MODEL_FORMAT = 1
#: Bump when the comparisons in model.py, the columns they and the EM rules read, or how u is
#: estimated change, so older model files are retrained (25: the forename birth-years comparison,
#: and training reading the saved term frequencies; 24: the else level's sampled u is what
#: the other levels leave; 23: names swapped with one a nickname of the other's, in the swapped and misspelt level; 21: identifiers' u from pairs two people's DOBs;
#: 20: a misspelt nickname's forename level;
#: 19: the postcode area level, with 18's u from hash buckets and forename_canonical's new rule).
MODEL_CODE_VERSION = 25


@dataclass(frozen=True)
class TrainedModel:
    """A trained model and where it is kept.

    Attributes:
        version: 1, 2, 3... per store.
        path: The JSON file.
        splink: Splink's settings dict with trained parameters.
        fingerprint: Hash of the code version and model config it was trained under.
        records: Records it was trained on.
        created_at: ISO timestamp.
        term_frequencies: Parquet file of each term-frequency table, by column.
        config: The model config it was trained under, as saved (JSON values), from which
            its comparisons are rendered for another engine.
    """

    version: int
    path: Path
    splink: dict[str, Any]
    fingerprint: str
    records: int
    created_at: str
    term_frequencies: dict[str, Path] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def term_frequency_tables(self) -> dict[str, pa.Table]:
        """The term-frequency lookups saved with the model, by column."""
        try:
            return {column: pq.read_table(path) for column, path in self.term_frequencies.items()}
        except OSError as exc:
            raise MashError(f"{self.path}: its term-frequency file cannot be read ({exc}); retrain the model") from None


def model_dir(store: Path) -> Path:
    """Where a store keeps its model files."""
    return store.parent / "models"


def fingerprint(model: ModelConfig) -> str:
    """Hash of what shapes the trained parameters: comparisons code and model settings."""
    config = model.model_dump(mode="json", exclude={"thresholds", "constraints", "plausibility"})
    if not config["identifiers"]:
        del config["identifiers"]  # no declared identifier: the fingerprint models trained before them had
    payload = json.dumps({"code": MODEL_CODE_VERSION, "config": config}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def train(
    records: pa.Table | ModelData, model: ModelConfig, term_frequency_tables: dict[str, pa.Table] | None = None
) -> dict[str, Any]:
    """Estimate the model's parameters on the records, on whichever engine holds them.

    u comes from random sampling, m from one EM pass per configured blocking rule, the
    prior from the trained model's scores of the candidate pairs
    (:mod:`linkage.resolve.prior`; the deterministic rules give it a start), or from the
    deterministic rules alone (``training.prior: deterministic``). Levels random pairs almost never reach have
    their u counted over all records instead (:func:`identifier_u`,
    :func:`swapped_name_u`); levels EM leaves almost empty get a floor on m
    (:func:`floor_m`).

    Args:
        records: The model input: an Arrow table (see ``session.model_input``), trained
            on DuckDB, or another engine's :class:`~linkage.resolve.linker.ModelData`.
        model: The model config.
        term_frequency_tables: Output of :func:`term_frequencies` for these records, if
            already counted (the prior's scoring pass reads them); counted here if not.

    Returns:
        Splink's settings dict with the trained parameters, its SQL in
        :data:`~linkage.resolve.portable.SAVED_DIALECT` whichever engine trained it.
    """
    started = time.perf_counter()
    data = as_model_data(records)
    declared = [identifier_column(name) for name in model.identifiers]
    gap = model.constraints.max_dob_year_gap if model.constraints.max_dob_year_gap is not None else 1
    exact_u = {column: identifier_u(data, column, gap) for column in (*IDENTIFIERS, *declared)}
    exact_u["partner"] = partner_u(data)
    level_u = swapped_name_u(data, model)
    for column, levels in rare_level_u(data).items():
        level_u.setdefault(column, {}).update(levels)
    for name, identifier in model.identifiers.items():
        typo = one_keystroke_u(data, identifier_column(name)) if identifier.typo_level else None
        if typo is not None:
            level_u[identifier_column(name)] = {ONE_KEYSTROKE: typo}
    training = model.training
    # Each declared identifier is a deterministic rule too, as NHS number and PNC ID are by default.
    rules = [*training.deterministic_rules, *((column,) for column in declared)]
    found, possible = deterministic_pairs(data, model, rules)
    recall = training.deterministic_recall
    prior = prior_from(found, PROVISIONAL_RECALL if recall == "estimate" else recall, possible)
    tf = term_frequencies(data, model) if term_frequency_tables is None else term_frequency_tables
    # The saved lookups, as every run scores with them (Splink would count the profiles' rows, not records).
    linker = data.linker(settings(model, {k: v for k, v in exact_u.items() if v is not None}, level_u, prior), tf)
    # Comparisons on columns fewer than two records hold (an identifier's u is None then) have nothing to sample.
    unfilled = [column for column in (*IDENTIFIERS, *declared) if exact_u[column] is None]
    unfilled += [name for name, columns in (("sex", ("sex",)), ("partner", PARTNER_KEYS)) if held_by_fewer_than_two(data, columns)]
    counted = estimate_u(linker, training.u_max_pairs, training.seed, unfilled)
    if counted:
        logger.info("training: u of %s counted over all records, not sampled", ", ".join(counted))
    with UnseenLevels() as unseen_levels:
        passes = [expectation_maximisation(linker, blocking_rule(rule, model), rule, training.em_max_pairs) for rule in training.em_blocking_rules]
    if training.em_blocking_rules and not any(passes):
        raise MashError(
            "training: no EM pass found any pairs, so no m probability could be estimated; give "
            "'training.em_blocking_rules' in the model config rules on columns the sources fill (for example "
            "[forename, surname] or [surname, birth_year])"
        )
    trained, unseen = neutral_unseen(linker.misc.save_model_to_json())
    if unseen:
        logger.info("training: EM saw no pair with both sides' %s; those comparisons carry no evidence (m = u)", ", ".join(unseen))
    partly = sorted(unseen_levels.comparisons - set(unseen))
    if partly:
        logger.info("training: EM saw no pair in some levels of %s; their m is set by training.min_level_m", ", ".join(partly))
    if training.exact_never_weaker:
        trained, raised = exact_never_weaker(trained)
        for level in raised:
            logger.info(
                "training: exact agreement on %s weighed less than '%s'; its m raised from %.3g to %.3g "
                "(training.exact_never_weaker)", level.comparison, level.stronger, level.m_before, level.m_after,
            )
    trained, floored = floor_m(trained, training.min_level_m)
    if training.prior == "candidates":
        first = prior
        trained["probability_two_random_records_match"] = first
        share = prior_sample_share(data, training.prior_sample_records)
        scored = data if share == 1.0 else data.sample(share, training.seed)
        # Scored among every row, the pairs that may reach the review threshold under the final prior
        # are kept: the predict stage then rescores them instead of predicting again (linker.KeptPairs).
        keep = prob_to_match_weight(model.thresholds.review) - RESCORE_MARGIN if share == 1.0 else None
        weights = scored.candidate_weights(scored.linker(trained, tf), CANDIDATE_THRESHOLD, keep)
        prior = candidate_prior(weights, first, possible, sampled=share)
        logger.info(
            "training: prior %.3g from the candidate pairs' expected matches, scored among %.3g of the rows (the "
            "deterministic rules gave %.3g; they find %.3g of the matches that implies)",
            prior, share, first, min(found / (prior * possible), 1.0),
        )
    elif recall == "estimate":
        recall = estimated_recall(data, trained, rules)
        prior = prior_from(found, recall, possible)
        logger.info("training: the deterministic rules' recall estimated at %.3g from the trained model", recall)
    elif training.recall_check_factor is not None:
        checked = checked_recall(data, trained, rules, recall, training.recall_check_factor)
        if checked != recall:
            recall, prior = checked, prior_from(found, checked, possible)
    trained["probability_two_random_records_match"] = prior  # EM passes estimate m, never the prior
    if floored:
        logger.info(
            "training: m raised to the floor of %g (training.min_level_m) on %s",
            training.min_level_m,
            "; ".join(f"{level.comparison} '{level.label}' (was {level.m_before:.3g})" for level in floored),
        )
    logger.info("trained on %d records in %.1fs", data.rows(), time.perf_counter() - started)
    return render_settings(trained, model, SAVED_DIALECT)


def term_frequencies(records: pa.Table | ModelData, model: ModelConfig) -> dict[str, pa.Table]:
    """Each term-frequency column's lookup, as Splink registers it: value and share of records.

    Kept with the model, so every run scores a pair the same way whatever else
    arrives: a full run and an incremental run agree, and scores do not drift night
    to night. Values first seen after training get no adjustment.

    Args:
        records: The model input the model is trained on, on any engine (as for :func:`train`).
        model: The model config (its ``term_frequency`` columns).
    """
    data = as_model_data(records)
    tables = {}
    for column in model.term_frequency:
        counts = data.value_counts(column)
        frequency = counts["count"].to_numpy().astype("float64")
        tables[column] = pa.table({column: counts["value"], f"tf_{column}": pa.array(frequency / max(frequency.sum(), 1.0))})
    if "forename" in model.term_frequency and model.forename_frequency_by_birth_year:
        tables[FORENAME_COHORT] = cohort_frequencies(data.value_counts(FORENAME_COHORT))
    return tables


def train_and_save(store: Path, records: pa.Table | ModelData, model: ModelConfig) -> TrainedModel:
    """Train on the records, on whichever engine holds them, and save the store's next model version.

    Args:
        store: The store whose model directory receives the model.
        records: The model input (as for :func:`train`).
        model: The model config.

    Returns:
        The saved model, with the term-frequency lookups of these records beside it.
    """
    data = as_model_data(records)
    tf = term_frequencies(data, model)  # once: the prior's scoring pass and the saved model both use them
    return save_model(store, train(data, model, tf), model, data.rows(), tf)


def is_current(model: TrainedModel | None, config: ModelConfig) -> bool:
    """Whether a saved model was trained under this model config (so it may score without retraining)."""
    return model is not None and model.fingerprint == fingerprint(config)


def save_model(
    store: Path,
    splink_settings: dict[str, Any],
    model: ModelConfig,
    records: int,
    term_frequency_tables: dict[str, pa.Table] | None = None,
) -> TrainedModel:
    """Write a trained model as the next version under the store's model directory.

    Args:
        store: The store file.
        splink_settings: Output of :func:`train`.
        model: The model config it was trained under.
        records: How many records it was trained on.
        term_frequency_tables: Output of :func:`term_frequencies`, saved as Parquet beside it.

    Returns:
        The saved model.
    """
    directory = model_dir(store)
    directory.mkdir(parents=True, exist_ok=True)
    latest = load_latest_model(store)
    version = 1 if latest is None else latest.version + 1
    created = datetime.now(UTC).isoformat(timespec="seconds")
    tf_files = {}
    for column, table in (term_frequency_tables or {}).items():
        tf_files[column] = directory / f"model-v{version:04d}.tf-{column}.parquet"
        pq.write_table(table, tf_files[column])
    envelope = {
        "format": MODEL_FORMAT,
        "version": version,
        "created_at": created,
        "fingerprint": fingerprint(model),
        "records": records,
        "model_config": model.model_dump(mode="json"),
        "splink": splink_settings,
        "term_frequencies": {column: path.name for column, path in tf_files.items()},
    }
    path = directory / f"model-v{version:04d}.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(envelope, indent=1), encoding="utf-8")
    temporary.replace(path)  # written last: a crash never leaves a model without its parts
    return TrainedModel(
        version, path, splink_settings, envelope["fingerprint"], records, created, tf_files, envelope["model_config"]
    )


def load_model(path: Path) -> TrainedModel:
    """Read a model file.

    Raises:
        MashError: The file is unreadable or not a MASH Link model.
    """
    try:
        envelope = json.loads(path.read_text(encoding="utf-8"))
        if envelope.get("format") != MODEL_FORMAT:
            raise MashError(f"{path}: model file format {envelope.get('format')!r}, expected {MODEL_FORMAT}")
        return TrainedModel(
            version=int(envelope["version"]),
            path=path,
            splink=envelope["splink"],
            fingerprint=envelope["fingerprint"],
            records=int(envelope["records"]),
            created_at=envelope["created_at"],
            term_frequencies={column: path.parent / name for column, name in envelope.get("term_frequencies", {}).items()},
            config=envelope.get("model_config", {}),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MashError(f"{path}: not a readable MASH Link model file ({exc})") from None


def load_latest_model(store: Path) -> TrainedModel | None:
    """The highest-version model saved for a store, or None."""
    models = [load_model(p) for p in sorted(model_dir(store).glob("model-v*.json"))]
    return max(models, key=lambda m: m.version, default=None)
