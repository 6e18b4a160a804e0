"""What the Splink model reads and how its records are paired: the model input's columns (derived
ones with their SQL), the column of each declared identifier, and the blocking rules from config."""

from __future__ import annotations

from splink import block_on
from splink.blocking_rule_library import And, CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from linkage.config import ModelConfig


#: Record columns the model reads; everything else stays in the store.
MODEL_COLUMNS = (
    "unique_id", "source", "forename", "middle_names", "forename_canonical", "forename_groups", "forename_near", "forename_soundex", "surname",
    "surname_groups",
    "surname_parts", "surname_soundex", "dob", "sex", "nhs_number", "pnc_id", "postcode",
    "postcode_outward",
)


def _partner_key(key: str) -> str:
    """SQL for the other party's ``key`` in the record's police DA incident, tagged with their role."""
    other = "CASE WHEN role = '{role}' THEN {key} END"
    window = "OVER (PARTITION BY source, event_id)"
    return (
        "CASE WHEN agency = 'police' AND domestic_abuse THEN CASE CAST(role AS VARCHAR) "
        f"WHEN 'victim' THEN 'suspect ' || max({other.format(role='suspect', key=key)}) {window} "
        f"WHEN 'suspect' THEN 'victim ' || max({other.format(role='victim', key=key)}) {window} END END"
    )


#: Columns derived for the model, as SQL over the records table (DuckDB SQL, rendered for Spark too).
#: year() is BIGINT on DuckDB and INT on Spark: the cast gives both engines DuckDB's type.
DERIVED_COLUMNS = {
    "birth_year": "CAST(year(dob) AS BIGINT)",
    # Month and day of birth as MMDD (507 for 7 May): blocking on it with the names finds a
    # record whose birth year was keyed wrong (1963 as 1968), which every rule on dob or
    # birth_year misses.
    "birth_month_day": "CAST(month(dob) * 100 + day(dob) AS BIGINT)",
    # The forename and the five years its holder was born in ('' when the DOB is missing): the key of
    # the forename's frequency among people born then (ModelConfig.forename_frequency_by_birth_year).
    "forename_cohort": "forename || '|' || coalesce(CAST(year(dob) - year(dob) % 5 AS VARCHAR), '')",
    "agency": "CAST(agency AS VARCHAR)",
    # Days since 1970 of the record's event: clustering's place history (not compared by the model).
    "event_day": "CAST(date_diff('day', DATE '1970-01-01', CAST(event_date AS DATE)) AS BIGINT)",
    # The other party of a police DA incident (a victim's suspect, a suspect's victim), by PNC ID,
    # by forename and birth year and by surname and birth year (one typo or alias in the other
    # party's name still leaves a key): relational context, blocked on and compared (partner_comparison).
    "partner_pnc": _partner_key("pnc_id"),
    "partner_first": _partner_key("forename_canonical || ' ' || CAST(year(dob) AS VARCHAR)"),
    "partner_last": _partner_key("surname || ' ' || CAST(year(dob) AS VARCHAR)"),
    # ... and by forename and the sound of the surname, for a suspect's record with no DOB.
    "partner_name": _partner_key("forename_canonical || ' ' || surname_soundex"),
}


def identifier_column(name: str) -> str:
    """The model-input column of a declared identifier (``ModelConfig.identifiers``): ``id_<name>``."""
    return f"id_{name}"


def identifier_columns(model: ModelConfig | None) -> dict[str, str]:
    """Model-input columns of the declared identifiers, each as SQL over the records' ``identifiers`` map.

    The name is a bound parameter named after the column (see ``session.model_input_step``).
    """
    names = model.identifiers if model is not None else {}
    return {identifier_column(name): f"identifiers[${identifier_column(name)}]" for name in names}


#: Records with forename and surname swapped (police "SMITH, Bob" keyed the wrong way round),
#: born the same year (the DOB itself is often defaulted on such records).
NAME_SWAP_RULE = "l.forename = r.surname AND l.surname = r.forename AND l.birth_year = r.birth_year"

#: ... or at the same postcode: the swapped police record often has no DOB at all.
NAME_SWAP_POSTCODE_RULE = "l.forename = r.surname AND l.surname = r.forename AND l.postcode = r.postcode"


#: With ``link_type: link_only``, every rule also asks for records of two different sources.
SOURCES_DIFFER = "l.source <> r.source"


def blocking_rule(columns: tuple[str, ...], model: ModelConfig) -> BlockingRuleCreator:
    """A rule pairing records that agree on every one of ``columns`` (from two sources, when link-only)."""
    rule = block_on(*columns)
    return And(rule, CustomRule(SOURCES_DIFFER)) if model.link_type == "link_only" else rule


def blocking_rules(model: ModelConfig) -> list[BlockingRuleCreator]:
    """Blocking rules for prediction, from config."""
    rules = [blocking_rule(rule, model) for rule in model.blocking_rules]
    rules += [blocking_rule((identifier_column(name),), model) for name in model.identifiers]
    if model.block_name_swaps:
        for rule in (NAME_SWAP_RULE, NAME_SWAP_POSTCODE_RULE):
            swaps = CustomRule(rule)
            rules.append(And(swaps, CustomRule(SOURCES_DIFFER)) if model.link_type == "link_only" else swaps)
    return rules
