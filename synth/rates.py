"""Error rates applied when rendering a person onto an agency record.

Each rate is a per-record probability. Police data is the least accurate (names taken at
the roadside, DOBs guessed or defaulted), health the most (NHS number almost always
present, names from the Spine). The defaults are tuned so that, across all records of
the same person, surname disagrees in roughly 18% of record pairs and forename in
roughly 12% (published UK figures, see DOMAIN.md).

Three named profiles (:data:`PROFILES`, :meth:`ErrorRates.for_profile`) set how bad the
data is: ``clean`` (about a quarter of the default errors), ``default`` (the figures
above) and ``harsh`` (police data on a bad day), so that linkage is also measured on data
dirtier than the data it was tuned on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

__all__ = ["PROFILES", "AgencyErrorRates", "ErrorRates"]


@dataclass(frozen=True)
class AgencyErrorRates:
    """Per-record error probabilities for one agency."""

    forename_typo: float = 0.02
    """Forename has one substitution, transposition, deletion or doubled letter."""
    surname_typo: float = 0.02
    """Surname has one typo (including Mc/Mac respellings)."""
    nickname: float = 0.03
    """Forename recorded as a nickname (Bob for Robert) when one exists."""
    name_swap: float = 0.01
    """Forename and surname recorded the wrong way round."""
    middle_dropped: float = 0.4
    """Middle name left off (not an error for linkage, but changes the forename field)."""
    double_barrel_cut: float = 0.3
    """A double-barrelled surname recorded as one half (applies to those surnames only)."""
    stale_surname: float = 0.3
    """Previous (e.g. maiden) surname still used after a name change."""
    dob_missing: float = 0.02
    """Date of birth left empty."""
    dob_default: float = 0.01
    """Date of birth recorded as 01/01 of the true year."""
    dob_placeholder: float = 0.002
    """Date of birth recorded as 01/01/1900."""
    dob_day_month_swap: float = 0.01
    """Day and month transposed (only when the day is 12 or less)."""
    dob_typo: float = 0.01
    """Day of birth off by one digit."""
    sex_unknown: float = 0.01
    """Sex recorded as unknown / not specified."""
    placeholder_name: float = 0.002
    """Name recorded as UNKNOWN."""
    stale_address: float = 0.2
    """Old address used after the person moved (movers only)."""
    address_missing: float = 0.02
    """Address and postcode left empty."""
    nhs_missing: float = 0.4
    """NHS number absent (social care and health only)."""
    nhs_wrong_digit: float = 0.01
    """One digit of the NHS number wrong."""
    alias_use: float = 0.0
    """Record made under the person's alias (only people who have one)."""
    pnc_wrong_check: float = 0.0
    """PNC ID written with a wrong check letter (police only)."""
    phone_present: float = 0.5
    """Phone number recorded."""
    victim_dob_missing: float = 0.0
    """Extra chance a DA victim's police record (role victim) has no DOB: taken in crisis, or withheld."""
    victim_address_missing: float = 0.0
    """Extra chance a DA victim's police record has no address: fled, in a refuge, or withheld for safety."""


def _police() -> AgencyErrorRates:
    return AgencyErrorRates(
        forename_typo=0.04, surname_typo=0.06, nickname=0.06, name_swap=0.02,
        middle_dropped=0.5, double_barrel_cut=0.45, stale_surname=0.5,
        dob_missing=0.06, dob_default=0.03, dob_placeholder=0.004,
        dob_day_month_swap=0.02, dob_typo=0.015, sex_unknown=0.02,
        placeholder_name=0.004, stale_address=0.35, address_missing=0.05,
        nhs_missing=1.0, nhs_wrong_digit=0.0, alias_use=0.35,
        pnc_wrong_check=0.03, phone_present=0.35,
        victim_dob_missing=0.04, victim_address_missing=0.04,
    )


def _social_care() -> AgencyErrorRates:
    return AgencyErrorRates(
        forename_typo=0.025, surname_typo=0.04, nickname=0.04, name_swap=0.01,
        middle_dropped=0.35, double_barrel_cut=0.3, stale_surname=0.35,
        dob_missing=0.01, dob_default=0.005, dob_placeholder=0.001,
        dob_day_month_swap=0.01, dob_typo=0.01, sex_unknown=0.01,
        placeholder_name=0.001, stale_address=0.2, address_missing=0.02,
        nhs_missing=0.4, nhs_wrong_digit=0.02, alias_use=0.0,
        pnc_wrong_check=0.0, phone_present=0.55,
    )


def _health() -> AgencyErrorRates:
    return AgencyErrorRates(
        forename_typo=0.01, surname_typo=0.02, nickname=0.01, name_swap=0.003,
        middle_dropped=0.6, double_barrel_cut=0.15, stale_surname=0.2,
        dob_missing=0.002, dob_default=0.001, dob_placeholder=0.0005,
        dob_day_month_swap=0.003, dob_typo=0.003, sex_unknown=0.005,
        placeholder_name=0.0005, stale_address=0.4, address_missing=0.01,
        nhs_missing=0.05, nhs_wrong_digit=0.005, alias_use=0.0,
        pnc_wrong_check=0.0, phone_present=0.0,
    )


