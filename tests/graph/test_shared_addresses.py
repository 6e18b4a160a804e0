"""Shared and generic addresses: what is judged shared, and that no household forms there."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from graph.build import build_graph
from graph.codes import AddressKind, EdgeKind, FlagCode
from graph.config import FlagRules, SharedAddressRules
from graph.flags import run_flags
from graph.shared import listed_addresses, shared_addresses, unrelated_groups
from tests.graph.conftest import AS_OF, Frames, day

def node(address: str) -> str:
    """The address node of ``Frames.at(..., address)``."""
    return f"address:AB1 2CD|{address}"


def keys(*rows: tuple[str | None, str]) -> pd.DataFrame:
    """Address keys as linkage hands them over: key, postcode, address, dwelling."""
    return pd.DataFrame(
        [{"address_key": f"address:{p or ''}|{a}", "postcode": p, "address": a, "dwelling": f"{p or ''}|{a}"} for p, a in rows]
    )


def residents(dwelling: str, surnames: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"dwelling": dwelling, "person_id": [f"P{i}" for i in range(len(surnames))], "surname": surnames})


NO_RELATIONS = pd.DataFrame({"person_a": [], "person_b": []})
#: Everyone at a dwelling of six people on one social care episode: family however they are named.
ONE_EPISODE = pd.DataFrame({"person_a": ["P0"] * 5, "person_b": [f"P{i}" for i in range(1, 6)]})

GROUPS = [
    ("a hostel: eight people, eight surnames, no family links", ["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS", "FOX", "GRAY", "HILL"], NO_RELATIONS, 8, True),
    ("a real large family: ten people, one surname, the mother's maiden name and a double-barrel joining them",
     ["SMITH"] * 7 + ["JONES", "JONES-SMITH", "SMITH"], NO_RELATIONS, 1, False),
    ("a blended family of six surnames on one social care episode", ["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS", "FOX"], ONE_EPISODE, 1, False),
    ("five unrelated people: under min_people (6)", ["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS"], NO_RELATIONS, 5, False),
    ("six people in three families: under min_unrelated (4)", ["ADAMS", "ADAMS", "BAKER", "BAKER", "CLARK", "CLARK"], NO_RELATIONS, 3, False),
    ("six people in four families: at both thresholds", ["ADAMS", "ADAMS", "BAKER", "BAKER", "CLARK", "DAVIS"], NO_RELATIONS, 4, True),
    ("a missing surname joins nobody", ["ADAMS", "ADAMS", "ADAMS", "ADAMS", "ADAMS", None], NO_RELATIONS, 2, False),
]


@pytest.mark.parametrize(("description", "surnames", "related", "groups", "shared"), GROUPS, ids=[g[0] for g in GROUPS])
def test_many_unrelated_people_make_a_shared_address(description, surnames, related, groups, shared) -> None:
    people = residents("AB1 2CD|1 MILL", surnames)
    judged = unrelated_groups(people, related)
    assert judged.to_dict("records") == [{"dwelling": "AB1 2CD|1 MILL", "people": len(set(people["person_id"])), "groups": groups}], description
    found = shared_addresses(keys(("AB1 2CD", "1 MILL")), people, related, SharedAddressRules(known=()))
    assert (len(found) == 1) is shared, description
    if shared:
        assert found.iloc[0]["kind"] == AddressKind.MANY_UNRELATED and not found.iloc[0]["listed"], description


def test_a_person_recorded_under_two_surnames_joins_both_families() -> None:
    """A wife seen under her maiden and her married name links her birth family and her husband's."""
    people = pd.DataFrame({
        "dwelling": "D", "person_id": ["W", "W", "H", "M"], "surname": ["JONES", "SMITH", "SMITH", "JONES"],
    })
    assert unrelated_groups(people, NO_RELATIONS)["groups"].tolist() == [1]


def test_detection_can_be_switched_off() -> None:
    people = residents("AB1 2CD|1 MILL", ["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS", "FOX"])
    rules = SharedAddressRules(known=(), detect=False)
    assert shared_addresses(keys(("AB1 2CD", "1 MILL")), people, NO_RELATIONS, rules).empty


@pytest.mark.parametrize(
    ("description", "address_keys"),
    [
        ("data with no addresses at all (RLdata10000): no key, nobody to judge", pd.DataFrame(
            {"address_key": pd.Series([], dtype=object), "postcode": pd.Series([], dtype=object),
             "address": pd.Series([], dtype=object), "dwelling": pd.Series([], dtype=object)})),
        ("addresses but nobody worth judging", keys(("AB1 2CD", "1 MILL"))),
    ],
)
def test_nobody_to_judge_finds_nothing(description, address_keys) -> None:
    nobody = pd.DataFrame({"dwelling": [], "person_id": [], "surname": []})
    assert shared_addresses(address_keys, nobody, NO_RELATIONS, SharedAddressRules(known=())).empty, description


