"""Error profiles (clean, default, harsh) and DA victims' missing police details."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from synth import PROFILES, ErrorRates, generate_extracts
from tests.synth.helpers import SEED, SMALL_N, Generated, load, pair_disagreement


@pytest.fixture(scope="session")
def by_profile(generated: Generated, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """The session's default set plus the same people and seed under clean and harsh."""
    out = {"default": generated}
    for name in ("clean", "harsh"):
        d = tmp_path_factory.mktemp(f"synth-{name}")
        out[name] = load(d, generate_extracts(SMALL_N, SEED, d, profile=name))
    return out


@pytest.mark.parametrize(
    ("name", "valid", "description"),
    [
        ("clean", True, "clean is a profile"),
        ("default", True, "default is a profile"),
        ("harsh", True, "harsh is a profile"),
        ("Harsh", False, "names are case-sensitive"),
        ("dirty", False, "an unknown name"),
        ("", False, "an empty name"),
    ],
)
def test_profile_names(name: str, valid: bool, description: str) -> None:
    if valid:
        assert isinstance(ErrorRates.for_profile(name), ErrorRates), description
        return
    with pytest.raises(ValueError, match="clean, default, harsh") as err:
        ErrorRates.for_profile(name)
    assert repr(name) in str(err.value), description


def test_unknown_profile_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown error profile 'dirty'"):
        generate_extracts(300, 1, tmp_path / "out", profile="dirty")
    assert not (tmp_path / "out").exists()


def test_default_profile_keeps_the_default_rates() -> None:
    assert list(PROFILES) == ["clean", "default", "harsh"]
    assert ErrorRates.for_profile("default") == ErrorRates()


def test_every_error_rate_ordered_clean_default_harsh() -> None:
    clean, default, harsh = (ErrorRates.for_profile(p).as_dict() for p in ("clean", "default", "harsh"))
    for source, rates in default.items():
        for field, rate in rates.items():
            if field == "phone_present":
                continue  # not an error
            assert clean[source][field] <= rate <= harsh[source][field], f"{source}.{field}"
    # Identifiers an agency never holds stay absent however clean the data.
    assert ErrorRates.clean().police.nhs_missing == 1.0


def _share_empty(source: str, column: str) -> Callable[[Generated], float]:
    return lambda g: float(g.extract(source)[column].isna().mean())


def _disagree(column: str) -> Callable[[Generated], float]:
    return lambda g: pair_disagreement(g)[column]


MEASURES = [
    (_share_empty("police", "DOB"), "police rows with no DOB"),
    (_share_empty("police", "Postcode"), "police rows with no postcode"),
    (_share_empty("social_care", "NHSNumber"), "social care rows with no NHS number"),
    (_share_empty("health", "NHSNumber"), "health rows with no NHS number"),
    (_disagree("surname"), "same-person record pairs whose surnames disagree"),
    (_disagree("forename"), "same-person record pairs whose forenames disagree"),
    (_disagree("dob"), "same-person record pairs whose DOBs disagree"),
]


@pytest.mark.parametrize(("measure", "description"), MEASURES, ids=[d for _, d in MEASURES])
def test_harsh_has_more_errors_than_default_and_default_than_clean(by_profile, measure, description: str) -> None:
    clean, default, harsh = (measure(by_profile[p]) for p in ("clean", "default", "harsh"))
    assert clean < default < harsh, f"{description}: clean {clean:.3f}, default {default:.3f}, harsh {harsh:.3f}"


def test_harsh_police_rates_near_their_settings(by_profile) -> None:
    pol = by_profile["harsh"].police
    assert 0.11 < pol["DOB"].isna().mean() < 0.18  # 12% plus DA victims' records
    assert 0.09 < pol["Postcode"].isna().mean() < 0.15  # 10% plus DA victims' records
    assert 0.035 < pol["DOB"].dropna().str.startswith("01/01/").mean() < 0.09


@pytest.mark.parametrize(
    ("profile", "column", "min_ratio", "description"),
    [
        ("harsh", "DOB", 1.6, "harsh: DA victims' police records lack DOB far more often"),
        ("harsh", "Postcode", 1.6, "harsh: DA victims' police records lack the postcode far more often"),
        ("default", "DOB", 1.2, "default: DA victims' police records lack DOB somewhat more often"),
    ],
)
def test_da_victims_police_records_lack_dob_and_postcode(by_profile, profile, column, min_ratio, description) -> None:
    pol = by_profile[profile].police
    victim = (pol["PersonRole"] == "VICTIM") & (pol["DAFlag"] == "Y")
    assert victim.sum() > 300
    on_victims, elsewhere = pol.loc[victim, column].isna().mean(), pol.loc[~victim, column].isna().mean()
    assert on_victims > min_ratio * elsewhere, f"{description}: {on_victims:.3f} vs {elsewhere:.3f}"


def test_victim_rates_only_for_police() -> None:
    for profile in PROFILES:
        r = ErrorRates.for_profile(profile)
        assert r.police.victim_dob_missing > 0 and r.police.victim_address_missing > 0, profile
        for other in (r.social_care, r.health):
            assert other.victim_dob_missing == other.victim_address_missing == 0, profile


@pytest.mark.parametrize(
    ("kwargs", "expected", "description"),
    [
        ({}, "default", "no profile named: default"),
        ({"profile": "clean"}, "clean", "clean recorded"),
        ({"profile": "harsh"}, "harsh", "harsh recorded"),
        ({"rates": ErrorRates.none()}, "custom", "explicit rates: custom"),
    ],
)
def test_manifest_records_profile_and_rates(tmp_path: Path, kwargs: dict, expected: str, description: str) -> None:
    generate_extracts(300, 3, tmp_path, **kwargs)
    manifest = json.loads((tmp_path / "truth" / "manifest.json").read_text())
    assert manifest["profile"] == expected, description
    rates = kwargs.get("rates") or ErrorRates.for_profile(expected)
    assert manifest["error_rates"] == rates.as_dict(), description


def _digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("profile", list(PROFILES), ids=lambda p: f"{p}: same seed and profile, same bytes")
def test_same_seed_same_profile_same_bytes(tmp_path: Path, profile: str) -> None:
    generate_extracts(3000, 11, tmp_path / "a", profile=profile)
    generate_extracts(3000, 11, tmp_path / "b", profile=profile)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_profiles_change_the_extracts_not_the_people(tmp_path: Path) -> None:
    digests = {}
    for profile in PROFILES:
        generate_extracts(3000, 11, tmp_path / profile, profile=profile)
        digests[profile] = _digests(tmp_path / profile)
    for name in ("police.csv", "social_care.csv", "health.parquet"):
        assert len({d[name] for d in digests.values()}) == 3, name
    people = [pd.read_csv(tmp_path / p / "truth" / "people.csv", dtype=str) for p in PROFILES]
    assert all(people[0].equals(p) for p in people[1:]), "the same seed gives the same people under every profile"
