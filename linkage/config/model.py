"""The linkage model config: comparisons, blocking, training, thresholds, constraints."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from linkage.codes import Agency

#: Columns of the canonical records that blocking rules may name.
BLOCKABLE_COLUMNS = frozenset({
    "forename", "surname", "forename_canonical", "forename_soundex", "surname_soundex",
    "dob", "birth_year", "birth_month_day", "sex", "nhs_number", "pnc_id", "postcode", "postcode_outward",
    "partner_pnc", "partner_first", "partner_last", "partner_name",
})


#: Names an extra identifier may not take: the canonical person columns and those derived from them.
RESERVED_IDENTIFIER_NAMES = BLOCKABLE_COLUMNS | {
    "unique_id", "source", "agency", "record_id", "source_row", "full_name", "forenames", "middle_names",
    "surname_parts", "forename_groups", "address", "phone", "identifiers", "event_day", "partner",
}
#: How an identifier's name is written (it names a model column, ``id_<name>``).
IDENTIFIER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Identifier(BaseModel):
    """An identifier besides NHS number and PNC ID (a local client number, FEBRL's ``soc_sec_id``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str | None = Field(
        default=None, min_length=1, description="Shown in charts and explanations; by default the identifier's name."
    )
    different_values: Literal["two_people", "evidence"] = Field(
        default="evidence",
        description="'two_people': two records with different values are two people (a constraint, like "
        "different NHS numbers), unless the values are one keystroke apart; 'evidence': the difference "
        "only weighs against a match, as the model learns it.",
    )
    same_value: Literal["same_person", "evidence"] = Field(
        default="evidence",
        description="'same_person': one value is never given to two people (a person's own number, as FEBRL's "
        "soc_sec_id), so two records that share it are one person whose other fields were miskeyed: forenames "
        "that differ outright are not twins (lifts forenames_must_agree) and DOBs years apart are a keying "
        "error (lifts max_dob_year_gap for that merge). 'evidence': agreement only weighs for a match, as the "
        "model learns it (a number a household shares, such as a phone or a case number). A 'two_people' "
        "identifier's agreement lifts the forename rule either way, as an NHS number's does.",
    )
    check: Literal["none", "nhs", "pnc", "luhn"] = Field(
        default="none",
        description="A check the values must pass, else they are nulled with a note: 'nhs' (10 digits, mod 11 check "
        "digit, as NHS numbers), 'pnc' (YY/NNNNNNNL with the mod 23 check letter, as PNC IDs, and written so), "
        "'luhn' (digits whose Luhn check digit is right: many card and client numbers), 'none'.",
    )
    typo_level: bool = Field(
        default=True,
        description="Compare values one keystroke apart (Damerau-Levenshtein distance 1: one character "
        "added, dropped, changed or two swapped) as a level of their own: evidence, never a veto.",
    )


