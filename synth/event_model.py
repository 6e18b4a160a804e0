"""What a true event is: the agencies' categories and roles, the arrays that hold every event, and
the samplers the event generators share. Dates are int32 days since 1970-01-01."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.population import Population

DA_CATEGORIES = (
    "Domestic Abuse - Assault",
    "Domestic Abuse - Harassment",
    "Domestic Abuse - Criminal Damage",
    "Domestic Abuse - Coercive Control",
)
OFFENCE_CATEGORIES = DA_CATEGORIES + (
    "Assault", "Theft", "Burglary", "Public Order", "Drugs Possession",
    "Criminal Damage", "Concern for Welfare", "Missing Person", "Road Traffic",
)
POLICE_ROLES = ("VICTIM", "SUSPECT", "WITNESS", "INVOLVED")
VICTIM, SUSPECT, WITNESS, INVOLVED = range(4)
DASH_LEVELS = ("STANDARD", "MEDIUM", "HIGH")
SC_ROLES = ("Child", "Parent", "Carer", "Household Member")
PLAN_TYPES = ("CP Plan", "CIN", "Early Help")
SC_CATEGORIES = ("Neglect", "Emotional", "Physical", "Sexual")
FACTORS = (
    "Domestic abuse", "Parental mental health", "Parental substance misuse",
    "Neglect", "Parental learning disability",
)
SERVICES = ("ED", "Maternity", "Mental Health", "Substance Misuse")

# Share of records per person in each extract (sums to ~0.87).
TARGET_RATE = {"police": 0.33, "social_care": 0.19, "health": 0.35}
YEAR = 365.25


@dataclass
class DAEdges:
    """Perpetrator-victim relationships (one row per pair)."""

    perp: np.ndarray
    victim: np.ndarray
    start: np.ndarray
    end: np.ndarray


@dataclass
class Events:
    """All true events, one row per person per event, per agency."""

    # Police: occurrence-level arrays, then person rows.
    occ_day: np.ndarray
    occ_cat: np.ndarray
    occ_dash: np.ndarray
    """-1 for non-DA occurrences, else index into DASH_LEVELS."""
    p_occ: np.ndarray
    p_person: np.ndarray
    p_role: np.ndarray
    p_addr_person: np.ndarray
    """Whose address the record shows (a perpetrator is often recorded at the victim's)."""
    # Social care.
    ep_day: np.ndarray
    ep_plan: np.ndarray
    ep_category: np.ndarray
    ep_factors: np.ndarray
    """Bitmask over FACTORS."""
    s_ep: np.ndarray
    s_person: np.ndarray
    s_role: np.ndarray
    # Health.
    h_person: np.ndarray
    h_day: np.ndarray
    h_service: np.ndarray
    h_complaint: np.ndarray
    h_baby_mother: np.ndarray
    """Mother's index when the newborn is recorded as BABY <mother's surname>, else -1."""
    h_nfa: np.ndarray
    # Identifiers that depend on events.
    pnc_year2: np.ndarray
    pnc_serial: np.ndarray
    """-1 for people without a PNC ID."""
    edges: DAEdges


def weighted_sample(rng: np.random.Generator, w: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn with probability proportional to ``w`` (Gumbel top-k)."""
    k = min(k, int((w > 0).sum()))
    keys = np.full(len(w), -np.inf)
    pos = w > 0
    keys[pos] = np.log(w[pos]) - np.log(-np.log(rng.random(int(pos.sum()))))
    top = np.argpartition(-keys, k - 1)[:k] if k else np.array([], dtype=np.int64)
    return np.sort(top)


class Sampler:
    """Draw people with replacement, proportional to a weight vector."""

    def __init__(self, w: np.ndarray) -> None:
        self.cdf = np.cumsum(w, dtype=np.float64)

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return np.searchsorted(self.cdf, rng.random(k) * self.cdf[-1], side="right")


def uniform_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform integer day in [lo, hi] (hi clipped up to lo)."""
    hi = np.maximum(hi, lo)
    return (lo + np.floor(rng.random(len(lo)) * (hi - lo + 1))).astype(np.int32)


def household_member(pop: Population, hh: np.ndarray, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Person at ``offset`` within each household, and whether it exists."""
    valid = offset < pop.hh_size[hh]
    return np.where(valid, pop.hh_start[hh] + offset, 0), valid
