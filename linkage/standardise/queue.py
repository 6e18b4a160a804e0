"""The queue of named steps that turns one extract into canonical records."""

from __future__ import annotations

from linkage.config import RunConfig, SourceConfig
from linkage.pipeline import Step
from linkage.standardise import contact, dates, identifiers, mapping, names

#: Canonical record columns, in order, as stored in the ``records`` table.
CANONICAL_COLUMNS = (
    "unique_id", "source", "agency", "record_id", "source_row",
    "forename", "middle_names", "surname", "surname_parts", "forename_canonical", "forename_groups",
    "forename_near", "surname_groups",
    "forename_soundex", "surname_soundex", "dob", "sex", "nhs_number", "pnc_id",
    "postcode", "postcode_outward", "address", "phone",
    "event_id", "event_date", "event_type", "domestic_abuse", "role", "dash_risk",
    "plan_type", "category", "service", "complaint", "mental_health",
    "substance_misuse", "pregnancy",
    "full_name_raw", "forenames_raw", "surname_raw", "dob_raw", "sex_raw",
    "nhs_number_raw", "pnc_id_raw", "postcode_raw", "address_raw", "phone_raw",
    # Declared identifiers by name (a map, so the schema is the same whatever the model config
    # declares); last of the records' columns, so results from before it only need it added.
    "identifiers",
    "dq",
)


def standardisation_queue(source: SourceConfig, run: RunConfig, invisible: bool = True) -> list[Step]:
    """All steps for one source, in order, from its raw extract to canonical records.

    Args:
        source: The source config (column mapping, formats, codes).
        run: The run config (placeholder and impossible-value rules).
        invisible: Whether the extract may hold control or invisible characters
            (see :func:`linkage.standardise.mapping.map_columns`).

    Returns:
        The steps; the first reads the raw extract, the last yields
        :data:`CANONICAL_COLUMNS` plus ``quarantine_reason``.
    """
    rules = run.standardise
    steps = [mapping.map_columns(source, invisible)]
    if source.person.full_name is not None and source.person.full_name.order is not None:
        steps.append(mapping.split_full_name(source.person.full_name.order))
    steps += [
        mapping.parse_dates(source),
        mapping.map_values(source),
        names.clean_names(),
        names.null_placeholder_names(rules.placeholder_names),
        names.name_notes(),
        names.split_forenames(),
        names.canonical_forename(),
        names.near_forename_groups(),
        names.phonetic_codes(),
        dates.null_bad_dobs(rules.placeholder_dobs, rules.earliest_dob),
        dates.event_date_notes(),
        contact.standardise_postcode(source.person.postcode.scheme if source.person.postcode else None),
        contact.standardise_phone(),
        contact.standardise_address(),
        identifiers.validate_nhs_number(),
        identifiers.validate_pnc_id(),
        identifiers.standardise_identifiers(source, run.model.identifiers),
        finalise(source),
        quarantine_reason(),
    ]
    return steps


def finalise(source: SourceConfig) -> Step:
    """Project the canonical columns, with the record's unique id and source."""
    computed = {
        "unique_id": "$source || ':' || record_id",
        "source": "$source",
        "agency": "CAST($agency AS agency_code)",
        "dq": "list_filter(dq, lambda n: n IS NOT NULL)",
    }
    items = [f"{computed[c]} AS {c}" if c in computed else c for c in CANONICAL_COLUMNS]
    return Step(
        name="finalise",
        purpose="Keep the canonical columns in order and give each record its unique id.",
        sql=f"SELECT {', '.join(items)} FROM {{input}}",
        params={"source": source.name, "agency": source.agency.value},
    )


def quarantine_reason() -> Step:
    """Say why a record is unusable: no record id, a repeated id, or nothing to link on."""
    first_row = "min(source_row) OVER (PARTITION BY record_id)"
    reason = (
        "CASE WHEN record_id IS NULL THEN 'record_id: empty' "
        f"WHEN source_row > {first_row} THEN 'record_id: repeats an earlier row' "
        "WHEN forename IS NULL AND surname IS NULL AND dob IS NULL AND nhs_number IS NULL "
        "AND pnc_id IS NULL THEN 'no usable name, date of birth, NHS number or PNC ID' END"
    )
    return Step(
        name="quarantine_reason",
        purpose="Mark rows that cannot be linked: empty or repeated record id, nothing identifying.",
        sql=f"SELECT *, {reason} AS quarantine_reason FROM {{input}}",
    )
