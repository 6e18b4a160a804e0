"""Thresholds and weights for the flag rules, loaded from ``configs/flags.yaml``.

Defaults are the rules in DOMAIN.md; every area sets its own, so none is hard-coded
in a rule.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graph.codes import AddressKind, FlagCode
from graph.config_children import EncompassRules, UnseenMenRules

def default_severity() -> dict[FlagCode, int]:
    """Each flag's default queue ranking, from its :class:`graph.flags.specs.FlagSpec`."""
    # Imported here: the specs import the rules, which import this module for FlagRules.
    from graph.flags.specs import FLAG_SPECS

    return {code: spec.severity for code, spec in FLAG_SPECS.items()}


#: Offence gravity by a substring of the police event type (first match wins).
DEFAULT_GRAVITY: dict[str, int] = {
    "Assault": 3,
    "Coercive Control": 3,
    "Harassment": 2,
    "Criminal Damage": 1,
}


#: Address texts that say there is no address: shared by every person recorded with one.
DEFAULT_NO_ADDRESS = ("NO FIXED ABODE", "NO FIXED ADDRESS", "NFA", "HOMELESS", "NOT KNOWN", "UNKNOWN", "ADDRESS UNKNOWN")


def standard_address(text: str) -> str:
    """An address as the standardise step writes it: upper case, punctuation to spaces, one space between words."""
    return re.sub(r"[^A-Z0-9]+", " ", text.upper()).strip()


def standard_postcode(text: str) -> str:
    """A UK postcode upper-cased with one space before the inward code (``se154qr`` -> ``SE15 4QR``)."""
    compact = re.sub(r"[^A-Z0-9]", "", text.upper())
    return f"{compact[:-3]} {compact[-3:]}" if 5 <= len(compact) <= 7 else compact


class KnownAddress(BaseModel):
    """One listed shared or generic address: a refuge, hostel, custody suite, hospital or council office."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: AddressKind = Field(
        description="What the place is: refuge, hostel, custody, hospital, council, no_fixed_abode or other."
    )
    postcode: str | None = Field(
        default=None, description="Its postcode; a record matches only with this postcode (any spacing or case)."
    )
    address: str | None = Field(
        default=None,
        description=(
            "Its address text, as the start of a record's address (whole words, case and punctuation ignored): "
            "'1 Mill Lane' matches '1 MILL LANE NORTHTOWN', not '11 MILL LANE'. Without it, the whole postcode is the place."
        ),
    )

    @field_validator("postcode", mode="after")
    @classmethod
    def _postcode(cls, value: str | None) -> str | None:
        # Written in the records' standard form once, so matching is plain comparison.
        return standard_postcode(value) or None if value is not None else None

    @field_validator("address", mode="after")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return standard_address(value) or None if value is not None else None

    @model_validator(mode="after")
    def _located(self) -> KnownAddress:
        if self.postcode is None and self.address is None:
            raise ValueError("give a postcode, an address or both")
        return self


class SharedAddressRules(BaseModel):
    """Which addresses are shared by unrelated people, so they make no household."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    known: tuple[KnownAddress, ...] = Field(
        default=tuple(KnownAddress(kind=AddressKind.NO_FIXED_ABODE, address=a) for a in DEFAULT_NO_ADDRESS),
        description="Listed shared addresses (refuges, hostels, custody suites, hospitals, council offices, 'no fixed abode' texts).",
    )
    detect: bool = Field(
        default=True, description="Also find shared addresses from the data: many people not related by surname or family."
    )
    min_people: int = Field(
        default=6, ge=2, description="Found from the data: distinct resolved people at one dwelling needed."
    )
    min_unrelated: int = Field(
        default=4,
        ge=2,
        description=(
            "Found from the data: groups of people there needed, where a group is people joined by a shared surname "
            "(any part of a double-barrelled one) or a family link (one social care episode, a DA suspect and victim)."
        ),
    )
    window_days: int | None = Field(
        default=None,
        ge=1,
        description="Found from the data: count only records dated this many days or fewer before as_of; null: every record.",
    )
    masked_kinds: tuple[AddressKind, ...] = Field(
        default=(AddressKind.REFUGE,),
        description="Listed kinds whose address is withheld from users whose role lacks the 'see_refuge_address' permission.",
    )


