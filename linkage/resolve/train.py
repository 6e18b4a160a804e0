"""Train the Splink model and keep each trained model as a versioned JSON file."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from splink.internals.comparison_level import ComparisonLevel
from splink.internals.exceptions import EMTrainingException

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.pipeline import fetch_arrow, quote_ident, run_sql
from linkage.resolve.model import (
    NAMES_SWAPPED,
    NAMES_SWAPPED_MISSPELT,
    NAMES_SWAPPED_SIMILARITY,
    ONE_KEYSTROKE,
    blocking_rule,
    identifier_column,
    settings,
)
from linkage.resolve.monotone import exact_never_weaker
from linkage.resolve.portable import SAVED_DIALECT, render_settings
from linkage.resolve.prior import CANDIDATE_THRESHOLD, candidate_prior
from linkage.resolve.linker import ArrowModelData, ModelData
from linkage.resolve.u_sampling import estimate_u
from linkage.store import connect_memory

logger = logging.getLogger(__name__)

#: Version of the model file layout below.
MODEL_FORMAT = 1
#: Bump when the comparisons in model.py change, so older model files are retrained.
MODEL_CODE_VERSION = 14


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
    data = _model_data(records)
    declared = [identifier_column(name) for name in model.identifiers]
    exact_u = {column: identifier_u(data, column) for column in (*IDENTIFIERS, *declared)}
    exact_u["partner"] = partner_u(data)
    level_u = swapped_name_u(data, model)
    for name, identifier in model.identifiers.items():
        typo = one_keystroke_u(data, identifier_column(name)) if identifier.typo_level else None
        if typo is not None:
            level_u[identifier_column(name)] = {ONE_KEYSTROKE: typo}
    training = model.training
    # Each declared identifier is a deterministic rule too, as NHS number and PNC ID are by default.
    rules = [*training.deterministic_rules, *((column,) for column in declared)]
    found, possible = deterministic_pairs(data, model, rules)
    recall = training.deterministic_recall
    prior = _prior(found, PROVISIONAL_RECALL if recall == "estimate" else recall, possible)
    linker = data.linker(settings(model, {k: v for k, v in exact_u.items() if v is not None}, level_u, prior))
    counted = estimate_u(linker, training.u_max_pairs, training.seed)
    if counted:
        logger.info("training: u of %s counted over all records, not sampled", ", ".join(counted))
    with _UnseenLevels() as unseen_levels:
        passes = [_expectation_maximisation(linker, blocking_rule(rule, model), rule, training.em_max_pairs) for rule in training.em_blocking_rules]
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
        tf = term_frequencies(data, model) if term_frequency_tables is None else term_frequency_tables
        share = _prior_sample_share(data, training.prior_sample_records)
        scored = data if share == 1.0 else data.sample(share, training.seed)
        weights = scored.candidate_weights(scored.linker(trained, tf), CANDIDATE_THRESHOLD)
        prior = candidate_prior(weights, first, possible, sampled=share)
        logger.info(
            "training: prior %.3g from the candidate pairs' expected matches, scored among %.3g of the rows (the "
            "deterministic rules gave %.3g; they find %.3g of the matches that implies)",
            prior, share, first, min(found / (prior * possible), 1.0),
        )
    elif recall == "estimate":
        recall = estimated_recall(data, trained, rules)
        prior = _prior(found, recall, possible)
        logger.info("training: the deterministic rules' recall estimated at %.3g from the trained model", recall)
    elif training.recall_check_factor is not None:
        checked = _checked_recall(data, trained, rules, recall, training.recall_check_factor)
        if checked != recall:
            recall, prior = checked, _prior(found, checked, possible)
    trained["probability_two_random_records_match"] = prior  # EM passes estimate m, never the prior
    if floored:
        logger.info(
            "training: m raised to the floor of %g (training.min_level_m) on %s",
            training.min_level_m,
            "; ".join(f"{level.comparison} '{level.label}' (was {level.m_before:.3g})" for level in floored),
        )
    logger.info("trained on %d records in %.1fs", data.rows(), time.perf_counter() - started)
    return render_settings(trained, model, SAVED_DIALECT)


def _prior_sample_share(data: ModelData, sample_records: int | None) -> float:
    """The share of the model input's rows the prior's scoring pass keeps (1.0: all of them)."""
    records = data.rows()
    if sample_records is None or records <= sample_records:
        return 1.0
    return sample_records / records


def deterministic_pairs(data: ModelData, model: ModelConfig, rules: Sequence[tuple[str, ...]] | None = None) -> tuple[float, float]:
    """Pairs of records the deterministic rules find, and all pairs that could match.

    As Splink's ``estimate_probability_two_random_records_match`` counts them (pairs
    agreeing on every column of at least one rule, out of all pairs), but from value
    counts, never by forming pairs: the pairs of a rule are the sum of n(n-1)/2 over its
    groups, those of several rules by inclusion-exclusion (a pair agreeing on two rules
    agrees on the union of their columns). Counts are of records, so identity profiles
    (which hold exactly the pairs these rules find) give the records' prior. With
    ``link_type: link_only`` only pairs across sources are counted, found and possible.

    Args:
        data: The model input.
        model: The model config.
        rules: The rules, if not ``training.deterministic_rules`` (declared identifiers add theirs).

    Raises:
        MashError: No rule finds a pair: the prior would be zero and nothing would link.
    """
    rules = [frozenset(rule) for rule in (model.training.deterministic_rules if rules is None else rules)]
    across = model.link_type == "link_only"
    found = 0.0
    for size in range(1, len(rules) + 1):
        for chosen in combinations(rules, size):
            found += (-1) ** (size + 1) * _pairs_agreeing(data, sorted(frozenset().union(*chosen)), across)
    sources = data.value_counts("source")["count"].to_numpy().astype("float64")
    total = sources.sum()
    possible = total * (total - 1) / 2 - (float((sources * (sources - 1) / 2).sum()) if across else 0.0)
    if found <= 0 or possible <= 0:
        raise MashError(
            "training: no pair of records agrees on every column of any of 'training.deterministic_rules' in the "
            "model config, so the prior (the chance two records match) cannot be estimated; give rules on columns "
            "the sources fill, such as [forename, surname, dob] or [surname, dob]"
        )
    logger.info("training: the deterministic rules find %d pairs", round(found))
    return found, possible


def deterministic_prior(data: ModelData, model: ModelConfig, rules: Sequence[tuple[str, ...]] | None = None) -> float:
    """The probability that two random records match: pairs the rules find, over their recall, over all pairs.

    With a given ``training.deterministic_recall`` (see :func:`deterministic_pairs`).
    """
    found, possible = deterministic_pairs(data, model, rules)
    recall = model.training.deterministic_recall
    return _prior(found, PROVISIONAL_RECALL if recall == "estimate" else recall, possible)


#: The recall a provisional prior assumes when ``deterministic_recall: estimate`` (u sampling and
#: EM do not read the prior; the estimate replaces it once the model is trained).
PROVISIONAL_RECALL = 0.6


def _prior(found: float, recall: float, possible: float) -> float:
    return min(found / recall / possible, 0.5)


def _checked_recall(data: ModelData, trained: dict[str, Any], rules: Sequence[tuple[str, ...]], given: float, factor: float) -> float:
    """The recall to use: the share given, unless the trained model's estimate is more than ``factor`` away.

    On data whose duplicates rarely agree exactly (RLdata10000: the estimate is 0.005),
    the assumed 0.6 puts the prior over a hundred times too low and almost nothing
    links; the estimate is then used, with a warning naming the setting.
    """
    try:
        estimate = estimated_recall(data, trained, rules)
    except MashError:
        return given  # a rule on a column the model does not compare: nothing to judge by
    if 1 / factor <= given / estimate <= factor:
        return given
    logger.warning(
        "training: 'training.deterministic_recall' is %.3g but the trained model puts the deterministic rules' "
        "recall at %.3g; the estimate is used (the prior would otherwise be %.0f times off). Set "
        "'training.recall_check_factor: null' to keep the share given", given, estimate, max(given / estimate, estimate / given),
    )
    return estimate


def estimated_recall(data: ModelData, trained: dict[str, Any], rules: Sequence[tuple[str, ...]]) -> float:
    """The share of true matches the deterministic rules find, from the trained model.

    A rule finds a match when every one of its columns is filled on both records and
    exactly equal: per column, the share of records filling it, squared, times the m of
    its comparison's first (exact) level; the rule multiplies its columns, and the rules
    combine as independent chances (1 - product of misses). A comparison that EM never
    saw (m = u, fixed: ``neutral_unseen``) finds nothing.

    Raises:
        MashError: A rule names a column with no comparison of its own (only compared
            columns can be estimated), or no rule can find a match.
    """
    exact = {}
    for comparison in trained["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        first = levels[0]
        neutral = first.get("fix_m_probability") and first.get("m_probability") == first.get("u_probability")
        exact[comparison["output_column_name"]] = 0.0 if neutral else first.get("m_probability") or 0.0
    total = data.rows()
    missed = 1.0
    for rule in rules:
        found = 1.0
        for column in rule:
            if column not in exact:
                raise MashError(
                    f"training.deterministic_recall: 'estimate' needs every column of 'training.deterministic_rules' "
                    f"to be compared by the model; {column!r} is not (use {sorted(exact)}, or give a share)"
                )
            filled = float(data.value_counts(column)["count"].to_numpy().sum()) / total if total else 0.0
            found *= filled * filled * exact[column]
        missed *= 1 - found
    recall = 1 - missed
    if recall <= 0:
        raise MashError("training.deterministic_recall: 'estimate' found that no rule can find a match; give a share")
    return recall


def _pairs_agreeing(data: ModelData, columns: list[str], across: bool) -> float:
    """Pairs of records agreeing on every one of ``columns`` (from two sources when ``across``)."""
    counts = data.value_counts_of(columns)["count"].to_numpy().astype("float64")
    pairs = float((counts * (counts - 1) / 2).sum())
    if across:
        pairs -= _pairs_agreeing(data, [*columns, "source"], across=False)
    return pairs


class _UnseenLevels(logging.Filter):
    """Splink's per-level "not observed in dataset" EM warnings, gathered into one line per run.

    Splink warns once per level, up to 30 lines a run for columns the sources never fill
    (an NHS number on a data set that has none); :func:`train` says instead, once, which
    comparisons carry no evidence and which have levels the m floor sets. Only those
    warnings, and Splink's note that a sampling probe found no pairs (the pass is skipped
    with its own warning), are held back; every other Splink message passes.
    """

    _LOGGERS = ("splink.internals.expectation_maximisation", "splink.internals.em_sampling")
    _LEVEL = re.compile(r"Level .* on comparison (\S+) not observed in dataset")

    def __init__(self) -> None:
        super().__init__()
        self.comparisons: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        found = self._LEVEL.search(message)
        if found:
            self.comparisons.add(found.group(1))
            return False
        return "Probe returned zero blocked pairs" not in message

    def __enter__(self) -> _UnseenLevels:
        for name in self._LOGGERS:
            logging.getLogger(name).addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self._LOGGERS:
            logging.getLogger(name).removeFilter(self)


def _expectation_maximisation(linker, blocking, rule: tuple[str, ...], max_pairs: int | None) -> bool:
    """One EM pass, blocked on ``rule``, with Splink 5.0's underflow turned into a clear error.

    Splink 5.0.0's EM can drive a level's m probability down to 0.0, which its own setter
    then refuses with a ValueError mid-training (seen: same postcode sector, on 5,000
    generated people, the date-of-birth pass taking it to 1e-293 and the name pass to 0).
    Ordering the passes differently avoided it there.

    A pass whose rule finds no pairs (blocked on a column no source fills) is skipped
    with a warning naming the rule.

    Returns:
        Whether the pass ran.
    """
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(blocking, max_pairs=max_pairs)
    except EMTrainingException:
        logger.warning(
            "training: the EM pass blocked on %s found no pairs (is every column of it mapped by a source?); skipped. "
            "Change 'training.em_blocking_rules' in the model config", list(rule)
        )
        return False
    except ValueError as exc:
        if "m_probability" not in str(exc):
            raise
        raise MashError(
            f"training: the EM pass blocked on {list(rule)} drove a comparison level's m probability to zero, "
            "which Splink cannot store; reorder or change 'training.em_blocking_rules' in the model config "
            "(for example, the name rule before the date-of-birth rule) and run again"
        ) from exc
    return True


def _model_data(records: pa.Table | ModelData) -> ModelData:
    return ArrowModelData(records) if isinstance(records, pa.Table) else records


def term_frequencies(records: pa.Table | ModelData, model: ModelConfig) -> dict[str, pa.Table]:
    """Each term-frequency column's lookup, as Splink registers it: value and share of records.

    Kept with the model, so every run scores a pair the same way whatever else
    arrives: a full run and an incremental run agree, and scores do not drift night
    to night. Values first seen after training get no adjustment.

    Args:
        records: The model input the model is trained on, on any engine (as for :func:`train`).
        model: The model config (its ``term_frequency`` columns).
    """
    data = _model_data(records)
    tables = {}
    for column in model.term_frequency:
        counts = data.value_counts(column)
        frequency = counts["count"].to_numpy().astype("float64")
        tables[column] = pa.table({column: counts["value"], f"tf_{column}": pa.array(frequency / max(frequency.sum(), 1.0))})
    return tables


#: Identifier columns whose exact-match u is computed, not sampled.
IDENTIFIERS = ("nhs_number", "pnc_id")


def identifier_u(records: pa.Table | ModelData, column: str) -> float | None:
    """Chance that two records, both holding the identifier, hold the same one.

    This is u for the exact level: sum of n(n-1) over values, over M(M-1) for the M
    records that hold one. Returns None with fewer than two such records.

    Args:
        records: The model input, on any engine (as for :func:`train`).
        column: An identifier column.
    """
    shared, held = _pairs_sharing(_model_data(records), column)
    return _u_from_pairs(shared, held)


def _pairs_sharing(data: ModelData, column: str) -> tuple[float, float]:
    """Ordered pairs of records sharing a value of ``column`` (sum of n(n-1)), and records holding one."""
    counts = data.value_counts(column)["count"].to_numpy().astype("float64")
    return float((counts * (counts - 1)).sum()), float(counts.sum())


def _u_from_pairs(shared: float, held: float) -> float | None:
    """``shared`` pairs over all M(M-1) pairs of the ``held`` records; None with fewer than two."""
    if held < 2:
        return None
    # Never exactly 0 (no repeats at all): Splink needs u > 0; one pair's worth instead.
    return max(shared, 1.0) / (held * (held - 1))


def one_keystroke_u(records: pa.Table | ModelData, column: str) -> float | None:
    """Chance that two records, both holding the identifier, hold values one keystroke apart.

    u of a declared identifier's one-keystroke level (Damerau-Levenshtein distance 1),
    counted over all pairs of records as :func:`identifier_u` counts the exact level:
    random sampling rarely meets such a pair. Candidates are found without comparing every
    two values: values one keystroke apart share a value with one character deleted (or
    one is such a deletion of the other), which covers a change, an insertion, a deletion
    and a swap of two neighbours; each candidate is then checked. The distinct values, not
    records, are compared, on a private DuckDB.

    Args:
        records: The model input, on any engine (as for :func:`train`).
        column: A declared identifier's column.

    Returns:
        The u, or None with fewer than two records holding a value.
    """
    counts = _model_data(records).value_counts(column)
    with connect_memory() as con:
        con.register("identifier_counts", counts)
        shared, held = run_sql(
            con,
            "train:one keystroke pairs",
            """
            WITH v AS (SELECT row_number() OVER () AS id, CAST(value AS VARCHAR) AS value, "count" FROM identifier_counts),
            variants AS (
                SELECT id, value AS variant FROM v
                UNION SELECT id, left(value, i - 1) || substr(value, i + 1) FROM (SELECT *, unnest(range(1, length(value) + 1)) AS i FROM v)
            ),
            candidates AS (SELECT DISTINCT a.id AS l, b.id AS r FROM variants AS a JOIN variants AS b ON a.variant = b.variant AND a.id < b.id)
            SELECT coalesce(sum(2 * vl."count" * vr."count"), 0), (SELECT coalesce(sum("count"), 0) FROM v)
            FROM candidates JOIN v AS vl ON vl.id = candidates.l JOIN v AS vr ON vr.id = candidates.r
            WHERE damerau_levenshtein(vl.value, vr.value) = 1
            """,
        ).fetchone()
    return _u_from_pairs(float(shared), float(held))


#: The partner keys the relational comparison reads (``model.partner_comparison``).
PARTNER_KEYS = ("partner_pnc", "partner_first", "partner_last", "partner_name")


def partner_u(records: pa.Table | ModelData) -> float | None:
    """Chance that two records, both with a DA incident partner, share one (by either key).

    Pairs sharing each key, added up (an upper bound: a pair sharing two keys counts
    twice), over M(M-1) for M the most records holding any one key (nearly every record
    with a partner has a name key). Returns None with fewer than two such records.

    Args:
        records: The model input, on any engine (as for :func:`train`).
    """
    data = _model_data(records)
    by_key = [_pairs_sharing(data, column) for column in PARTNER_KEYS]
    u = _u_from_pairs(sum(shared for shared, _ in by_key), max(held for _, held in by_key))
    return None if u is None else min(u, 0.5)


#: Levels whose u is counted over all pairs of records (:func:`swapped_name_u`), in any comparison that has them.
COUNTED_LEVELS = (NAMES_SWAPPED, NAMES_SWAPPED_MISSPELT)
#: The columns the name comparisons read up to and including the counted levels.
NAME_COLUMNS = ("forename", "forename_groups", "surname")
#: Distinct forename values times distinct surname values above which close pairs are sought only
#: among values with the same first letter (about 4 s of Jaro-Winkler on 2 cores at this many).
MAX_NAME_VALUE_PAIRS = 100_000_000


def swapped_name_u(records: pa.Table | ModelData, model: ModelConfig) -> dict[str, dict[str, float]]:
    """u of the name-swap levels, counted over every pair of records rather than sampled.

    Forename and surname swapped is about 2% of police rows, but two random records
    almost never hold each other's names: at 50,000 people a sample of 2M pairs holds
    two exact swaps and one misspelt one or none, and at 200,000 no misspelt one, which
    leaves Splink's default u (for the misspelt level, evidence against a match) or a u
    resting on one or two pairs. So, as
    :func:`identifier_u` does for identifiers, u is counted: ordered pairs of records
    (i != j) that the comparison puts in the level, over M(M-1) for the M records whose
    compared column is not null (the pairs random sampling divides by). Like a random
    sample, the count includes true matches.

    The pairs are found from the distinct name combinations (:meth:`ModelData.value_counts_of`
    on :data:`NAME_COLUMNS`, so any engine), on a private DuckDB:

    * close pairs: each forename value and surname value with a Jaro-Winkler similarity
      of at least :data:`~linkage.resolve.model.NAMES_SWAPPED_SIMILARITY` (DuckDB's
      function, which the level itself calls);
    * candidates: combinations (f, s) and (f', s') with (f, s') and (f', s) both close.
      They include every pair in either swap level (an exact swap is similarity 1);
    * each candidate is then put in a level by the comparison's own SQL conditions, in
      order, so pairs an earlier level takes (same forename, nicknames of one name, close
      spellings of one forename or surname) are not counted.

    The count is exact while the distinct forenames times distinct surnames stay within
    :data:`MAX_NAME_VALUE_PAIRS` (about 5M at 50,000 generated people). Above it, close
    pairs are sought only among values sharing a first letter, and the misspelt level's
    count is a lower bound: Jaro-Winkler also passes some pairs whose first letters
    differ (EMMA/GEMMA, TRICIA/PATRICIA: 5% of close pairs at 50,000 people). The exact
    swap level stays exact. Soundex codes would be cheaper to group by but miss more
    (JOHNSON/JOHNSTON).

    Args:
        records: The model input, on any engine (as for :func:`train`).
        model: The model config (the comparisons come from it).

    Returns:
        u by comparison (output column) and level label, for ``model.settings``; a level
        is left out (and sampled) when fewer than two records hold its column. A level no
        pair reaches gets one pair's worth: Splink needs u > 0.
    """
    data = _model_data(records)
    comparisons = [comparison.get_comparison(SAVED_DIALECT) for comparison in settings(model).comparisons]
    comparisons = [c for c in comparisons if any(level.label_for_charts in COUNTED_LEVELS for level in c.comparison_levels)]
    if not comparisons:
        return {}
    names = data.value_counts_of(NAME_COLUMNS)
    distinct = {column: pc.count_distinct(names[column]).as_py() for column in ("forename", "surname")}
    blocked = distinct["forename"] * distinct["surname"] > MAX_NAME_VALUE_PAIRS
    with connect_memory() as con:
        con.register("name_counts", names)
        _candidate_name_pairs(con, blocked)
        result: dict[str, dict[str, float]] = {}
        for comparison in comparisons:
            column = comparison.output_column_name
            _, held = _pairs_sharing(data, column)
            if held < 2:
                continue
            counts = _pairs_by_level(con, comparison.comparison_levels)
            result[column] = {
                level.label_for_charts: _u_from_pairs(counts.get(index, 0), held)
                for index, level in enumerate(comparison.comparison_levels)
                if level.label_for_charts in COUNTED_LEVELS
            }
    logger.info(
        "training: name-swap u counted over all pairs%s: %s",
        " (close spellings sought within first letters)" if blocked else "",
        "; ".join(f"{column} '{label}' {u:.3g}" for column, levels in result.items() for label, u in levels.items()),
    )
    return result


def _candidate_name_pairs(con: duckdb.DuckDBPyConnection, blocked: bool) -> None:
    """``name_pairs``: pairs of name combinations that may be in a swap level, with their record pairs.

    Columns ``<column>_l`` and ``<column>_r`` for each of :data:`NAME_COLUMNS`, as the
    levels' SQL names them, and ``pairs``: ordered pairs of distinct records (n(n-1) for
    a combination paired with itself).
    """
    same_letter = "left(f.forename, 1) = left(s.surname, 1)" if blocked else "TRUE"
    run_sql(
        con,
        "train:close names",
        f"""
        CREATE TEMP TABLE close_names AS
        WITH f AS (SELECT DISTINCT forename FROM name_counts), s AS (SELECT DISTINCT surname FROM name_counts)
        SELECT f.forename, s.surname FROM f JOIN s ON {same_letter}
        WHERE jaro_winkler_similarity(f.forename, s.surname) >= {NAMES_SWAPPED_SIMILARITY}
        """,
    )
    sides = ", ".join(
        f"{side}.{quote_ident(column)} AS {quote_ident(f'{column}_{side}')}" for side in ("l", "r") for column in NAME_COLUMNS
    )
    run_sql(con, "train:name ids", "CREATE TEMP TABLE names AS SELECT row_number() OVER () AS id, * FROM name_counts")
    run_sql(
        con,
        "train:swapped name candidates",
        f"""
        CREATE TEMP TABLE name_pairs AS
        SELECT {sides}, CASE WHEN l.id = r.id THEN l."count" * (l."count" - 1) ELSE l."count" * r."count" END AS pairs
        FROM names AS l
        JOIN close_names AS a ON a.forename = l.forename
        JOIN names AS r ON r.surname = a.surname
        JOIN close_names AS b ON b.forename = r.forename AND b.surname = l.surname
        """,
    )


def _pairs_by_level(con: duckdb.DuckDBPyConnection, levels: list[ComparisonLevel]) -> dict[int, int]:
    """Record pairs among the candidates by the index of the level the comparison puts them in.

    Only levels up to the last counted one are evaluated (later ones read columns the
    candidates lack); pairs past them are left out.
    """
    last = max(index for index, level in enumerate(levels) if level.label_for_charts in COUNTED_LEVELS)
    cases = " ".join(f"WHEN {level.sql_condition} THEN {index}" for index, level in enumerate(levels[: last + 1]))
    rows = fetch_arrow(
        con,
        "train:swapped name pairs by level",
        f"SELECT CASE {cases} END AS level, sum(pairs) AS pairs FROM name_pairs GROUP BY ALL",
    ).to_pylist()
    return {row["level"]: int(row["pairs"]) for row in rows if row["level"] is not None}


@dataclass(frozen=True)
class FlooredLevel:
    """A comparison level whose m :func:`floor_m` raised."""

    comparison: str
    label: str
    m_before: float


def neutral_unseen(splink_settings: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Give a comparison EM never saw (no m on any level) m = u on every level, fixed: no evidence either way.

    A level with no u either (the column is empty on every record) gets an equal share for both.

    With link_only, a column only one source has (a PNC ID) is never filled on both
    sides of a pair, so EM estimates none of its levels. Such a comparison can say
    nothing about a match; left without m, a pair that did reach it (a later extract)
    could not be scored, and a floor on m would invent evidence.

    Args:
        splink_settings: Splink's trained settings dict (not changed).

    Returns:
        A copy, and the comparisons (output column names) made neutral.
    """
    result = copy.deepcopy(splink_settings)
    unseen = []
    for comparison in result.get("comparisons", []):
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        free = [level for level in levels if not level.get("fix_m_probability")]
        if not free or any(level.get("m_probability") is not None for level in free):
            continue
        for level in levels:
            # A column no source fills is not seen by the u sample either: any equal m and u will do.
            if level.get("u_probability") is None:
                level["u_probability"], level["fix_u_probability"] = 1 / len(levels), True
            level["m_probability"], level["fix_m_probability"] = level["u_probability"], True
        unseen.append(comparison.get("output_column_name", "?"))
    return result, unseen


