"""Source-specific steps: map an extract's own columns and codes onto canonical fields."""

from __future__ import annotations

from typing import Any

from linkage.config import FieldMap, NameOrder, SourceConfig
from linkage.config.source import MARKER_FIELDS
from linkage.pipeline import Step, quote_ident
from linkage.standardise.dates import DATE_PARTS, PARTS_FORMAT, PARTS_FORMAT_PARAM, date_from_parts
from linkage.standardise.notes import append_notes, nulled
from linkage.text import INVISIBLE

PERSON_KEYS = (
    "full_name", "forenames", "surname", "dob", "sex", "nhs_number", "pnc_id",
    "postcode", "address", "phone",
)
EVENT_KEYS = (
    "event_id", "date", "event_type", "domestic_abuse", "role", "dash_risk", "plan_type",
    "category", "service", "complaint", "mental_health", "substance_misuse", "pregnancy",
)
#: Event fields whose canonical values are a DuckDB enum type.
ENUM_FIELDS = {
    "sex": "sex_code", "role": "role_code", "dash_risk": "dash_risk_code",
    "plan_type": "plan_type_code",
}


def raw_name(section: str, key: str) -> str:
    """Name of the raw canonical column for a config key (event.date -> event_date_raw)."""
    return "event_date_raw" if (section, key) == ("event", "date") else f"{key}_raw"


def identifier_raw(name: str) -> str:
    """Name of the raw column of a declared identifier (soc_sec_id -> identifier_soc_sec_id_raw)."""
    return f"identifier_{name}_raw"


def map_columns(source: SourceConfig, invisible: bool = True) -> Step:
    """Select the extract's mapped columns under canonical raw names, trimmed, '' as null.

    Control and invisible formatting characters (:data:`linkage.text.INVISIBLE`: NUL,
    right-to-left overrides...) are removed first, with a note saying so, so that they
    neither split a name nor reach the raw columns a page shows.

    Args:
        source: The source config.
        invisible: Whether the extract may hold such characters; False (a CSV scanned and
            found clean) leaves out the search for them, which costs a regular expression a cell.
    """
    params: dict[str, Any] = {"invisible": INVISIBLE} if invisible else {}
    items = [f"{_text(source.record_id, 'record_id', invisible)} AS record_id", "source_row"]
    notes = [_invisible_note(source.record_id, "record_id")]
    for section_name, keys in (("person", PERSON_KEYS), ("event", EVENT_KEYS)):
        section = getattr(source, section_name)
        for key in keys:
            name = raw_name(section_name, key)
            field = getattr(section, key)
            if field is not None and field.value is not None:
                params[f"{name}_const"] = field.value
            items.append(f"{_text(field, name, invisible)} AS {name}")
            if field is not None and field.parts is not None:
                items += [
                    f"{_cell(getattr(field.parts, part), invisible)} AS {part_name(name, part)}" for part in DATE_PARTS
                ]
            notes.append(_invisible_note(field, key))
    for key, field in source.person.identifiers.items():
        name = identifier_raw(key)
        if field.value is not None:
            params[f"{name}_const"] = field.value
        items.append(f"{_text(field, name, invisible)} AS {name}")
        notes.append(_invisible_note(field, key))
    found = [note for note in notes if note is not None]
    items.append(append_notes(*found, onto="[]::VARCHAR[]") if invisible and found else "[]::VARCHAR[] AS dq")
    return Step(
        name="map_columns",
        purpose="Read the extract's own columns under canonical names, control characters removed, trimmed, blanks as null.",
        sql=f"SELECT {', '.join(items)} FROM {{input}}",
        params=params,
    )


def part_name(raw: str, part: str) -> str:
    """Name of the column holding one part of a date read from parts (dob_raw, year -> dob_year_raw)."""
    return f"{raw.removesuffix('_raw')}_{part}_raw"


