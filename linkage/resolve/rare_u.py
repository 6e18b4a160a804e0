"""u of the default model's rare levels, counted over all records rather than sampled.

Random pairs seldom reach some default levels: a forename that is the other record's middle
name, a shared part of a double-barrelled surname, a DOB with day and month swapped (about 7,
21 and 26 of 2,000,000 random FEBRL pairs), surnames one keystroke apart past the closer
levels, the year one out, one DOB 1 January in the same year, the same outward code in another
sector (never where postcodes are not UK ones), even the same DOB (about 70 in 2,000,000
RLdata pairs). Their sampled u (``u_sampling``) would rest on a handful of pairs. Counted
here from value counts instead, as ``fixed_u`` counts identifiers: ordered pairs of records
(i != j) meeting the level's condition, over M(M-1) for the M records holding the
comparison's column (the pairs random sampling divides by).

The DOB and postcode counts are exact: no level before them can take such a pair (the same
DOB leaves out 1 January, which the level after it takes, on either side; a swap or a year
typo is never the same DOB, nor a 1 January in the same year; the same outward code in
another sector is never the same postcode). The three name counts leave in pairs a level
before them that reads the forename too takes first (a swap; for the middle name also a
close spelling), so they can only overcount: their u is an upper bound, which can only
weaken the evidence the level gives.
"""

from __future__ import annotations

import pyarrow as pa

from linkage.pipeline import run_sql
from linkage.resolve.fixed_u import _u_from_pairs
from linkage.resolve.model import SURNAME_ONE_KEYSTROKE
from linkage.resolve.linker import ModelData, as_model_data
from linkage.resolve.rare_levels import (
    DOB_EXACT_LABEL, DOB_JAN1_LABEL, DOB_SWAPPED_LABEL, DOB_YEAR_TYPO_LABEL, FORENAME_IS_MIDDLE_LABEL, POSTCODE_OUTWARD_LABEL, SURNAME_PART_LABEL,
)

#: Ordered pairs of records whose forename is one of the other's middle names (either way round).
_MIDDLE_PAIRS = """
WITH tokens AS (
    SELECT DISTINCT value, unnest(string_split(CAST(value AS VARCHAR), ' ')) AS token, "count" FROM middle_counts
)
SELECT coalesce(sum(2 * f."count" * t."count"), 0) FROM forename_counts AS f JOIN tokens AS t ON CAST(f.value AS VARCHAR) = t.token
"""

#: Ordered pairs of records with different surnames sharing a part of one.
_PART_PAIRS = """
WITH parts AS (SELECT DISTINCT CAST(value AS VARCHAR) AS value, unnest(string_split(CAST(value AS VARCHAR), ' ')) AS part, "count" FROM surname_counts),
candidates AS (SELECT DISTINCT a.value AS l, a."count" AS nl, b.value AS r, b."count" AS nr FROM parts AS a JOIN parts AS b ON a.part = b.part AND a.value <> b.value)
SELECT coalesce(sum(nl * nr), 0) FROM candidates
"""

#: Ordered pairs of records with surnames one keystroke apart (Damerau-Levenshtein 1) that no level
#: before takes on the surname alone: not close (Jaro-Winkler 0.92), no shared part, different Soundex.
#: Candidates share a value with one character deleted, as ``fixed_u.one_keystroke_u`` finds them.
_SURNAME_KEYSTROKE_PAIRS = """
WITH v AS (SELECT row_number() OVER () AS id, CAST(surname AS VARCHAR) AS value, surname_soundex AS soundex, "count" FROM surname_soundex_counts),
variants AS (
    SELECT id, value AS variant FROM v
    UNION SELECT id, left(value, i - 1) || substr(value, i + 1) FROM (SELECT *, unnest(range(1, length(value) + 1)) AS i FROM v)
),
candidates AS (SELECT DISTINCT a.id AS l, b.id AS r FROM variants AS a JOIN variants AS b ON a.variant = b.variant AND a.id < b.id)
SELECT coalesce(sum(2 * vl."count" * vr."count"), 0)
FROM candidates JOIN v AS vl ON vl.id = candidates.l JOIN v AS vr ON vr.id = candidates.r
WHERE damerau_levenshtein(vl.value, vr.value) = 1 AND jaro_winkler_similarity(vl.value, vr.value) < 0.92
AND NOT list_has_any(string_split(vl.value, ' '), string_split(vr.value, ' ')) AND vl.soundex IS DISTINCT FROM vr.soundex
"""