def floor_m(splink_settings: dict[str, Any], floor: float) -> tuple[dict[str, Any], list[FlooredLevel]]:
    """Raise every non-null level's m below ``floor`` to it, and rescale the comparison's others.

    EM estimates m from the blocked pairs it believes match; a level those pairs hardly
    reach (a year typo, on data whose DOB errors are all in the day) comes out near
    zero, 1e-6 or less, and a real pair in it then scores as strong evidence *against*
    a match. But every level is declared because it is a known error mode of real
    records, so its m is not zero: the floor acts as a pseudo-count, a small prior
    share of matches in each level that the data cannot argue below. The comparison's
    other levels are scaled down to keep its m values summing to 1, again if that takes
    another level below the floor. A level whose m is fixed in the settings keeps it; a
    level with no m (one EM never estimated) counts as 0 and is raised.

    Applied to the settings dict Splink saves (its own JSON layout: comparisons, their
    levels, ``is_null_level``, ``m_probability``), before its SQL is rendered.

    Args:
        splink_settings: Splink's trained settings dict (not changed).
        floor: The floor (``training.min_level_m``); 0 changes nothing.

    Returns:
        A copy with the floor applied, and the levels raised to it.

    Raises:
        MashError: The floor is too high for a comparison's m values to sum to 1.
    """
    result = copy.deepcopy(splink_settings)
    floored: list[FlooredLevel] = []
    if floor <= 0:
        return result, floored
    for original, comparison in zip(splink_settings.get("comparisons", []), result.get("comparisons", []), strict=True):
        name = comparison.get("output_column_name", "?")
        m_before = {
            id(level): old.get("m_probability") or 0.0
            for old, level in zip(original["comparison_levels"], comparison["comparison_levels"], strict=True)
        }
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        fixed = sum(level.get("m_probability") or 0.0 for level in levels if level.get("fix_m_probability"))
        free = [level for level in levels if not level.get("fix_m_probability")]
        for level in free:
            level["m_probability"] = level.get("m_probability") or 0.0
        raised: set[int] = set()
        while low := [level for level in free if id(level) not in raised and level["m_probability"] < floor]:
            for level in low:
                floored.append(FlooredLevel(name, level.get("label_for_charts", "?"), m_before[id(level)]))
                level["m_probability"] = floor
                raised.add(id(level))
            rest = [level for level in free if id(level) not in raised]
            target, total = 1.0 - fixed - floor * len(raised), sum(level["m_probability"] for level in rest)
            if target <= 0 or total <= 0:
                raise MashError(
                    f"training.min_level_m = {floor} is too high for the {name!r} comparison: "
                    "its levels' m values cannot sum to 1; lower it"
                )
            for level in rest:
                level["m_probability"] *= target / total
    return result, floored


def train_and_save(store: Path, records: pa.Table | ModelData, model: ModelConfig) -> TrainedModel:
    """Train on the records, on whichever engine holds them, and save the store's next model version.

    Args:
        store: The store whose model directory receives the model.
        records: The model input (as for :func:`train`).
        model: The model config.

    Returns:
        The saved model, with the term-frequency lookups of these records beside it.
    """
    data = _model_data(records)
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