def _invisible_note(field: FieldMap | None, key: str) -> tuple[str, str, str] | None:
    if field is None or not field.source_columns():
        return None
    found = " OR ".join(
        f"coalesce(regexp_matches(CAST({quote_ident(c)} AS VARCHAR), $invisible), false)"
        for c in field.source_columns().values()
    )
    return (f"({found})", key, "control characters removed")


def record_id_sql(source: SourceConfig, invisible: bool = True) -> str:
    """The SQL expression for a row's record id, as ``map_columns`` reads it from the raw extract.

    With ``invisible`` it binds ``$invisible`` (:data:`linkage.text.INVISIBLE`), the characters removed.
    """
    return _text(source.record_id, "record_id", invisible)


def _text(field: FieldMap | None, name: str, invisible: bool) -> str:
    """A field's raw text: one cell, several joined, a date's parts shown together, or a constant."""
    if field is None:
        return "CAST(NULL AS VARCHAR)"
    if field.value is not None:
        return f"CAST(${name}_const AS VARCHAR)"
    if field.columns is not None:
        # concat_ws skips the nulls that blank cells became, so blanks leave no double spaces.
        cells = ", ".join(_cell(c, invisible) for c in field.columns)
        return f"nullif(concat_ws(' ', {cells}), '')"
    if field.parts is not None:
        # Shown as year-month-day, a blank part left empty; parse_dates reads the parts themselves.
        cells = [_cell(getattr(field.parts, part), invisible) for part in DATE_PARTS]
        shown = " || '-' || ".join(f"coalesce({c}, '')" for c in cells)
        return f"CASE WHEN {' OR '.join(f'{c} IS NOT NULL' for c in cells)} THEN {shown} END"
    return _cell(field.column or "", invisible)


def _cell(column: str, invisible: bool) -> str:
    """One extract cell as text: invisible characters removed, trimmed, blank as null."""
    value = f"CAST({quote_ident(column)} AS VARCHAR)"
    if invisible:
        value = f"regexp_replace({value}, $invisible, '', 'g')"
    return f"nullif(trim({value}), '')"


def split_full_name(order: NameOrder) -> Step:
    """Split a one-column full name into forenames and surname, by its configured order."""
    name = "full_name_raw"
    last_space = f"length({name}) - strpos(reverse({name}), ' ') + 1"
    forenames_first = (
        f"CASE WHEN strpos({name}, ' ') > 0 THEN trim(left({name}, {last_space})) END",
        f"CASE WHEN strpos({name}, ' ') > 0 THEN trim(substr({name}, {last_space} + 1)) ELSE {name} END",
    )
    if order is NameOrder.SURNAME_COMMA_FORENAMES:
        has_comma = f"strpos({name}, ',') > 0"
        forenames = (
            f"CASE WHEN {has_comma} THEN nullif(trim(substr({name}, strpos({name}, ',') + 1)), '') "
            f"ELSE {forenames_first[0]} END"
        )
        surname = (
            f"CASE WHEN {has_comma} THEN nullif(trim(split_part({name}, ',', 1)), '') "
            f"ELSE {forenames_first[1]} END"
        )
        note = append_notes(
            (f"({name} IS NOT NULL AND NOT {has_comma})", "full_name", "no comma; read as forenames then surname")
        )
    elif order is NameOrder.SURNAME_FORENAMES:
        forenames = f"nullif(trim(substr({name}, strpos({name}, ' ') + 1)), '')"
        forenames = f"CASE WHEN strpos({name}, ' ') > 0 THEN {forenames} END"
        surname = f"CASE WHEN strpos({name}, ' ') > 0 THEN split_part({name}, ' ', 1) ELSE {name} END"
        note = append_notes((f"({name} IS NOT NULL AND strpos({name}, ' ') = 0)", "full_name", "one word; read as surname"))
    else:
        forenames, surname = forenames_first
        note = append_notes((f"({name} IS NOT NULL AND strpos({name}, ' ') = 0)", "full_name", "one word; read as surname"))
    return Step(
        name="split_full_name",
        purpose=f"Split the full name ({order.value}) into forenames and surname.",
        sql=(
            f"SELECT * REPLACE ({forenames} AS forenames_raw, {surname} AS surname_raw, {note}) "
            "FROM {input}"
        ),
    )