class FlagRules(BaseModel):
    """Every threshold, window and weight the flag rules use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date | None = Field(
        default=None,
        description="Date the flags are computed at; None means the latest event date in the data.",
    )
    serial_min_victims: int = Field(
        default=2, ge=1, description="Serial perpetrator: distinct DA victims needed (MATAC: 2)."
    )
    serial_window_years: int = Field(
        default=3, ge=1, description="Serial perpetrator: years before as_of that count (MATAC: 3)."
    )
    serial_same_dob_is_one_victim: bool = Field(
        default=True,
        description=(
            "Serial perpetrator: count a perpetrator's victims who share a known DOB and do not "
            "conflict on sex as one victim (a split the linker missed), so a split alone cannot make a serial."
        ),
    )
    serial_same_home_is_one_victim: bool = Field(
        default=True,
        description=(
            "Serial perpetrator: count two of a perpetrator's victims as one victim when one has no known DOB, "
            "a forename agrees (one keystroke or swapped order allowed, so a surname recorded in the forename "
            "field counts) and both were recorded living at one postcode (refuges and hostels excluded): a "
            "victim's police record under a changed surname, at her home, is a split, not a second partner."
        ),
    )
    serial_same_name_is_one_victim: bool = Field(
        default=True,
        description=(
            "Serial perpetrator: count a perpetrator's victims whose recorded names agree (a nickname, one "
            "typo or swapped order allowed; any name the person was recorded under) and whose DOBs agree, "
            "one is unknown, or they differ by one digit, a day/month swap or a 1 January default, as one "
            "victim, so a victim record the linker left split cannot make a serial."
        ),
    )
    repeat_perpetrator_min_incidents: int = Field(
        default=2, ge=1, description="Repeat perpetrator: DA incidents as suspect within the RFG lookback."
    )
    repeat_victim_min_incidents: int = Field(
        default=3, ge=1, description="Repeat victim: DA incidents as victim within one window."
    )
    repeat_victim_window_days: int = Field(
        default=365, ge=1, description="Repeat victim: length of the sliding window, inclusive."
    )
    victim_agencies: tuple[str, ...] = Field(
        default=("police", "health"),
        description="Agencies whose DA records count as incidents against a victim (police victim, health patient).",
    )
    same_incident_days: int = Field(
        default=2,
        ge=0,
        description=(
            "A non-police DA record (e.g. an ED attendance) this many days or fewer from one of the "
            "victim's incidents is that incident, not a new one (0: same day only)."
        ),
    )
    escalation_min_incidents: int = Field(
        default=3, ge=1, description="MARAC escalation: DA incidents in the window ending at as_of."
    )
    escalation_window_days: int = Field(
        default=365, ge=1, description="MARAC escalation: window ending at as_of (some areas use 182)."
    )
    marac_lookback_days: int = Field(
        default=365, ge=1, description="MARAC high risk / repeat: only incidents this recent (before as_of) trigger."
    )
    repeat_marac_window_days: int = Field(
        default=365, ge=1, description="Repeat MARAC: a new incident this many days or fewer after a HIGH one."
    )
    pregnancy_window_days: int = Field(
        default=270, ge=1, description="Pregnancy and DA: maternity record this many days or fewer from a DA incident."
    )
    household_overlap_days: int = Field(
        default=365,
        ge=0,
        description=(
            "Households: two people at one address live together if their first-to-last seen "
            "periods there are this many days or fewer apart."
        ),
    )
    shared_addresses: SharedAddressRules = Field(
        default_factory=SharedAddressRules,
        description="Shared and generic addresses (refuges, hostels, custody, 'no fixed abode'): no household forms there.",
    )
    child_plan_types: tuple[str, ...] = Field(
        default=("cp_plan", "cin"),
        description="Child in a DA household: social care plans (on the child's latest episode) that raise severity.",
    )
    child_plan_severity_bonus: int = Field(
        default=1, ge=0, description="Child in a DA household: severity added when the child is on one of child_plan_types."
    )
    no_social_care_severity_bonus: int = Field(
        default=1,
        ge=0,
        description="Child in a DA household: severity added when social care has no record of the child at all.",
    )
    child_at_da_incident: EncompassRules = Field(
        default_factory=EncompassRules,
        description="Child present at a DA incident (Operation Encompass): window, roles and agencies.",
    )
    unseen_men: UnseenMenRules = Field(
        default_factory=UnseenMenRules,
        description="Unseen men: window, the child's plans and the offences that count as violence.",
    )
    joins_lookback_days: int = Field(
        default=365,
        ge=1,
        description="Perpetrator joins a household: the perpetrator is first seen there this many days or fewer before as_of.",
    )
    toxic_trio_window_years: int = Field(
        default=3,
        ge=1,
        description="Toxic trio: DA, mental-health and substance-misuse records count this many years before as_of.",
    )
    maternity_services: tuple[str, ...] = Field(
        default=("Maternity",), description="Pregnancy and DA: health services whose records are maternity records."
    )
    mental_health_services: tuple[str, ...] = Field(
        default=("Mental Health",),
        description="Toxic trio: services whose records show mental-health involvement (besides the record's marker).",
    )
    substance_misuse_services: tuple[str, ...] = Field(
        default=("Substance Misuse",),
        description="Toxic trio: services whose records show substance-misuse involvement (besides the record's marker).",
    )
    rfg_weight_recency: float = Field(default=4.0, ge=0, description="RFG(V): weight of recency (0..1).")
    rfg_weight_frequency: float = Field(default=1.0, ge=0, description="RFG(V): weight per incident.")
    rfg_weight_gravity: float = Field(default=1.0, ge=0, description="RFG(V): weight per gravity point.")
    rfg_weight_victims: float = Field(default=2.0, ge=0, description="RFG(V): weight per distinct victim.")
    lookback_years: int = Field(default=2, ge=1, description="RFG(V) and repeat perpetrator: years before as_of.")
    offence_gravity: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_GRAVITY),
        description="Gravity by substring of the offence type; first match in this order wins.",
    )
    default_gravity: int = Field(default=1, ge=0, description="Gravity of an offence that matches no entry.")
    # SPECSS+ profile of each DA victim (graph/flags/specss.py).
    specss_window_days: int = Field(
        default=365,
        ge=1,
        description=(
            "SPECSS+ profile: DA victims with an incident this many days or fewer before as_of are profiled; "
            "each factor reads records in this window."
        ),
    )
    specss_escalation_days: int = Field(
        default=182,
        ge=1,
        description=(
            "SPECSS+ escalation: incidents in this many days to as_of against those earlier in the window; more of "
            "them, a graver offence or a higher DASH is escalation. Shorter than specss_window_days."
        ),
    )
    specss_new_baby_days: int = Field(
        default=365,
        ge=0,
        description=(
            "SPECSS+ pregnancy or new baby: a child born this many days or fewer before one of the victim's incidents, "
            "living at her address or on a social care episode with her (a maternity record uses pregnancy_window_days)."
        ),
    )
    specss_stalking_terms: tuple[str, ...] = Field(
        default=("Stalking", "Harassment"),
        description="SPECSS+ stalking and harassment: words in the offence category or presenting complaint of the victim's records.",
    )
    specss_sexual_terms: tuple[str, ...] = Field(
        default=("Sexual", "Rape"),
        description="SPECSS+ sexual assault: words in the offence category or presenting complaint of the victim's records.",
    )
    specss_min_factors: int = Field(
        default=1, ge=1, description="SPECSS+ profile: factors present needed to raise the flag."
    )
    specss_high_factors: int = Field(
        default=3, ge=1, description="SPECSS+ profile: factors present from which specss_severity_bonus is added."
    )
    specss_severity_bonus: int = Field(
        default=1, ge=0, description="SPECSS+ profile: severity added with specss_high_factors or more factors."
    )
    # Dangerous places (graph/flags/places.py).
    dangerous_place_window_years: int = Field(
        default=5, ge=1, description="Dangerous places: DA incidents at the address this many years before as_of count."
    )
    dangerous_place_min_incidents: int = Field(
        default=3, ge=2, description="Dangerous places: DA incidents recorded at one dwelling needed."
    )
    dangerous_place_min_households: int = Field(
        default=2,
        ge=2,
        description=(
            "Dangerous places: different households among them needed (people not on one incident or social care "
            "episode, whose DA incidents there are more than household_overlap_days apart)."
        ),
    )
    severity: dict[FlagCode, int] = Field(
        default_factory=default_severity,
        description="Queue ranking per flag, higher first; codes left out keep their default.",
    )

    @model_validator(mode="after")
    def _specss_escalation_inside_window(self) -> FlagRules:
        if self.specss_escalation_days >= self.specss_window_days:
            raise ValueError("specss_escalation_days must be shorter than specss_window_days")
        return self

    @field_validator("severity", mode="after")
    @classmethod
    def _fill_severity(cls, value: dict[FlagCode, int]) -> dict[FlagCode, int]:
        # A YAML file that re-ranks one flag should not unrank the others.
        return {**default_severity(), **value}

    def gravity(self, offence: str | None) -> int:
        """Gravity of one offence type from :attr:`offence_gravity`.

        Args:
            offence: The event type, e.g. ``"Domestic Abuse - Assault"``.

        Returns:
            The first matching gravity, else :attr:`default_gravity`.
        """
        text = offence or ""
        for needle, points in self.offence_gravity.items():
            if needle.lower() in text.lower():
                return points
        return self.default_gravity