def test_every_spelling_of_a_shared_dwelling_is_shared() -> None:
    """'1 MILL LANE NORTHTOWN' and '1 MILL LN' are one dwelling: both keys are shared."""
    frame = pd.DataFrame([
        {"address_key": "address:AB1 2CD|1 MILL LANE NORTHTOWN", "postcode": "AB1 2CD", "address": "1 MILL LANE NORTHTOWN", "dwelling": "AB1 2CD|1 MILL"},
        {"address_key": "address:AB1 2CD|1 MILL LN", "postcode": "AB1 2CD", "address": "1 MILL LN", "dwelling": "AB1 2CD|1 MILL"},
        {"address_key": "address:AB1 2CD|2 MILL LN", "postcode": "AB1 2CD", "address": "2 MILL LN", "dwelling": "AB1 2CD|2 MILL"},
    ])
    people = residents("AB1 2CD|1 MILL", ["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS", "FOX"])
    found = shared_addresses(frame, people, NO_RELATIONS, SharedAddressRules(known=()))
    assert found["address_key"].tolist() == ["address:AB1 2CD|1 MILL LANE NORTHTOWN", "address:AB1 2CD|1 MILL LN"]
    assert found["people"].tolist() == [6, 6] and found["groups"].tolist() == [6, 6]


LISTED = [
    ("postcode and address: the address starts the record's", {"postcode": "ab1 2cd", "address": "7 Mill Lane"}, ("AB1 2CD", "7 MILL LANE NORTHTOWN"), True),
    ("postcode and address: whole words only", {"postcode": "AB12CD", "address": "7 Mill Lane"}, ("AB1 2CD", "77 MILL LANE"), False),
    ("postcode and address: another postcode", {"postcode": "AB1 2CD", "address": "7 Mill Lane"}, ("AB1 2CE", "7 MILL LANE"), False),
    ("postcode alone: every address there", {"postcode": "AB1 2CD"}, ("AB1 2CD", "CUSTODY SUITE HIGH STREET"), True),
    ("address alone, punctuation ignored", {"address": "No fixed abode."}, (None, "NO FIXED ABODE"), True),
    ("address alone matches any postcode", {"address": "7 Mill Lane"}, ("AB9 9ZZ", "7 MILL LANE"), True),
]


@pytest.mark.parametrize(("description", "entry", "record", "hit"), LISTED, ids=[c[0] for c in LISTED])
def test_listed_addresses_match_by_postcode_and_whole_words(description, entry, record, hit) -> None:
    rules = SharedAddressRules(known=({"kind": "refuge", **entry},))
    found = listed_addresses(keys(record), rules)
    assert (found.to_dict() == {f"address:{record[0] or ''}|{record[1]}": "refuge"}) if hit else found.empty, description


def test_the_first_listed_entry_wins_and_a_listed_kind_beats_a_found_one() -> None:
    rules = SharedAddressRules(known=(
        {"kind": "refuge", "postcode": "AB1 2CD", "address": "1 MILL"},
        {"kind": "hostel", "postcode": "AB1 2CD"},
    ))
    people = residents("AB1 2CD|1 MILL", ["ADAMS", "BAKER", "CLARK", "DAVIS", "EVANS", "FOX"])
    found = shared_addresses(keys(("AB1 2CD", "1 MILL")), people, NO_RELATIONS, rules)
    assert found[["kind", "listed", "masked", "people"]].to_dict("records") == [{"kind": "refuge", "listed": True, "masked": True, "people": 6}]


CONFIG_ERRORS = [
    ("an entry without a postcode or an address", {"known": [{"kind": "refuge"}]}, ("shared_addresses", "known", 0)),
    ("an unknown kind", {"known": [{"kind": "palace", "postcode": "AB1 2CD"}]}, ("shared_addresses", "known", 0, "kind")),
    ("a typo in a setting", {"min_peple": 3}, ("shared_addresses", "min_peple")),
    ("a threshold below two", {"min_unrelated": 1}, ("shared_addresses", "min_unrelated")),
]


@pytest.mark.parametrize(("description", "block", "loc"), CONFIG_ERRORS, ids=[c[0] for c in CONFIG_ERRORS])
def test_config_errors_name_the_key(description, block, loc) -> None:
    with pytest.raises(ValidationError) as caught:
        FlagRules.model_validate({"shared_addresses": block})
    assert caught.value.errors()[0]["loc"] == loc, description