def parse_dates(source: SourceConfig) -> Step:
    """Parse date of birth and event date with each source's own formats, or from year, month and day."""
    params: dict[str, Any] = {}
    items = []
    notes = []
    for field, raw, out in (
        (source.person.dob, "dob_raw", "dob"),
        (source.event.date, "event_date_raw", "event_date"),
    ):
        problem = "unparseable date"
        if field is None:
            items.append(f"CAST(NULL AS DATE) AS {out}")
        elif field.value is not None:
            items.append(f"TRY_CAST({raw} AS DATE) AS {out}")
        elif field.parts is not None:
            params[PARTS_FORMAT_PARAM] = PARTS_FORMAT
            items.append(f"{date_from_parts(*(part_name(raw, p) for p in DATE_PARTS))} AS {out}")
            problem = "year, month and day are not a date"
        else:
            params[f"{out}_formats"] = list(field.format or [])
            items.append(f"CAST(try_strptime({raw}, ${out}_formats) AS DATE) AS {out}")
        notes.append((nulled(raw, out), out, problem))
    return Step(
        name="parse_dates",
        purpose="Parse date of birth and event date with the source's formats, or from year, month and day; others to null.",
        sql=(
            f"SELECT * REPLACE ({append_notes(*notes)}) FROM (SELECT *, {', '.join(items)} FROM {{input}})"
        ),
        params=params,
    )


def map_values(source: SourceConfig) -> Step:
    """Map coded values (sex, role, DASH, plan, markers) onto canonical codes."""
    params: dict[str, Any] = {}
    items: list[str] = []
    notes: list[tuple[str, str, str]] = []
    fields: list[tuple[str, FieldMap | None]] = [("sex", source.person.sex)]
    fields += [(key, getattr(source.event, key)) for key in EVENT_KEYS if key != "date"]
    for key, field in fields:
        raw = f"{key}_raw"
        expr, unmapped = _value_expr(key, raw, field, params)
        items.append(f"{expr} AS {key}")
        if unmapped is not None:
            notes.append((unmapped, key, "unrecognised value"))
    # With no mapped code there is no note to add, and REPLACE needs an expression.
    keep = f"* REPLACE ({append_notes(*notes)})" if notes else "*"
    return Step(
        name="map_values",
        purpose="Map the source's codes onto canonical codes; unknown codes to null with a note.",
        sql=f"SELECT {keep}, {', '.join(items)} FROM {{input}}",
        params=params,
    )


def _value_expr(
    key: str, raw: str, field: FieldMap | None, params: dict[str, Any]
) -> tuple[str, str | None]:
    """The canonical expression for one coded field, and its 'unrecognised' condition."""
    target = ENUM_FIELDS.get(key, "BOOLEAN" if key in MARKER_FIELDS else "VARCHAR")
    if field is None:
        return f"CAST(NULL AS {target})", None
    if field.pattern is not None:
        params[f"{key}_pattern"] = field.pattern
        return f"coalesce(regexp_matches({raw}, ${key}_pattern), false)", None
    if field.values is not None:
        keys, values = field.lookup()
        params[f"{key}_keys"], params[f"{key}_values"] = keys, values
        position = f"list_position(${key}_keys, upper({raw}))"
        mapped = f"list_extract(${key}_values, {position})"
        if target == "VARCHAR":
            # Free text keeps its own value where the map does not mention it.
            return f"CASE WHEN {position} IS NULL THEN {raw} ELSE {mapped} END", None
        return f"CAST(lower({mapped}) AS {target})", f"({raw} IS NOT NULL AND {position} IS NULL)"
    if target == "VARCHAR":
        return raw, None
    expr = f"TRY_CAST(lower({raw}) AS {target})"
    return expr, nulled(raw, expr)