class Thresholds(BaseModel):
    """Match-probability bands."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    link: float = Field(default=0.95, gt=0, lt=1, description="Auto-link pairs at or above this match probability.")
    review: float = Field(
        default=0.8,
        gt=0,
        lt=1,
        description="Pairs from here up to 'link' go to clerical review. At 0.8 about half of them are true "
        "matches on the generator's data (0.5-0.6: one in ten); see docs/linkage.md.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review >= self.link:
            raise ValueError("'review' must be below 'link'")
        return self


class Training(BaseModel):
    """How the Fellegi-Sunter parameters are estimated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    deterministic_rules: tuple[tuple[str, ...], ...] = Field(
        default=(("nhs_number",), ("pnc_id",), ("forename", "surname", "dob")),
        description="Rules taken as near-certain matches, to estimate the prior (lambda).",
    )
    prior: Literal["candidates", "deterministic"] = Field(
        default="candidates",
        description="How the chance two random records match is set. 'candidates': the trained model scores the "
        "pairs the blocking rules form and the prior is the one at which their expected matches, over all pairs, "
        "equal it (as EM would settle with m and u held); the deterministic rules only give it a start. "
        "'deterministic': the pairs the deterministic rules find over deterministic_recall.",
    )
    prior_sample_records: int | None = Field(
        default=200_000,
        ge=1_000,
        description="With prior 'candidates', above this many records the candidate pairs are scored among a random "
        "share of the model input's rows (identity profiles) holding about this many records, drawn with "
        "training.seed, and their counts scaled up to all rows: a second prediction over every pair would double "
        "training on large populations. null: score them all.",
    )
    deterministic_recall: float | Literal["estimate"] = Field(
        default=0.6,
        description="Share of true matches the deterministic rules are thought to find (0 to 1), or 'estimate': "
        "from the trained model, the chance a match has every column of a rule filled on both sides and exactly "
        "equal (for data whose duplicates rarely agree exactly, where an assumed share collapses the prior).",
    )
    recall_check_factor: float | None = Field(
        default=5.0,
        gt=1,
        description="When the deterministic_recall share given is more than this factor away from the trained "
        "model's own estimate of it, the estimate is used instead and the run says so (on RLdata10000 the assumed "
        "0.6 was 120 times the estimate and put the prior that far off). null: always use the share given.",
    )
    u_max_pairs: int = Field(
        default=1_000_000,
        ge=10_000,
        description="Random pairs counted to estimate u: every record is hashed (with training.seed) into buckets "
        "sized so that pairs within them number about this many (linkage/resolve/u_sampling.py). With every record "
        "taking part, 1,000,000 such pairs gave u closer between seeds than Splink's 2,000,000 pairs among 2,000 "
        "sampled records (worst level 1.17x against 1.45x apart over five seeds, 20,000 people); more pairs, "
        "closer u, longer training.",
    )
    em_blocking_rules: tuple[tuple[str, ...], ...] = Field(
        default=(("dob",), ("forename_canonical", "surname")),
        description="One EM pass per rule; each pass estimates m for the comparisons it does not block on.",
    )
    em_max_pairs: int | None = Field(
        default=1_000_000,
        ge=10_000,
        description="Each EM pass samples about this many blocked pairs (deterministically); null uses them "
        "all. Bounds training time and memory on large populations (1M people: 3M pairs trained in 37 s, 1M "
        "in 15 s with the same F1 and review band; docs/linkage.md).",
    )
    seed: int = Field(default=42, description="Seed for u sampling, so retraining on the same data is repeatable.")
    min_level_m: float = Field(
        default=0.001,
        ge=0,
        le=0.01,
        description="Floor on a comparison level's m after training: EM leaves a level it hardly sees (a year "
        "typo in a DOB, on data with none) near zero, which makes that known error mode strong evidence against "
        "a match. Raised levels are logged; the comparison's other m values shrink to keep the sum 1. 0: no floor.",
    )
    exact_never_weaker: bool = Field(
        default=True,
        description="After training, an exact agreement is never weaker evidence than a partial one of the same "
        "field (a close spelling, a DOB a keystroke or a year off): where EM made it so, the exact level's m is "
        "raised until its weight equals the strongest partial level's (the others shrink to keep the sum 1). EM "
        "estimates a field's m from pairs blocked on other fields; when errors are not independent (one error "
        "per duplicate, as in RLdata10000) those pairs are the ones whose error is in this field. Logged.",
    )

    @field_validator("deterministic_recall")
    @classmethod
    def _recall_range(cls, recall: float | str) -> float | str:
        if recall != "estimate" and not 0 < recall <= 1:
            raise ValueError("give a share above 0 and at most 1, or 'estimate'")
        return recall

    @field_validator("deterministic_rules", "em_blocking_rules")
    @classmethod
    def _rule_columns(cls, rules: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        return _check_rules(rules)


class Constraints(BaseModel):
    """Hard rules: records that may never be one person, whatever their score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    different_nhs_numbers: bool = Field(default=True, description="Two different valid NHS numbers are two people.")
    different_pnc_ids: bool = Field(default=True, description="Two different valid PNC IDs are two people.")
    max_dob_year_gap: int | None = Field(
        default=1,
        ge=0,
        description="DOBs more than this many years apart are two people (null: no limit). "
        "1 allows a year typo; a day/month swap never changes the year.",
    )
    dob_typo_is_evidence: bool = Field(
        default=True,
        description="DOBs further apart than max_dob_year_gap but one keystroke apart (one digit changed, or two "
        "adjacent digits swapped, in YYYYMMDD: 1985 keyed as 1958) are not kept apart: the model weighs the typo.",
    )
    ambiguity_margin: float = Field(
        default=4.0,
        ge=0,
        description="A record with no deciding identifier that matches two clusters which cannot be one "
        "person, within this many match-weight units (log2 odds) of each other, is left unlinked for review.",
    )
    undated_generation_gap: int | None = Field(
        default=12,
        ge=0,
        description="Where two people of one name (forename, sound of the surname) at one postcode hold DOBs "
        "more than this many years apart (a father and son of one name), a record there with no DOB, NHS number "
        "or PNC ID cannot say which it is: it is left unlinked for review (null: off).",
    )
    address_needs_identifier: bool = Field(
        default=True,
        description="Join two clusters that each hold a record from a registration agency, in different postcode "
        "areas, only through a pair on which an NHS number or PNC ID agrees; otherwise send the pair to review "
        "(two GP registrations in two towns under one name and DOB are usually namesakes).",
    )
    place_needs_history: bool = Field(
        default=False,
        description="Join two clusters whose records put the person in different postcode areas over the same "
        "period (one home at a time) only through a pair on which an NHS number or PNC ID agrees; otherwise "
        "send the pair to review. One move between areas is not such a conflict. Off by default: where old "
        "addresses linger on records for years after a move (the generator's default), it sent more movers "
        "than namesakes to review (see docs/linkage.md).",
    )
    move_grace_days: int = Field(
        default=90,
        ge=0,
        description="Two clusters' dated place histories may overlap by this many days and still be one "
        "person who moved (an old address given for a while after a move).",
    )
    registration_agencies: tuple[Agency, ...] = Field(
        default=(Agency.HEALTH,),
        description="Agencies whose address is a registration (one at a time per person, e.g. GP), for the rule above.",
    )
    forenames_keep_apart: bool = Field(
        default=True,
        description="Two records kept from auto-linking by forenames_must_agree are not put in one person through "
        "a record with no forename either (a health record with no forename scoring well against both twins), "
        "unless an identifier agrees on the joining pair; such a record that matches both sides nearly equally "
        "is left unlinked for review.",
    )
    forenames_must_agree: bool = Field(
        default=True,
        description="Never auto-link a pair whose forenames disagree outright unless an NHS number or PNC ID "
        "matches: twins share surname, DOB and address; such pairs go to review.",
    )
    middle_names_must_agree: bool = Field(
        default=True,
        description="Two records whose middle names disagree outright (each has one of two or more letters and no "
        "middle name of one is within one keystroke of the other's, nor the other's forename) are two people "
        "unless an NHS number or PNC ID agrees: never auto-linked, nor joined through other records. An "
        "initial or a missing middle name says nothing. Fathers and sons and twins often differ only there.",
    )
    distinct_forename_share: float | None = Field(
        default=0.0003,
        gt=0,
        lt=1,
        description="With forenames_must_agree, two forenames that only look or sound alike (OLIVER and OLIVIA, "
        "GEORGE and GEORGIA: Jaro-Winkler 0.8-0.92 or the same Soundex, not a known nickname) also disagree "
        "outright when each is an established name: held by at least this share of the records that have a "
        "forename (default 1 in 3,333; a keying error of even the commonest name is far rarer, and is what the "
        "look-alike levels exist for). Twins share surname, DOB and address. Null: off.",
    )
    people_addresses_settle_review: bool = Field(
        default=True,
        description="A pair in the review band one of whose records has no postcode (so it was scored without one), "
        "between two people who each hold postcodes and share no postcode area, is weighed with the model's own "
        "postcode-disagreement weight; if that puts it below the review threshold it is 'distinct' (with the "
        "reason), not reviewed. Only demotes; pairs whose postcodes were compared stay as scored.",
    )
    coparticipant_settles_review: bool = Field(
        default=True,
        description="Two people recorded in the same role with the same other party in DA incidents (the same "
        "perpetrator's victim) who share no postcode area, and whose records score at least the review "
        "threshold, are one person: their pair is linked, not reviewed, and the two-towns registration and place "
        "rules yield to it as to an NHS number. Hard rules (identifiers, DOBs, forenames, middle names, analysts' "
        "rejections) still keep them apart. People who share an area (siblings abused by one parent) are left "
        "as scored (linkage.resolve.coparticipants).",
    )
    context_links: bool = Field(
        default=True,
        description="After clustering, attach a person with no DOB, NHS number or PNC ID (a name-only police DA "
        "record) to another person of the same perpetrator (or victim) when the names agree: the model's name, sex "
        "and postcode weights plus a prior learned from the run's own DA records (linkage.resolve.context); "
        "linked above the link threshold, sent to review between the thresholds or when two fit.",
    )


class Plausibility(BaseModel):
    """Settings of the plausibility checks each run counts (see ``linkage.resolve.plausibility``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    silence_years: float = Field(
        default=3.0,
        gt=0,
        description="A person seen again after this many years with no record, in a postcode area none of their "
        "records had before, is counted as implausible (a namesake's record joined to them is the usual cause).",
    )


class ModelConfig(BaseModel):
    """The Splink model, defined in code (linkage/resolve/model.py) from these settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    thresholds: Thresholds = Field(default_factory=Thresholds, description="Link and review bands.")
    blocking_rules: tuple[tuple[str, ...], ...] = Field(
        default=(
            ("nhs_number",),
            ("pnc_id",),
            ("dob", "surname_soundex"),
            ("dob", "forename_soundex"),
            ("forename_canonical", "surname", "postcode_outward"),
            ("postcode", "forename_soundex"),
            ("dob", "postcode"),
            ("forename_canonical", "surname", "birth_year"),
            ("forename_soundex", "surname_soundex", "birth_year"),
            # The birth year keyed wrong (1963 as 1968): every rule above pins the year or the DOB.
            ("forename_soundex", "surname_soundex", "birth_month_day"),
            ("surname", "postcode"),
            ("partner_pnc",),
            ("partner_first",),
            ("partner_last",),
            ("partner_name",),
        ),
        description="Candidate pairs are those agreeing on every column of at least one rule.",
    )
    link_type: Literal["dedupe", "link_only"] = Field(
        default="dedupe",
        description="dedupe: any two records may be one person (an agency records a person many times). "
        "link_only: only records from different sources are compared, for sources that each list a person "
        "at most once (two registers to link); pairs within a source are never scored.",
    )
    block_name_swaps: bool = Field(
        default=True,
        description="Also compare records whose forename and surname are swapped (same birth year, or same postcode).",
    )
    term_frequency: tuple[str, ...] = Field(
        default=("forename", "surname", "postcode"),
        description="Exact-match levels adjusted for how common the value is (SMITH counts less than ZAREMBA).",
    )
    forename_frequency_by_birth_year: bool = Field(
        default=True,
        description="With forename in term_frequency: a pair sharing a forename, both born in the same five years, "
        "weighs how fashionable the name was then (forenames follow fashions: two people born in 2012 share OLIVIA "
        "far more often than two people at random), where enough records hold it to tell. Pairs agreeing "
        "on forename and DOB otherwise count the birth years twice (linkage/resolve/cohort.py).",
    )
    training: Training = Field(default_factory=Training, description="Parameter estimation.")
    constraints: Constraints = Field(default_factory=Constraints, description="Cannot-link rules for clustering.")
    plausibility: Plausibility = Field(
        default_factory=Plausibility, description="Checks on resolved people counted in each run's report."
    )
    identifiers: dict[str, Identifier] = Field(
        default_factory=dict,
        description="Identifiers besides NHS number and PNC ID, by name (lower case, e.g. soc_sec_id); source "
        "configs map a column onto each under 'person.identifiers'. Each is compared (exact, one keystroke "
        "apart), blocked on and used as a deterministic training rule. None by default.",
    )

    @field_validator("identifiers")
    @classmethod
    def _identifier_names(cls, identifiers: dict[str, Identifier]) -> dict[str, Identifier]:
        for name in identifiers:
            if not IDENTIFIER_NAME.match(name):
                raise ValueError(f"identifier name {name!r} must be lower case letters, digits and _, starting with a letter")
            if name in RESERVED_IDENTIFIER_NAMES:
                raise ValueError(f"identifier name {name!r} is a built-in column; choose another name")
        return identifiers

    def identifier_label(self, name: str) -> str:
        """The label of a declared identifier: its own, or its name."""
        return self.identifiers[name].label or name

    @field_validator("blocking_rules")
    @classmethod
    def _blocking_columns(cls, rules: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        return _check_rules(rules)

    @field_validator("term_frequency")
    @classmethod
    def _tf_columns(cls, columns: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(columns) - {"forename", "surname", "postcode"})
        if unknown:
            raise ValueError(f"term_frequency supports forename, surname and postcode, not {unknown}")
        return columns


def _check_rules(rules: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """Every rule names at least one column, all of them blockable."""
    for rule in rules:
        unknown = sorted(set(rule) - BLOCKABLE_COLUMNS)
        if not rule or unknown:
            raise ValueError(f"rule {list(rule)} names unknown columns {unknown}; use {sorted(BLOCKABLE_COLUMNS)}")
    return rules
