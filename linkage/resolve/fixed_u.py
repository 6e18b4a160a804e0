"""u counted over all records instead of sampled: identifiers, their one-keystroke neighbours, partners,
and the swapped-name levels random pairs almost never reach."""

from __future__ import annotations

import logging

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink.internals.comparison_level import ComparisonLevel
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from linkage.config import ModelConfig
from linkage.pipeline import fetch_arrow, quote_ident, run_sql
from linkage.resolve.model import DOB_ONE_KEYSTROKE, NAMES_SWAPPED, NAMES_SWAPPED_MISSPELT, NAMES_SWAPPED_SIMILARITY, settings
from linkage.resolve.portable import SAVED_DIALECT
from linkage.resolve.linker import ModelData, as_model_data

logger = logging.getLogger(__name__)


#: Identifier columns whose exact-match u is computed, not sampled.
IDENTIFIERS = ("nhs_number", "pnc_id")


#: Ordered pairs of records sharing the identifier whose DOBs are two people's: years apart and not one
#: keystroke apart (the DOB comparison's own level).
_COLLISIONS = f"""
SELECT coalesce(sum(n_l * n_r), 0) FROM (
    SELECT a."count" AS n_l, b."count" AS n_r, a.dob AS dob_l, b.dob AS dob_r
    FROM dated AS a JOIN dated AS b ON a.{{column}} = b.{{column}}
) WHERE abs(year(dob_l) - year(dob_r)) > $gap AND NOT ({DOB_ONE_KEYSTROKE})
"""


def identifier_u(records: pa.Table | ModelData, column: str, year_gap: int = 1) -> float | None:
    """Chance that two records of two different people hold the same identifier: u of the exact level.

    Most pairs of records sharing a person's identifier are that person's own records (an
    offender's twenty police records share his PNC ID), so counting every sharing pair, as
    random sampling does, puts u far above what it is for two people: at 200,000 generated
    people it put PNC ID's agreement at 13 bits, no more than a shared DOB, and an alias
    sharing the PNC ID and the DOB fell below the link threshold. Counted instead are the
    sharing pairs whose DOBs say they are two people: both known, their years more than
    ``year_gap`` apart (the ``max_dob_year_gap`` constraint's test) and not one keystroke apart
    (1985 keyed 1958), over M(M-1) for the M records that hold the identifier; one pair's worth
    when there are none (Splink needs u > 0). With fewer than two records holding both the
    identifier and a DOB nothing can tell two people apart, and every sharing pair counts, as
    before. Returns None with fewer than two records holding the identifier.

    Args:
        records: The model input, on any engine (as for :func:`train`).
        column: An identifier column.
        year_gap: DOB years further apart than this are two people.
    """
    data = as_model_data(records)
    shared, held = _pairs_sharing(data, column)
    dated = data.value_counts_of((column, "dob"))
    if float(pc.sum(dated["count"]).as_py() or 0) >= 2:
        with data.counting() as con:
            con.register("dated", dated)
            sql = _COLLISIONS.format(column=quote_ident(column))
            shared = float(run_sql(con, "train:identifier collisions", sql, {"gap": year_gap}).fetchone()[0])
    return _u_from_pairs(shared, held)


def _pairs_sharing(data: ModelData, column: str) -> tuple[float, float]:
    """Ordered pairs of records sharing a value of ``column`` (sum of n(n-1)), and records holding one."""
    counts = data.value_counts(column)["count"].to_numpy().astype("float64")
    return float((counts * (counts - 1)).sum()), float(counts.sum())


def _u_from_pairs(shared: float, held: float) -> float | None:
    """``shared`` pairs over all M(M-1) pairs of the ``held`` records; None with fewer than two."""
    if held < 2:
        return None
    # Never exactly 0 (no repeats at all): Splink needs u > 0; one pair's worth instead.
    return max(shared, 1.0) / (held * (held - 1))


def one_keystroke_u(records: pa.Table | ModelData, column: str) -> float | None:
    """Chance that two records, both holding the identifier, hold values one keystroke apart.

    u of a declared identifier's one-keystroke level (Damerau-Levenshtein distance 1),
    counted over all pairs of records as :func:`identifier_u` counts the exact level:
    random sampling rarely meets such a pair. Candidates are found without comparing every
    two values: values one keystroke apart share a value with one character deleted (or
    one is such a deletion of the other), which covers a change, an insertion, a deletion
    and a swap of two neighbours; each candidate is then checked. The distinct values, not
    records, are compared, on a private DuckDB.

    Args:
        records: The model input, on any engine (as for :func:`train`).
        column: A declared identifier's column.

    Returns:
        The u, or None with fewer than two records holding a value.
    """
    data = as_model_data(records)
    counts = data.value_counts(column)
    with data.counting() as con:
        con.register("identifier_counts", counts)
        shared, held = run_sql(
            con,
            "train:one keystroke pairs",
            """
            WITH v AS (SELECT row_number() OVER () AS id, CAST(value AS VARCHAR) AS value, "count" FROM identifier_counts),
            variants AS (
                SELECT id, value AS variant FROM v
                UNION SELECT id, left(value, i - 1) || substr(value, i + 1) FROM (SELECT *, unnest(range(1, length(value) + 1)) AS i FROM v)
            ),
            candidates AS (SELECT DISTINCT a.id AS l, b.id AS r FROM variants AS a JOIN variants AS b ON a.variant = b.variant AND a.id < b.id)
            SELECT coalesce(sum(2 * vl."count" * vr."count"), 0), (SELECT coalesce(sum("count"), 0) FROM v)
            FROM candidates JOIN v AS vl ON vl.id = candidates.l JOIN v AS vr ON vr.id = candidates.r
            WHERE damerau_levenshtein(vl.value, vr.value) = 1
            """,
        ).fetchone()
    return _u_from_pairs(float(shared), float(held))