def _police_harsh() -> AgencyErrorRates:
    """Police on a bad day: about twice the default name errors, many more missing DOBs and addresses."""
    return AgencyErrorRates(
        forename_typo=0.08, surname_typo=0.12, nickname=0.12, name_swap=0.04,
        middle_dropped=0.8, double_barrel_cut=0.6, stale_surname=0.65,
        dob_missing=0.12, dob_default=0.05, dob_placeholder=0.008,
        dob_day_month_swap=0.03, dob_typo=0.025, sex_unknown=0.03,
        placeholder_name=0.008, stale_address=0.45, address_missing=0.10,
        nhs_missing=1.0, nhs_wrong_digit=0.0, alias_use=0.4,
        pnc_wrong_check=0.05, phone_present=0.3,
        victim_dob_missing=0.15, victim_address_missing=0.12,
    )


def _social_care_harsh() -> AgencyErrorRates:
    """Social care under pressure: about twice the default name errors, NHS number on half the records."""
    return AgencyErrorRates(
        forename_typo=0.05, surname_typo=0.08, nickname=0.08, name_swap=0.02,
        middle_dropped=0.6, double_barrel_cut=0.45, stale_surname=0.5,
        dob_missing=0.03, dob_default=0.015, dob_placeholder=0.003,
        dob_day_month_swap=0.02, dob_typo=0.02, sex_unknown=0.02,
        placeholder_name=0.003, stale_address=0.3, address_missing=0.05,
        nhs_missing=0.5, nhs_wrong_digit=0.03, alias_use=0.0,
        pnc_wrong_check=0.0, phone_present=0.5,
    )


def _health_harsh() -> AgencyErrorRates:
    """Health stays the best source but slips: NHS number missing on a tenth, GP addresses staler."""
    return AgencyErrorRates(
        forename_typo=0.02, surname_typo=0.03, nickname=0.02, name_swap=0.006,
        middle_dropped=0.6, double_barrel_cut=0.2, stale_surname=0.3,
        dob_missing=0.005, dob_default=0.002, dob_placeholder=0.001,
        dob_day_month_swap=0.006, dob_typo=0.006, sex_unknown=0.01,
        placeholder_name=0.001, stale_address=0.5, address_missing=0.02,
        nhs_missing=0.10, nhs_wrong_digit=0.01, alias_use=0.0,
        pnc_wrong_check=0.0, phone_present=0.0,
    )


#: Not scaled in the clean profile: what a person does (alias) or what an agency does not
#: collect (phone) is not a recording error.
_NOT_ERRORS = ("alias_use", "phone_present")


def _scaled(r: AgencyErrorRates, factor: float) -> AgencyErrorRates:
    """``r`` with every error rate times ``factor``; an identifier an agency never holds stays absent."""
    changes = {
        f.name: round(getattr(r, f.name) * factor, 6)
        for f in fields(AgencyErrorRates)
        if f.name not in _NOT_ERRORS and not (f.name == "nhs_missing" and r.nhs_missing >= 1.0)
    }
    return replace(r, **changes)


@dataclass(frozen=True)
class ErrorRates:
    """Error rates for the three agencies (police worst, health best)."""

    police: AgencyErrorRates = field(default_factory=_police)
    """Police: names taken in the street, defaulted DOBs, aliases, stale addresses."""
    social_care: AgencyErrorRates = field(default_factory=_social_care)
    """Children's social care: NHS number on ~60% of records, some name variants."""
    health: AgencyErrorRates = field(default_factory=_health)
    """Health: NHS number on ~95% of records; GP postcode often not updated after a move."""

    @classmethod
    def none(cls) -> ErrorRates:
        """Rates that render every record exactly as the truth at the record's date.

        Identifiers are still omitted where an agency would not hold them, and movers
        still show their old address on records dated before the move.
        """
        zero = {f.name: 0.0 for f in fields(AgencyErrorRates)}
        clean = AgencyErrorRates(**zero)
        return cls(
            police=replace(clean, nhs_missing=1.0, phone_present=0.35),
            social_care=replace(clean, phone_present=0.55),
            health=clean,
        )

    @classmethod
    def clean(cls) -> ErrorRates:
        """A quarter of the default errors: well-kept data, to see how much of the default's misses are the data's."""
        d = cls()
        return cls(police=_scaled(d.police, 0.25), social_care=_scaled(d.social_care, 0.25), health=_scaled(d.health, 0.25))

    @classmethod
    def default(cls) -> ErrorRates:
        """The rates the linkage was tuned on (surname disagrees in ~18% of same-person record pairs)."""
        return cls()

    @classmethod
    def harsh(cls) -> ErrorRates:
        """Real police data on a bad day: about twice the name errors, DOB missing on 12% and address on 10%."""
        return cls(police=_police_harsh(), social_care=_social_care_harsh(), health=_health_harsh())

    @classmethod
    def for_profile(cls, name: str) -> ErrorRates:
        """The rates of the named profile (``clean``, ``default`` or ``harsh``).

        Raises:
            ValueError: ``name`` is not a profile; the message names the valid ones.
        """
        try:
            return PROFILES[name]()
        except KeyError:
            raise ValueError(f"unknown error profile {name!r}: choose one of {', '.join(PROFILES)}") from None

    def for_source(self, source: str) -> AgencyErrorRates:
        """The rates for ``source`` (``police``, ``social_care`` or ``health``)."""
        return getattr(self, source)

    def as_dict(self) -> dict[str, dict[str, float]]:
        """Plain nested dict, for the manifest."""
        return asdict(self)


#: Named error profiles, mildest first: name -> constructor.
PROFILES = {"clean": ErrorRates.clean, "default": ErrorRates.default, "harsh": ErrorRates.harsh}
