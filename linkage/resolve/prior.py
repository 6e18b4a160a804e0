"""The prior (the chance two random records match), from the trained model's scores of the candidate pairs.

The deterministic rules give a first prior: the pairs they find over an assumed share of
all matches. That share is a guess, and on data whose duplicates rarely agree exactly it
is wrong by a hundred times (RLdata10000: 0.6 assumed, 0.008 true). Estimating it from
the trained m values instead assumes errors in different fields are independent, and
is wrong the other way where they are not (four times too high on RLdata, once exact
agreement is weighed as it should be: ``linkage.resolve.monotone``).

Here the prior is the one EM would settle on with the trained m and u held: the
expected number of matches among the candidate pairs the blocking rules form (each
pair's match probability, summed) over all pairs that could match, repeated until it
stops moving. Pairs outside the blocking rules are taken as non-matches, and pairs
scored under a small probability are left out (their share is negligible next to the
matches'). Measured against the truth: RLdata10000 1.6e-5 (true 2.0e-5, the rules'
estimate 4.7e-6), FEBRL3 5.15e-4 (true 5.23e-4; 7.9e-4), the harsh 200,000-person
extracts 1.77e-5 (true 1.67e-5; 1.56e-5).

Scoring every candidate pair costs a second prediction, which at a million people more than
doubled training. Above ``training.prior_sample_records`` rows the pairs are scored among a
random share of the rows instead and their counts scaled up; the matches in even a fifth of
the rows number tens of thousands, so the estimate moves by well under one per cent.
"""

from __future__ import annotations

import logging
import math

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pyarrow as pa

from linkage.config import ModelConfig
from linkage.errors import MashError
from linkage.resolve.linker import ModelData

logger = logging.getLogger(__name__)

#: Candidate pairs scored under this match probability (under the first prior) are left out.
CANDIDATE_THRESHOLD = 1e-6
#: Iterations of the fixed point (it settles within a few; each is one pass over a histogram).
_ROUNDS = 100
#: Relative change at which the fixed point has settled.
_SETTLED = 1e-6


def candidate_prior(weights: pa.Table, first_prior: float, possible: float, sampled: float = 1.0) -> float:
    """The prior at which the candidate pairs' expected matches, over all possible pairs, equal the prior.

    Args:
        weights: ``match_weight`` (Splink's, under ``first_prior``; ``inf`` for pairs that
            are certainly matches) and ``pairs`` (the record pairs each row stands for),
            as ``ModelData.candidate_weights`` gives them.
        first_prior: The prior the match weights were scored under.
        possible: All record pairs that could match (``train.deterministic_pairs``).
        sampled: The chance each row of the model input was kept when ``weights`` were
            scored on a random share of them (``ModelData.sample``). A pair of rows was then
            scored with chance ``sampled`` squared and a row's own pairs with chance
            ``sampled``, so each count is divided by its chance (an unbiased estimate of
            the count over all rows).

    Returns:
        The prior; ``first_prior`` if there is nothing to estimate from.
    """
    if weights.num_rows == 0 or possible <= 0 or not 0 < first_prior < 1:
        return first_prior
    weight = weights["match_weight"].to_numpy(zero_copy_only=False).astype("float64")
    pairs = weights["pairs"].to_numpy(zero_copy_only=False).astype("float64")
    certain = float(pairs[np.isinf(weight)].sum()) / sampled
    # Each pair's Bayes factor (log2): its match weight less the prior's own.
    factor = weight[~np.isinf(weight)] - math.log2(first_prior / (1 - first_prior))
    counted = pairs[~np.isinf(weight)] / sampled**2
    prior = first_prior
    for _ in range(_ROUNDS):
        odds = math.log2(prior / (1 - prior))
        expected = certain + float((counted / (1 + np.exp2(-(factor + odds)))).sum())
        updated = min(max(expected / possible, 1e-12), 0.5)
        settled = abs(updated - prior) <= _SETTLED * prior
        prior = updated
        if settled:
            break
    return prior


def prior_sample_share(data: ModelData, sample_records: int | None) -> float:
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
    return prior_from(found, PROVISIONAL_RECALL if recall == "estimate" else recall, possible)


#: The recall a provisional prior assumes when ``deterministic_recall: estimate`` (u sampling and
#: EM do not read the prior; the estimate replaces it once the model is trained).
PROVISIONAL_RECALL = 0.6


def prior_from(found: float, recall: float, possible: float) -> float:
    return min(found / recall / possible, 0.5)


def checked_recall(data: ModelData, trained: dict[str, Any], rules: Sequence[tuple[str, ...]], given: float, factor: float) -> float:
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
