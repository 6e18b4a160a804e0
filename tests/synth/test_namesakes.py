"""Namesakes come from any adults, not only people living alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synth.names import load_vocab
from synth.hard_negatives import add_hard_negatives
from synth.population import build_population, day_of

AS_OF = pd.Timestamp("2026-11-01")


@pytest.fixture(scope="module")
def namesakes(generated) -> pd.DataFrame:
    """One row per namesake (both sides of each pair), with household and police facts."""
    p = generated.people.copy()
    p["age"] = (AS_OF - pd.to_datetime(p["dob"])).dt.days / 365.25
    p["household_size"] = p.groupby("household_id")["person_id"].transform("size")
    p["children"] = (p["age"] < 18).groupby(p["household_id"]).transform("sum")
    police = generated.records.loc[generated.records["source"] == "police", "person_id"].value_counts()
    p["police_records"] = p["person_id"].map(police).fillna(0).astype(int)
    return p[p["namesake_of"].notna()]


KINDS = [
    (lambda n: n["household_size"] >= 2, "people living with others (couples, parents)"),
    (lambda n: n["children"] >= 1, "people in households with children"),
    (lambda n: n["police_records"] >= 3, "people with three or more police records"),
    (lambda n: n["household_size"] == 1, "people living alone, still"),
]


@pytest.mark.parametrize(("condition", "description"), KINDS, ids=[d for _, d in KINDS])
def test_namesakes_drawn_from_all_kinds_of_adult(namesakes, condition, description: str) -> None:
    assert condition(namesakes).sum() >= 1, description


def test_namesake_pairs_about_as_many_as_before(namesakes, generated) -> None:
    k = round(generated.summary.people * 0.002)
    assert len(namesakes) == 2 * k


def test_namesakes_share_name_dob_and_sex_and_live_in_different_towns(namesakes, generated) -> None:
    p = generated.people.set_index("person_id")
    a = namesakes.set_index("person_id")
    b = p.loc[a["namesake_of"]]
    for col in ("forename", "surname", "dob", "sex"):
        assert (a[col].to_numpy() == b[col].to_numpy()).all(), col
    assert (a["previous_surname"].isna()).all() and (b["previous_surname"].isna()).all()
    town = lambda x: x["address"].str.split(", ").str[-1].to_numpy()  # noqa: E731
    assert (town(a) != town(b)).all()


def test_namesakes_one_pair_each_one_per_household_apart_from_other_hard_negatives(namesakes, generated) -> None:
    p = generated.people
    assert namesakes["person_id"].is_unique and namesakes["household_id"].is_unique
    others = p.loc[p["twin_of"].notna() | p["junior_senior_of"].notna(), "household_id"]
    assert not namesakes["household_id"].isin(others).any()


@pytest.mark.parametrize("seed", [1, 2, 3], ids=lambda s: f"seed {s}: namesakes stay adults, older than their children")
def test_namesakes_households_stay_plausible(seed: int) -> None:
    as_of = day_of("2026-11-01")
    rng, vocab = np.random.Generator(np.random.PCG64(seed)), load_vocab()
    pop = build_population(rng, 5000, as_of, vocab)
    add_hard_negatives(rng, pop, vocab, as_of)
    ns = np.flatnonzero(pop.namesake_of >= 0)
    assert len(ns) == 2 * 10
    assert pop.is_adult_role[ns].all() and ((as_of - pop.dob[ns]) / 365.25 >= 18).all()
    for person in ns:
        hh = pop.household[person]
        members = np.arange(pop.hh_start[hh], pop.hh_start[hh] + pop.hh_size[hh])
        children = members[~pop.is_adult_role[members]]
        assert ((pop.dob[children] - pop.dob[person]) / 365.25 >= 16).all(), "a parent at least 16 years older"
