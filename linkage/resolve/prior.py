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

import numpy as np
import pyarrow as pa

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