#: Ordered pairs of records with the same DOB, other than 1 January (the 1 January level takes those).
_SAME_DOB_PAIRS = """SELECT coalesce(sum("count" * ("count" - 1)), 0) FROM dob_counts WHERE NOT (month(value) = 1 AND day(value) = 1)"""

#: Ordered pairs of records whose DOBs differ only by day and month swapped.
_SWAPPED_DOB_PAIRS = """
SELECT coalesce(sum(a."count" * b."count"), 0) FROM dob_counts AS a JOIN dob_counts AS b
ON year(a.value) = year(b.value) AND month(a.value) = day(b.value) AND day(a.value) = month(b.value) AND a.value <> b.value
"""


#: Ordered pairs of records whose DOBs differ only by one in the year.
_YEAR_TYPO_PAIRS = """
SELECT coalesce(sum(a."count" * b."count"), 0) FROM dob_counts AS a JOIN dob_counts AS b
ON abs(year(a.value) - year(b.value)) = 1 AND month(a.value) = month(b.value) AND day(a.value) = day(b.value)
"""

#: Ordered pairs of records born in the same year, one or both on 1 January: all pairs within
#: the year less those with neither on 1 January.
_JAN1_PAIRS = """
WITH years AS (
    SELECT year(value) AS y, sum("count") AS n,
    sum(CASE WHEN month(value) = 1 AND day(value) = 1 THEN 0 ELSE "count" END) AS other FROM dob_counts GROUP BY ALL
)
SELECT coalesce(sum(n * (n - 1) - other * (other - 1)), 0) FROM years
"""


#: Ordered pairs of records with the same outward code and different sectors (the sector as the level before reads it).
_OUTWARD_PAIRS = """
WITH sectors AS (
    SELECT postcode_outward, left(postcode, length(postcode) - 2) AS sector, sum("count") AS n FROM postcode_counts GROUP BY ALL
),
outward AS (SELECT postcode_outward, sum(n) AS n FROM sectors GROUP BY ALL)
SELECT (SELECT coalesce(sum(n * n), 0) FROM outward) - (SELECT coalesce(sum(n * n), 0) FROM sectors)
"""


def rare_level_u(records: pa.Table | ModelData) -> dict[str, dict[str, float]]:
    """u of the rare default levels, by comparison (output column) and level label, for ``model.settings``.

    A level is left out (and sampled, as before) when fewer than two records hold its
    comparison's column. A level no pair reaches gets one pair's worth: Splink needs u > 0.

    Args:
        records: The model input, on any engine (as for ``train.train``).
    """
    data = as_model_data(records)
    counts = {
        "forename_counts": data.value_counts("forename"),
        "middle_counts": data.value_counts("middle_names"),
        "surname_counts": data.value_counts("surname"),
        "surname_soundex_counts": data.value_counts_of(("surname", "surname_soundex")),
        "dob_counts": data.value_counts("dob"),
        "postcode_counts": data.value_counts_of(("postcode", "postcode_outward")),
    }
    held = {column: float(pa.compute.sum(counts[f"{column}_counts"]["count"]).as_py() or 0) for column in ("forename", "surname", "dob")}
    # Records with a postcode but no outward code (pseudo postcodes) are in the sampled denominator too.
    held["postcode"] = float(pa.compute.sum(data.value_counts("postcode")["count"]).as_py() or 0)
    levels = (
        ("forename", FORENAME_IS_MIDDLE_LABEL, "train:middle name pairs", _MIDDLE_PAIRS),
        ("surname", SURNAME_PART_LABEL, "train:surname part pairs", _PART_PAIRS),
        ("surname", SURNAME_ONE_KEYSTROKE, "train:surname one keystroke pairs", _SURNAME_KEYSTROKE_PAIRS),
        ("dob", DOB_EXACT_LABEL, "train:same dob pairs", _SAME_DOB_PAIRS),
        ("dob", DOB_SWAPPED_LABEL, "train:swapped dob pairs", _SWAPPED_DOB_PAIRS),
        ("dob", DOB_JAN1_LABEL, "train:1 January dob pairs", _JAN1_PAIRS),
        ("dob", DOB_YEAR_TYPO_LABEL, "train:year typo dob pairs", _YEAR_TYPO_PAIRS),
        ("postcode", POSTCODE_OUTWARD_LABEL, "train:outward code pairs", _OUTWARD_PAIRS),
    )
    result: dict[str, dict[str, float]] = {}
    with data.counting() as con:
        for name, table in counts.items():
            con.register(name, table)
        for column, label, step, sql in levels:
            u = _u_from_pairs(float(run_sql(con, step, sql).fetchone()[0]), held[column])
            if u is not None:
                result.setdefault(column, {})[label] = u
    return result
