"""Children at DA incidents and men left off children's social care records (generator 1.3.0): what truth says."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.synth.helpers import Generated


@pytest.fixture(scope="module")
def police(generated: Generated) -> pd.DataFrame:
    """Police rows with their true person and the date as a timestamp."""
    p = generated.police.rename(columns={"PersonRecordRef": "record_id"}).assign(source="police")
    p = p.merge(generated.records, on=["source", "record_id"])
    return p.assign(date=pd.to_datetime(p["OccurrenceDate"], format="%d/%m/%Y"))


@pytest.fixture(scope="module")
def care(generated: Generated) -> pd.DataFrame:
    """Social care rows with their true person."""
    s = generated.social_care.rename(columns={"ClientID": "record_id"}).assign(source="social_care")
    return s.merge(generated.records, on=["source", "record_id"]).assign(date=lambda f: pd.to_datetime(f["ReferralDate"]))


@pytest.fixture(scope="module")
def present(generated: Generated) -> pd.DataFrame:
    return pd.read_csv(generated.out / "truth" / "children_at_incidents.csv", dtype=str)


@pytest.fixture(scope="module")
def unseen(generated: Generated) -> pd.DataFrame:
    return pd.read_csv(generated.out / "truth" / "unseen_men.csv", dtype=str)


def _marked(generated: Generated, column: str) -> set[str]:
    return set(generated.people.loc[generated.people[column] == "true", "person_id"])


def test_truth_files_and_markers_agree(generated: Generated, present: pd.DataFrame, unseen: pd.DataFrame) -> None:
    """The people.csv markers are the people the two truth files list; both kinds of presence occur."""
    assert list(present.columns) == ["person_id", "occurrence_date", "presence"]
    assert list(unseen.columns) == ["man_id", "child_id", "plan", "plan_date"]
    assert _marked(generated, "is_child_at_incident") == set(present["person_id"])
    assert _marked(generated, "is_unseen_man") == set(unseen["man_id"])
    assert set(present["presence"]) == {"recorded", "address"}
    assert len(unseen) > 0


def test_recorded_children_are_witnesses_or_involved_on_da_occurrences(police: pd.DataFrame, present: pd.DataFrame) -> None:
    """Each 'recorded' child has a witness or involved row on a DA occurrence that day."""
    rows = police[(police["DAFlag"] == "Y") & police["PersonRole"].isin(["WITNESS", "INVOLVED"])]
    keys = set(zip(rows["person_id"], rows["date"].dt.strftime("%Y-%m-%d")))
    recorded = present[present["presence"] == "recorded"]
    assert set(zip(recorded["person_id"], recorded["occurrence_date"])) <= keys


def test_some_recorded_children_live_apart_from_the_victim(generated: Generated, police: pd.DataFrame) -> None:
    """Child contact: a perpetrator's own children are on occurrences whose victim lives in another household."""
    household = generated.people.set_index("person_id")["household_id"]
    da = police[police["DAFlag"] == "Y"]
    victims = da[da["PersonRole"] == "VICTIM"][["OccurrenceRef", "person_id"]].rename(columns={"person_id": "victim"})
    kids = da[da["PersonRole"].isin(["WITNESS", "INVOLVED"])].merge(victims, on="OccurrenceRef")
    apart = household.loc[kids["person_id"]].to_numpy() != household.loc[kids["victim"]].to_numpy()
    assert apart.any() and (~apart).any()


def test_children_at_the_address_live_with_a_victim_of_that_day(generated: Generated, police: pd.DataFrame,
                                                                  present: pd.DataFrame) -> None:
    """Each 'address' child is in the household of a DA victim with an occurrence that day."""
    household = generated.people.set_index("person_id")["household_id"]
    da = police[(police["DAFlag"] == "Y") & (police["PersonRole"] == "VICTIM")]
    victim_days = set(zip(household.loc[da["person_id"]], da["date"].dt.strftime("%Y-%m-%d")))
    at = present[present["presence"] == "address"]
    assert set(zip(household.loc[at["person_id"]], at["occurrence_date"])) <= victim_days


def test_unseen_men_are_on_none_of_the_childs_episodes(generated: Generated, care: pd.DataFrame, police: pd.DataFrame,
                                                         unseen: pd.DataFrame) -> None:
    """Each pair: same household, a man known to police for DA or assault, a child whose latest episode is a plan, never together."""
    people = generated.people.set_index("person_id")
    episodes = care.groupby("person_id")["EpisodeID"].agg(set)
    suspects = set(police.loc[(police["PersonRole"] == "SUSPECT") & ((police["DAFlag"] == "Y") | (police["OffenceCategory"] == "Assault")), "person_id"])
    for pair in unseen.itertuples():
        assert people.loc[pair.man_id, "household_id"] == people.loc[pair.child_id, "household_id"]
        assert people.loc[pair.man_id, "sex"] == "M" and pair.man_id in suspects
        assert not episodes.get(pair.man_id, set()) & episodes[pair.child_id]
        latest = care[(care["person_id"] == pair.child_id) & (care["Role"] == "Child")].sort_values(["date", "record_id"]).iloc[-1]
        assert (latest["PlanType"], latest["ReferralDate"]) == ({"cp_plan": "CP Plan", "cin": "CIN"}.get(pair.plan, pair.plan), pair.plan_date)


def test_men_known_to_police_on_a_childs_episode_are_not_unseen(generated: Generated, care: pd.DataFrame,
                                                                  police: pd.DataFrame, unseen: pd.DataFrame) -> None:
    """The rule has negatives to get right: known men who are on their household's episodes."""
    people = generated.people.set_index("person_id")
    suspects = set(police.loc[(police["PersonRole"] == "SUSPECT") & (police["DAFlag"] == "Y"), "person_id"])
    adults_on_episodes = care[care["Role"].isin(["Parent", "Carer"]) & care["person_id"].isin(suspects)]
    men = adults_on_episodes[people.loc[adults_on_episodes["person_id"], "sex"].to_numpy() == "M"]
    assert len(set(men["person_id"]) - set(unseen["man_id"])) > 0


def test_a_small_population_may_have_no_unseen_man(tmp_path) -> None:
    """The truth files are written, header only, when no pair exists."""
    from synth import generate_extracts

    generate_extracts(500, 3, tmp_path)
    unseen = pd.read_csv(tmp_path / "truth" / "unseen_men.csv", dtype=str)
    assert list(unseen.columns) == ["man_id", "child_id", "plan", "plan_date"]
    people = pd.read_csv(tmp_path / "truth" / "people.csv", dtype=str)
    assert set(unseen["man_id"]) == set(people.loc[people["is_unseen_man"] == "true", "person_id"])