#: The partner keys the relational comparison reads (``model.partner_comparison``).
PARTNER_KEYS = ("partner_pnc", "partner_first", "partner_last", "partner_name")


def partner_u(records: pa.Table | ModelData) -> float | None:
    """Chance that two records, both with a DA incident partner, share one (by either key).

    Pairs sharing each key, added up (an upper bound: a pair sharing two keys counts
    twice), over M(M-1) for M the most records holding any one key (nearly every record
    with a partner has a name key). Returns None with fewer than two such records.

    Args:
        records: The model input, on any engine (as for :func:`train`).
    """
    data = as_model_data(records)
    by_key = [_pairs_sharing(data, column) for column in PARTNER_KEYS]
    u = _u_from_pairs(sum(shared for shared, _ in by_key), max(held for _, held in by_key))
    return None if u is None else min(u, 0.5)


def held_by_fewer_than_two(records: pa.Table | ModelData, columns: tuple[str, ...]) -> bool:
    """Whether fewer than two records hold a value in any of ``columns`` (no sex, no DA partner).

    Then every pair is in the null level of a comparison on them, so random sampling would
    set no u (``u_sampling.estimate_u`` leaves it out). Counted per column and added up,
    which can only overcount the records holding one.
    """
    data = as_model_data(records)
    return sum(_pairs_sharing(data, column)[1] for column in columns) < 2


#: Levels whose u is counted over all pairs of records (:func:`swapped_name_u`), in any comparison that has them.
COUNTED_LEVELS = (NAMES_SWAPPED, NAMES_SWAPPED_MISSPELT)


#: The columns the name comparisons read up to and including the counted levels.
NAME_COLUMNS = ("forename", "forename_groups", "forename_near", "surname", "surname_groups")


#: Distinct forename values times distinct surname values above which close pairs are sought only
#: among values with the same first letter (about 4 s of Jaro-Winkler on 2 cores at this many).
MAX_NAME_VALUE_PAIRS = 100_000_000


def swapped_name_u(records: pa.Table | ModelData, model: ModelConfig) -> dict[str, dict[str, float]]:
    """u of the name-swap levels, counted over every pair of records rather than sampled.

    Forename and surname swapped is about 2% of police rows, but two random records
    almost never hold each other's names: at 50,000 people a sample of 2M pairs holds
    two exact swaps and one misspelt one or none, and at 200,000 no misspelt one, which
    leaves Splink's default u (for the misspelt level, evidence against a match) or a u
    resting on one or two pairs. So, as
    :func:`identifier_u` does for identifiers, u is counted: ordered pairs of records
    (i != j) that the comparison puts in the level, over M(M-1) for the M records whose
    compared column is not null (the pairs random sampling divides by). Like a random
    sample, the count includes true matches.

    The pairs are found from the distinct name combinations (:meth:`ModelData.value_counts_of`
    on :data:`NAME_COLUMNS`, so any engine), on a private DuckDB:

    * close pairs: each forename value and surname value with a Jaro-Winkler similarity
      of at least :data:`~linkage.resolve.model.NAMES_SWAPPED_SIMILARITY` (DuckDB's
      function, which the level itself calls), or whose groups meet (the surname read as a
      forename: JONNY and JOHN);
    * candidates: combinations (f, s) and (f', s') with (f, s') and (f', s) both close.
      They include every pair in either swap level (an exact swap is similarity 1);
    * each candidate is then put in a level by the comparison's own SQL conditions, in
      order, so pairs an earlier level takes (same forename, nicknames of one name, close
      spellings of one forename or surname) are not counted.

    The count is exact while the distinct forenames times distinct surnames stay within
    :data:`MAX_NAME_VALUE_PAIRS` (about 5M at 50,000 generated people). Above it, close
    pairs are sought only among values sharing a first letter, and the misspelt level's
    count is a lower bound: Jaro-Winkler also passes some pairs whose first letters
    differ (EMMA/GEMMA, TRICIA/PATRICIA: 5% of close pairs at 50,000 people). The exact
    swap level stays exact. Soundex codes would be cheaper to group by but miss more
    (JOHNSON/JOHNSTON).

    Args:
        records: The model input, on any engine (as for :func:`train`).
        model: The model config (the comparisons come from it).

    Returns:
        u by comparison (output column) and level label, for ``model.settings``; a level
        is left out (and sampled) when fewer than two records hold its column. A level no
        pair reaches gets one pair's worth: Splink needs u > 0.
    """
    data = as_model_data(records)
    # Only the comparisons holding a counted level are built: building one parses every level's SQL.
    creators = [c for c in settings(model).comparisons if any(_label(level) in COUNTED_LEVELS for level in c.create_comparison_levels())]
    comparisons = [comparison.get_comparison(SAVED_DIALECT) for comparison in creators]
    if not comparisons:
        return {}
    names = data.value_counts_of(NAME_COLUMNS)
    distinct = {column: pc.count_distinct(names[column]).as_py() for column in ("forename", "surname")}
    blocked = distinct["forename"] * distinct["surname"] > MAX_NAME_VALUE_PAIRS
    with data.counting() as con:
        con.register("name_counts", names)
        _candidate_name_pairs(con, blocked)
        result: dict[str, dict[str, float]] = {}
        for comparison in comparisons:
            column = comparison.output_column_name
            _, held = _pairs_sharing(data, column)
            if held < 2:
                continue
            counts = _pairs_by_level(con, comparison.comparison_levels)
            result[column] = {
                level.label_for_charts: _u_from_pairs(counts.get(index, 0), held)
                for index, level in enumerate(comparison.comparison_levels)
                if level.label_for_charts in COUNTED_LEVELS
            }
    logger.info(
        "training: name-swap u counted over all pairs%s: %s",
        " (close spellings sought within first letters)" if blocked else "",
        "; ".join(f"{column} '{label}' {u:.3g}" for column, levels in result.items() for label, u in levels.items()),
    )
    return result