def test_defaults_list_no_fixed_abode_texts_and_mask_refuges() -> None:
    rules = FlagRules().shared_addresses
    assert {e.address for e in rules.known} >= {"NO FIXED ABODE", "NFA"}
    assert {e.kind for e in rules.known} == {AddressKind.NO_FIXED_ABODE}
    assert rules.masked_kinds == (AddressKind.REFUGE,) and rules.detect


# Households: refuges and hostels in the graph and the flag rules.

REFUGE, HOME = "7 MILL LANE", "12 ACACIA ROAD"


def refuge_frames() -> Frames:
    """Two DA victims (V1 with her child C1, and V2) recorded at one refuge, and X's child at home."""
    frames = Frames()
    frames.dob.update({"C1": day(-5 * 365), "C2": day(-3 * 365), "V1": day(-30 * 365), "V2": day(-28 * 365)})
    frames.da("P1", "V1", day(-200))
    frames.da("P2", "V2", day(-100))
    for person in ("V1", "C1", "V2"):
        frames.at(person, REFUGE, day(-150))
    return frames


def households(graph, person: str) -> set[str]:
    return {addr for addr, keyed in graph.succ[person].items() if EdgeKind.LIVES_AT in keyed}


def test_refuge_residents_are_not_one_household() -> None:
    """No lives_at edge to a shared address; its node says what it is; each record still gives the address."""
    frames = refuge_frames()
    plain = frames.graph()
    assert households(plain, "V1") == households(plain, "V2") == {node(REFUGE)}
    graph = build_graph(frames.people(), frames.events(), shared_addresses={node(REFUGE): "refuge"})
    assert households(graph, "V1") == households(graph, "V2") == set()
    assert graph.nodes[node(REFUGE)]["shared"] == "refuge" and graph.graph["shared_addresses"] == {node(REFUGE): "refuge"}
    addresses = {d["address"] for _, keyed in graph.succ["V2"].items() for d in keyed.values() if d["kind"] == EdgeKind.RECORD}
    assert node(REFUGE) in addresses


def child_flags(frames: Frames, shared: dict[str, str] | None) -> dict[str, tuple[str, ...]]:
    graph = build_graph(frames.people(), frames.events(), shared_addresses=shared)
    flags = run_flags(graph, FlagRules(as_of=AS_OF), [FlagCode.CHILD_IN_DA_HOUSEHOLD])
    return {f.person_ids[0]: f.person_ids for f in flags}


HOUSEHOLD_CASES = [
    ("unlisted refuge: the child 'lives with' another woman's abuse", None, {"C1": ("C1", "V1", "V2")}),
    ("listed refuge: the child lives with her mother only, by their social care episode",
     {node(REFUGE): "refuge"}, {"C1": ("C1", "V1")}),
]


@pytest.mark.parametrize(("description", "shared", "expected"), HOUSEHOLD_CASES, ids=[c[0] for c in HOUSEHOLD_CASES])
def test_a_refuge_co_resident_does_not_put_a_child_in_a_da_household(description, shared, expected) -> None:
    frames = refuge_frames()
    frames.episode(day(-120), {"V1": "parent", "C1": "child"})
    assert child_flags(frames, shared) == expected, description


def test_a_child_at_a_hostel_is_not_flagged_for_an_unrelated_resident() -> None:
    """C2 and her father (no DA) at a hostel where a DA perpetrator also stays: no flag when the hostel is shared."""
    frames = Frames()
    frames.dob.update({"C2": day(-3 * 365), "F": day(-35 * 365)})
    frames.da("X", "W", day(-60))
    for person in ("C2", "F", "X"):
        frames.at(person, "HOSTEL HOUSE", day(-30))
    assert child_flags(frames, None) == {"C2": ("C2", "X")}
    assert child_flags(frames, {node("HOSTEL HOUSE"): "hostel"}) == {}


def test_other_household_rules_ignore_a_shared_address() -> None:
    """Perpetrator joins a household and toxic trio see no household at a hostel."""
    frames = Frames()
    frames.dob.update({"C": day(-4 * 365), "M": day(-30 * 365), "X": day(-30 * 365)})
    frames.da("X", "W", day(-300))
    frames.at("C", "HOSTEL HOUSE", day(-200))
    frames.at("M", "HOSTEL HOUSE", day(-200), mental_health=True)
    frames.at("X", "HOSTEL HOUSE", day(-100), substance_misuse=True)
    codes = [FlagCode.PERPETRATOR_JOINS_HOUSEHOLD, FlagCode.TOXIC_TRIO]
    rules = FlagRules(as_of=AS_OF)
    plain = {f.code for f in run_flags(frames.graph(), rules, codes)}
    assert plain == set(codes)
    shared = build_graph(frames.people(), frames.events(), shared_addresses={node("HOSTEL HOUSE"): "hostel"})
    assert run_flags(shared, rules, codes) == []
