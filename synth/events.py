"""True events: police occurrences, social care episodes and health attendances.

Events are generated from the population's relationships and traits (domestic abuse
edges, mental health, substance misuse, offending), then background activity is added
until each agency reaches its target volume. Dates are int32 days since 1970-01-01.
"""


from __future__ import annotations

import numpy as np

from synth.care_events import health_events, social_care_events
from synth.event_model import (
    DA_CATEGORIES, DASH_LEVELS, FACTORS, INVOLVED, OFFENCE_CATEGORIES, PLAN_TYPES, POLICE_ROLES, SC_CATEGORIES,
    SC_ROLES, SERVICES, SUSPECT, TARGET_RATE, VICTIM, WITNESS, DAEdges, Events,
)
from synth.names import Vocab
from synth.police_events import police_events
from synth.population import Population, day_of

__all__ = [
    "DASH_LEVELS",
    "DA_CATEGORIES",
    "FACTORS",
    "INVOLVED",
    "OFFENCE_CATEGORIES",
    "PLAN_TYPES",
    "POLICE_ROLES",
    "SC_CATEGORIES",
    "SC_ROLES",
    "SERVICES",
    "SUSPECT",
    "VICTIM",
    "WITNESS",
    "DAEdges",
    "Events",
    "generate_events",
]


def generate_events(rng: np.random.Generator, pop: Population, vocab: Vocab, as_of: int) -> Events:
    """Generate every agency's true events for the population.

    Args:
        rng: The generator's random stream.
        pop: The population (its trait flags and aliases are updated in place).
        vocab: Vocabularies (complaints, alias names).
        as_of: Extract date as days since epoch; events fall in 2018-01-01..as_of-1.

    Returns:
        All events, with DA edges and PNC IDs.
    """
    win = day_of("2018-01-01")
    n = pop.n
    edges, inc_edge, inc_day, police = police_events(rng, pop, vocab, as_of, win)
    hard = np.flatnonzero((pop.twin_of >= 0) | (pop.junior_senior_of >= 0) | (pop.namesake_of >= 0))
    da_hh = np.zeros(len(pop.hh_start), dtype=bool)
    da_hh[pop.household[edges.victim]] = True
    da_hh[pop.household[edges.perp]] = True
    sc = social_care_events(rng, pop, as_of, win, edges, da_hh, int(TARGET_RATE["social_care"] * n))
    health = health_events(rng, pop, vocab, as_of, win, edges, inc_edge, inc_day, hard, int(TARGET_RATE["health"] * n))
    return Events(**police, **sc, **health, edges=edges)
