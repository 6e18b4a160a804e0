"""Name steps: clean, null placeholders, split, canonical nicknames, phonetic codes."""

from __future__ import annotations

from collections.abc import Sequence

from linkage.pipeline import Step
from linkage.standardise.lookups import GROUP_TABLE, NICKNAME_TABLE, near_name_members_sql
from linkage.standardise.notes import append_notes

#: Honorifics removed from the start of forenames.
TITLES = (
    "MR", "MRS", "MS", "MISS", "MX", "DR", "MSTR", "MASTER", "REV", "SIR", "DAME",
    "LADY", "LORD", "PROF",
)


def _clean(column: str) -> str:
    """Upper case, accents stripped, apostrophes and zero-width (non-)joiners dropped, other punctuation to spaces.

    A joiner shapes the letters either side of it (Persian, Indic scripts) but is no letter
    itself: as a space it would split the name in two.
    """
    no_apostrophes = f"regexp_replace(strip_accents({column}), '[''`\u2019\u2018\u200c\u200d]', '', 'g')"
    spaced = f"regexp_replace(upper({no_apostrophes}), '[^\\pL\\pN]+', ' ', 'g')"
    return f"nullif(trim({spaced}), '')"


def clean_names() -> Step:
    """Normalise case, accents and punctuation of forenames and surname; drop titles."""
    title_pattern = "^(" + "|".join(TITLES) + ") "
    forenames = f"nullif(regexp_replace({_clean('forenames_raw')}, $title_pattern, ''), '')"
    return Step(
        name="clean_names",
        purpose="Upper-case names, strip accents and titles, drop apostrophes, punctuation to spaces.",
        sql=(
            f"SELECT *, {forenames} AS forenames_clean, {_clean('surname_raw')} AS surname_clean "
            "FROM {input}"
        ),
        params={"title_pattern": title_pattern},
    )


def null_placeholder_names(placeholders: Sequence[str]) -> Step:
    """Null names that mean 'not known' (UNKNOWN, BABY, TWIN 1), then drop stray digits."""
    digits_out = "nullif(trim(regexp_replace(regexp_replace({c}, '[0-9]+', '', 'g'), ' +', ' ', 'g')), '')"
    items = []
    notes = []
    for part in ("forenames", "surname"):
        clean = f"{part}_clean"
        is_placeholder = f"coalesce({clean} = ANY($placeholders), false)"
        kept = digits_out.format(c=clean)
        items.append(f"CASE WHEN {is_placeholder} THEN NULL ELSE {kept} END AS {clean}")
        notes.append((is_placeholder, part, "placeholder name"))
        notes.append((f"(NOT {is_placeholder} AND {clean} IS NOT NULL AND {kept} IS NULL)", part, "no letters"))
    return Step(
        name="null_placeholder_names",
        purpose="Null placeholder names such as UNKNOWN, BABY or TWIN 1, and drop digits from names.",
        sql=f"SELECT * REPLACE ({', '.join(items)}, {append_notes(*notes)}) FROM {{input}}",
        params={"placeholders": [p.upper() for p in placeholders]},
    )


def split_forenames() -> Step:
    """First forename and middle names; surname joined Mc/Mac prefixes and its parts."""
    forename = "split_part(forenames_clean, ' ', 1)"
    middle = "nullif(trim(substr(forenames_clean, strpos(forenames_clean || ' ', ' ') + 1)), '')"
    surname = "regexp_replace(surname_clean, '(^| )(MC|MAC) (\\pL)', '\\1\\2\\3', 'g')"
    return Step(
        name="split_forenames",
        purpose="Split first forename from middle names; join 'MC DONALD' into MCDONALD; list surname parts.",
        sql=(
            f"SELECT *, nullif({forename}, '') AS forename, {middle} AS middle_names, "
            f"string_split(surname, ' ') AS surname_parts "
            f"FROM (SELECT *, {surname} AS surname FROM {{input}})"
        ),
    )


def canonical_forename() -> Step:
    """Canonical form of a nickname (BOB -> ROBERT), the names a forename may stand for, and a surname's as a forename."""
    return Step(
        name="canonical_forename",
        purpose=(
            "One canonical forename (BOB, ROB -> ROBERT) for blocking, the group of names it may stand for, "
            "and the group of a surname that is a listed forename (a record keyed 'JONNY' as surname)."
        ),
        # surname_groups: the forename comparison meets it with the other record's forename_groups
        # when the names were keyed the wrong way round and one is a nickname (BELSTEAD JONNY
        # against JOHN BELSTEAD). Empty for a surname no list knows as a forename (most surnames),
        # not NULL: fixed_u counts the name columns' combinations, which leave out NULLs.
        sql=(
            "SELECT i.*, coalesce(n.canonical, i.forename) AS forename_canonical, "
            "CASE WHEN i.forename IS NOT NULL THEN coalesce(g.groups, [i.forename]) END AS forename_groups, "
            "CASE WHEN i.surname IS NOT NULL THEN coalesce(s.groups, CAST([] AS VARCHAR[])) END AS surname_groups "
            f"FROM {{input}} AS i LEFT JOIN {NICKNAME_TABLE} AS n ON n.name = i.forename "
            f"LEFT JOIN {GROUP_TABLE} AS g ON g.name = i.forename "
            f"LEFT JOIN {GROUP_TABLE} AS s ON s.name = i.surname"
        ),
    )


#: Shortest forename read as a keystroke error of a nickname (TMO for TOM, DVE for DAVE): shorter ones
#: are one keystroke from too many names to say anything.
NEAR_FORENAME_LENGTH = 3


def near_forename_groups() -> Step:
    """The names a forename no list knows may stand for, as a keystroke error of a name the list knows."""
    members = near_name_members_sql("{input}", NEAR_FORENAME_LENGTH)
    near = f"SELECT forename, list_sort(list(DISTINCT member)) AS groups FROM ({members}) GROUP BY forename"
    return Step(
        name="near_forename_groups",
        purpose="For a forename no list knows, the names of the listed names one keystroke away (TMO: TOM's, THOMAS).",
        # An empty list, not NULL, where there are none: the forename comparison reads the column
        # beside others that are never NULL together (``fixed_u`` counts their combinations).
        sql=(
            "SELECT i.*, coalesce(n.groups, CAST([] AS VARCHAR[])) AS forename_near "
            f"FROM {{input}} AS i LEFT JOIN ({near}) AS n ON n.forename = i.forename"
        ),
    )


def phonetic_codes() -> Step:
    """Soundex codes of forename and surname, for blocking and fuzzy levels."""
    return Step(
        name="phonetic_codes",
        purpose="Soundex of forename and surname (spaces removed), for blocking and comparisons.",
        sql=(
            "SELECT *, soundex(forename) AS forename_soundex, "
            "soundex(replace(surname, ' ', '')) AS surname_soundex FROM {input}"
        ),
    )


def name_notes() -> Step:
    """Note names that cleaning emptied (only punctuation, say)."""
    # Not when null_placeholder_names already said why (its two notes on the part).
    notes = append_notes(*(
        (
            f"({part}_raw IS NOT NULL AND {part}_clean IS NULL "
            f"AND NOT list_contains(dq, '{part}: placeholder name') "
            f"AND NOT list_contains(dq, '{part}: no letters'))",
            part, "nothing left after cleaning",
        )
        for part in ("forenames", "surname")
    ))
    return Step(
        name="name_notes",
        purpose="Note names that had text but nothing usable after cleaning.",
        sql=f"SELECT * REPLACE ({notes}) FROM {{input}}",
    )

