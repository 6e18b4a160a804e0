"""What a search term matches on a record: levels of (condition, score, label), first match wins,
and the SQL that turns them into a person's score, pieces matched and why.

Conditions compare a record ``r`` with the standardised query ``q``; all of it is code-defined
SQL (typed values reach the query as parameters, in ``search.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkage.explore.search import SearchTerms

#: Similarity above which two names count as the same name misspelt.
CLOSE_SPELLING = 0.9

# Each criterion is a list of (condition, score, label), first match wins; conditions
# compare a record ``r`` with the standardised query ``q``. Code-defined SQL only.
_FORENAME_LEVELS = (
    ("r.forename = {q}", 1.0, "exact"),
    ("r.forename_canonical = {q_canonical}", 0.9, "nickname"),
    ("len(list_intersect(r.forename_groups, {q_groups})) > 0", 0.85, "possible nickname"),
    (f"jaro_winkler_similarity(r.forename, {{q}}) >= {CLOSE_SPELLING}", 0.8, "close spelling"),
    ("r.forename_soundex = {q_soundex}", 0.7, "sounds alike"),
    ("list_contains(string_split(coalesce(r.middle_names, ''), ' '), {q})", 0.65, "middle name"),
    ("length({q}) = 1 AND starts_with(r.forename, {q})", 0.6, "initial"),
)
_SURNAME_LEVELS = (
    ("r.surname = {q}", 1.0, "exact"),
    ("list_contains(r.surname_parts, {q})", 0.9, "part of surname"),
    (f"jaro_winkler_similarity(r.surname, {{q}}) >= {CLOSE_SPELLING}", 0.8, "close spelling"),
    ("r.surname_soundex = {q_soundex}", 0.7, "sounds alike"),
)
_DOB_LEVELS = (
    ("r.dob = q.dob", 1.0, "exact"),
    ("year(r.dob) = year(q.dob) AND month(r.dob) = day(q.dob) AND day(r.dob) = month(q.dob)", 0.8,
     "day and month swapped"),
    ("abs(year(r.dob) - year(q.dob)) = 1 AND month(r.dob) = month(q.dob) AND day(r.dob) = day(q.dob)", 0.7,
     "year differs by one"),
)


def name_parts(terms: SearchTerms) -> dict[str, tuple[list[tuple[str, float, str]], str]]:
    """When both a forename and a surname were typed: each on its own, as extra columns."""
    if terms.either or not (terms.forename and terms.surname):
        return {}
    return {
        "forename": ([(_fill(c, "forename"), s, label) for c, s, label in _FORENAME_LEVELS], "r.forename"),
        "surname": ([(_fill(c, "surname"), s, label) for c, s, label in _SURNAME_LEVELS], "r.surname"),
    }


def pieces_sql(key: str, parts: dict) -> str:
    """SQL: how many typed pieces a criterion's best match accounts for (a whole name is two)."""
    if key == "name" and parts:
        return "CASE WHEN m.name_score IS NOT NULL THEN 2 ELSE " \
            "(m.forename_score IS NOT NULL)::INT + (m.surname_score IS NOT NULL)::INT END"
    return f"(m.{key}_score IS NOT NULL)::INT"


def credit_sql(key: str, parts: dict) -> str:
    """SQL: a criterion's share of the score (0 when not matched; half a name counts half its level)."""
    if key == "name" and parts:
        return "coalesce(m.name_score, greatest(coalesce(m.forename_score, 0), coalesce(m.surname_score, 0)) / 2)"
    return f"coalesce(m.{key}_score, 0)"


def why_sql(key: str, parts: dict) -> str:
    """SQL: what a criterion matched, or that it did not."""
    title = _TITLES[key]
    if key == "name" and parts:
        return (
            "CASE WHEN m.name_score IS NOT NULL THEN 'name: ' || m.name_why ELSE concat_ws('; ', "
            "'forename: ' || coalesce(m.forename_why, 'no match'), 'surname: ' || coalesce(m.surname_why, 'no match')) END"
        )
    return f"'{title}: ' || coalesce(m.{key}_why, 'no match')"


#: How each criterion is named in ``why_matched``.
_TITLES = {"name": "name", "dob": "DOB", "nhs": "NHS number", "pnc": "PNC ID", "postcode": "postcode"}


def term_criteria(terms: SearchTerms) -> dict[str, tuple[list[tuple[str, float, str]], str]]:
    """Per given term: its levels and the record value shown as having matched."""
    criteria: dict[str, tuple[list[tuple[str, float, str]], str]] = {}
    full_name = "concat_ws(' ', r.forename, r.surname)"
    if terms.either:
        # One word: the best of it as a forename and as a surname.
        levels = [
            (_fill(c, "forename"), s, f"forename {label}") for c, s, label in _FORENAME_LEVELS
        ] + [(_fill(c, "surname"), s, f"surname {label}") for c, s, label in _SURNAME_LEVELS]
        criteria["name"] = (sorted(levels, key=lambda level: -level[1]), full_name)
    elif terms.forename or terms.surname:
        criteria["name"] = (_name_levels(terms), full_name)
    if terms.dob:
        criteria["dob"] = (list(_DOB_LEVELS), "strftime(r.dob, '%d/%m/%Y')")
    if terms.nhs_number:
        criteria["nhs"] = ([("r.nhs_number = q.nhs_number", 1.0, "exact")], "r.nhs_number")
    if terms.pnc_id:
        criteria["pnc"] = ([("r.pnc_id = q.pnc_id", 1.0, "exact")], "r.pnc_id")
    if terms.postcode:
        criteria["postcode"] = ([("r.postcode = q.postcode", 1.0, "exact")], "r.postcode")
    elif terms.outward:
        criteria["postcode"] = ([("r.postcode_outward = q.outward", 1.0, "outward code")], "r.postcode")
    return criteria


def _fill(condition: str, part: str) -> str:
    """A level condition against the query's forename or surname (both hold the one word)."""
    column = "q.forename" if part == "forename" else "q.surname"
    return condition.format(
        q=column, q_canonical="q.forename_canonical", q_groups="q.forename_groups",
        q_soundex="q.forename_soundex" if part == "forename" else "q.surname_soundex",
    )


def _name_levels(terms: SearchTerms) -> list[tuple[str, float, str]]:
    """Forename and surname levels combined: both typed parts must match on one record."""
    forenames = [(_fill(c, "forename"), s, label) for c, s, label in _FORENAME_LEVELS] if terms.forename else []
    surnames = [(_fill(c, "surname"), s, label) for c, s, label in _SURNAME_LEVELS] if terms.surname else []
    if not forenames:
        return [(c, s, f"surname {label}") for c, s, label in surnames]
    if not surnames:
        return [(c, s, f"forename {label}") for c, s, label in forenames]
    swapped = ("r.forename = q.surname AND r.surname = q.forename", 0.8, "forename and surname swapped")
    combined = [
        (f"({fc}) AND ({sc})", round((fs + ss) / 2, 3), f"forename {fl}, surname {sl}")
        for fc, fs, fl in forenames for sc, ss, sl in surnames
    ]
    return sorted([*combined, swapped], key=lambda level: -level[1])


def case_sql(levels: list[tuple[str, float, str]], part: str) -> str:
    """CASE over the levels, first match wins, giving a level's score or label (code-defined text)."""
    whens = " ".join(
        f"WHEN {condition} THEN {score if part == 'score' else _literal(label)}" for condition, score, label in levels
    )
    return f"CASE {whens} END"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