def _label(level: ComparisonLevelCreator) -> str:
    """The chart label a level creator gives its level (the one set by ``configure``, else its own), without building it."""
    configured = getattr(level, "label_for_charts", None)
    return configured if configured is not None else level.create_label_for_charts()


def _candidate_name_pairs(con: duckdb.DuckDBPyConnection, blocked: bool) -> None:
    """``name_pairs``: pairs of name combinations that may be in a swap level, with their record pairs.

    Columns ``<column>_l`` and ``<column>_r`` for each of :data:`NAME_COLUMNS`, as the
    levels' SQL names them, and ``pairs``: ordered pairs of distinct records (n(n-1) for
    a combination paired with itself).
    """
    same_letter = "left(f.forename, 1) = left(s.surname, 1)" if blocked else "TRUE"
    run_sql(
        con,
        "train:close names",
        f"""
        CREATE TEMP TABLE close_names AS
        WITH f AS (SELECT DISTINCT forename FROM name_counts), s AS (SELECT DISTINCT surname FROM name_counts),
        fg AS (SELECT DISTINCT forename, unnest(forename_groups) AS name FROM name_counts),
        sg AS (SELECT DISTINCT surname, unnest(surname_groups) AS name FROM name_counts)
        SELECT f.forename, s.surname FROM f JOIN s ON {same_letter}
        WHERE jaro_winkler_similarity(f.forename, s.surname) >= {NAMES_SWAPPED_SIMILARITY}
        UNION
        SELECT fg.forename, sg.surname FROM fg JOIN sg USING (name)
        """,
    )
    sides = ", ".join(
        f"{side}.{quote_ident(column)} AS {quote_ident(f'{column}_{side}')}" for side in ("l", "r") for column in NAME_COLUMNS
    )
    run_sql(con, "train:name ids", "CREATE TEMP TABLE names AS SELECT row_number() OVER () AS id, * FROM name_counts")
    run_sql(
        con,
        "train:swapped name candidates",
        f"""
        CREATE TEMP TABLE name_pairs AS
        SELECT {sides}, CASE WHEN l.id = r.id THEN l."count" * (l."count" - 1) ELSE l."count" * r."count" END AS pairs
        FROM names AS l
        JOIN close_names AS a ON a.forename = l.forename
        JOIN names AS r ON r.surname = a.surname
        JOIN close_names AS b ON b.forename = r.forename AND b.surname = l.surname
        """,
    )


def _pairs_by_level(con: duckdb.DuckDBPyConnection, levels: list[ComparisonLevel]) -> dict[int, int]:
    """Record pairs among the candidates by the index of the level the comparison puts them in.

    Only levels up to the last counted one are evaluated (later ones read columns the
    candidates lack); pairs past them are left out.
    """
    last = max(index for index, level in enumerate(levels) if level.label_for_charts in COUNTED_LEVELS)
    cases = " ".join(f"WHEN {level.sql_condition} THEN {index}" for index, level in enumerate(levels[: last + 1]))
    rows = fetch_arrow(
        con,
        "train:swapped name pairs by level",
        f"SELECT CASE {cases} END AS level, sum(pairs) AS pairs FROM name_pairs GROUP BY ALL",
    ).to_pylist()
    return {row["level"]: int(row["pairs"]) for row in rows if row["level"] is not None}
