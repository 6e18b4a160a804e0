"""The Splink model, defined in code from the model config."""

from __future__ import annotations

from collections.abc import Mapping

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from linkage.config import ModelConfig
from linkage.resolve import rare_levels as rare
from linkage.resolve.array_levels import CrossSharesAValueLevel, SharesAValueLevel
from linkage.resolve.custom_levels import DuckDBLevel, fixed_u_level, neutral_level
from linkage.resolve.model_inputs import blocking_rules, identifier_column

#: Same DOB but day and month transposed (only possible when both are 12 or less).
DOB_SWAPPED = "year(dob_l) = year(dob_r) AND month(dob_l) = day(dob_r) AND day(dob_l) = month(dob_r)"
DOB_SAME_MONTH = "year(dob_l) = year(dob_r) AND month(dob_l) = month(dob_r)"
#: Systems default an unknown day and month to 1 January: such a date says only the year, so two
#: on 1 January of one year are not the same DOB (placeholders: 84 of 85 such harsh review pairs
#: were two people) but the 1 January level after it, as 1 January and 12 March are. Exact stays
#: the first level after null, as ``monotone.exact_never_weaker`` reads every comparison.
DOB_EXACT = "dob_l = dob_r AND NOT (month(dob_l) = 1 AND day(dob_l) = 1)"
DOB_DEFAULT_JAN1 = "year(dob_l) = year(dob_r) AND ((month(dob_l) = 1 AND day(dob_l) = 1) OR (month(dob_r) = 1 AND day(dob_r) = 1))"
DOB_YEAR_TYPO = "abs(year(dob_l) - year(dob_r)) = 1 AND month(dob_l) = month(dob_r) AND day(dob_l) = day(dob_r)"
#: A month keyed wrong: the same year and day.
DOB_SAME_DAY = "year(dob_l) = year(dob_r) AND day(dob_l) = day(dob_r)"
#: One keystroke apart in YYYYMMDD (one digit changed, or two adjacent digits swapped: 1985 keyed
#: as 1958 or 1975), past the levels above: evidence the model weighs, not the else level's veto.
#: The distance is computed only where the year or the day agree: one keystroke changes at most two
#: neighbouring digits, so it never reaches both (the 3rd/4th and the 5th/6th digits are not
#: neighbours). The test changes no result and spares 95% of the distance computations on the
#: random pairs u sampling compares, where this level was the costliest part of training.
DOB_ONE_KEYSTROKE = (
    "(year(dob_l) = year(dob_r) OR day(dob_l) = day(dob_r)) "
    "AND damerau_levenshtein(strftime(dob_l, '%Y%m%d'), strftime(dob_r, '%Y%m%d')) <= 1"
)
#: One agency records a person by their middle name ("Mary Jane" known as JANE).
FORENAME_IS_MIDDLE = (  # split only where the forename is in the middle names' text: same result, far less work
    "(contains(coalesce(middle_names_r, ''), forename_l) AND list_contains(string_split(coalesce(middle_names_r, ''), ' '), forename_l)) "
    "OR (contains(coalesce(middle_names_l, ''), forename_r) AND list_contains(string_split(coalesce(middle_names_l, ''), ' '), forename_r))"
)
#: How close a forename and the other record's surname must be (Jaro-Winkler) to count as swapped and misspelt.
NAMES_SWAPPED_SIMILARITY = 0.9
#: "RICHAARDS, Sarah" keyed the wrong way round and misspelt, or "BELSTEAD, Jonny" keyed the wrong
#: way round against JOHN BELSTEAD: one name close, the other close or a nickname of the same name
#: (a surname's ``surname_groups`` are its groups as a forename; NULL for most surnames).
NAMES_SWAPPED_FUZZY = (
    f"(jaro_winkler_similarity(forename_l, surname_r) >= {NAMES_SWAPPED_SIMILARITY} "
    f"AND (jaro_winkler_similarity(surname_l, forename_r) >= {NAMES_SWAPPED_SIMILARITY} "
    "OR list_has_any(surname_groups_l, forename_groups_r))) "
    f"OR (jaro_winkler_similarity(surname_l, forename_r) >= {NAMES_SWAPPED_SIMILARITY} "
    "AND list_has_any(forename_groups_l, surname_groups_r))"
)
#: Labels of the name-swap levels, in the forename and the surname comparison alike. Random pairs
#: almost never fall in them, so their u is counted over all records (``fixed_u.swapped_name_u``).
NAMES_SWAPPED = "Forename and surname swapped"
NAMES_SWAPPED_MISSPELT = "Forename and surname swapped, misspelt or a nickname"
#: Label of the surname level for one character added, dropped, changed or two swapped.
SURNAME_ONE_KEYSTROKE = "Surname one keystroke apart"
#: Damerau-Levenshtein distance 1, computed only where it can hold (almost every pair reaches this
#: last level, and the distance is the costliest part of training): lengths at most one apart, and
#: the first or last letter kept, as one keystroke keeps one of them in names over two letters.
SURNAME_ONE_KEYSTROKE_SQL = (
    "abs(length(surname_l) - length(surname_r)) <= 1 "
    "AND (left(surname_l, 1) = left(surname_r, 1) OR right(surname_l, 1) = right(surname_r, 1) "
    "OR least(length(surname_l), length(surname_r)) <= 2) "
    "AND damerau_levenshtein(surname_l, surname_r) <= 1"
)
#: Postcode sector: the outward code and the first digit of the inward code.
POSTCODE_SECTOR = "left(postcode_l, length(postcode_l) - 2) = left(postcode_r, length(postcode_r) - 2)"
#: Postcode area: the outward code's opening letters (RM3 and RM4: one town); people move within a town far
#: more than between towns. Codes with no leading letters (other countries' postal codes kept whole) have none.
POSTCODE_AREA = "nullif(regexp_extract(postcode_outward_l, '^[A-Z]+', 0), '') = regexp_extract(postcode_outward_r, '^[A-Z]+', 0)"

#: Two records with the same other party in police DA incidents (by PNC ID, or by a name and birth year).
SAME_PARTNER = (
    "partner_pnc_l = partner_pnc_r OR partner_first_l = partner_first_r OR partner_last_l = partner_last_r "
    "OR partner_name_l = partner_name_r"
)
PARTNER_NULL = (
    "(partner_pnc_l IS NULL AND partner_first_l IS NULL AND partner_last_l IS NULL AND partner_name_l IS NULL) "
    "OR (partner_pnc_r IS NULL AND partner_first_r IS NULL AND partner_last_r IS NULL AND partner_name_r IS NULL)"
)


#: Gammas (else 0) of the forename levels saying only that two forenames look or sound alike (JW 0.8, a
#: misspelt nickname, Soundex): a keying error or two names (OLIVER, OLIVIA); ``bands`` asks how common.
FORENAME_LOOKALIKE_GAMMAS = (1, 3, 6)
FORENAME_NEAR_NICKNAME = "One keystroke from a nickname of the same name (Tmo, Thomas)"


def forename_comparison(tf: bool, fixed_u: Mapping[str, float] | None = None) -> ComparisonCreator:
    """Forename: exact, nickname, close spelling, a nickname misspelt, swapped with surname, sounds alike.

    Args:
        tf: Adjust the exact level for how common the forename is.
        fixed_u: u of levels, by label, fixed rather than sampled (see ``fixed_u.swapped_name_u``).
    """
    fixed_u = fixed_u or {}
    return cl.CustomComparison(
        output_column_name="forename",
        comparison_description="Forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename", term_frequency_adjustments=tf),
            SharesAValueLevel("forename_groups").configure(
                label_for_charts="Nickname of the same name (Bob, Robert)"
            ),
            cll.JaroWinklerLevel("forename", 0.92),
            CrossSharesAValueLevel("forename_near", "forename_groups", FORENAME_NEAR_NICKNAME),
            fixed_u_level(
                cll.ColumnsReversedLevel("forename", "surname", symmetrical=True).configure(label_for_charts=NAMES_SWAPPED),
                fixed_u.get(NAMES_SWAPPED),
            ),
            fixed_u_level(DuckDBLevel(NAMES_SWAPPED_FUZZY, NAMES_SWAPPED_MISSPELT), fixed_u.get(NAMES_SWAPPED_MISSPELT)),
            cll.ExactMatchLevel("forename_soundex").configure(label_for_charts="Forenames sound alike"),
            fixed_u_level(DuckDBLevel(FORENAME_IS_MIDDLE, rare.FORENAME_IS_MIDDLE_LABEL), fixed_u.get(rare.FORENAME_IS_MIDDLE_LABEL)),
            cll.JaroWinklerLevel("forename", 0.8),
            cll.ElseLevel(),
        ],
    )


#: Model-input column of a forename and the five years its holder was born in (``model_inputs.DERIVED_COLUMNS``).
FORENAME_COHORT = "forename_cohort"
#: Fixed m and u of the cohort comparison's agreeing level; its term-frequency lookup holds this times
#: the name's ratio (``cohort.cohort_frequencies``), so the level weighs -log2(ratio) and nothing else.
COHORT_BASE_U = 0.01
FORENAME_COHORT_LABEL = "Same forename, born in the same five years"


def forename_cohort_comparison() -> ComparisonCreator:
    """How fashionable a shared forename was among people born in the same five years: the correction to the forename's evidence.

    The forename comparison weighs a shared name by its share among everyone; the DOB comparison
    weighs the shared birth date as if names did not depend on it. They do (names follow
    fashions), so two strangers born in 2012 share OLIVIA far more often than its overall share
    says. For a pair agreeing on the name with both DOBs in the same five years, this comparison
    adds -log2 of the name's share there over its share overall (``cohort.cohort_frequencies``);
    its levels' m equal their u, fixed, so it says nothing else. A pair with a DOB missing is in
    its null level: nothing to correct.
    """
    base = COHORT_BASE_U
    return cl.CustomComparison(
        output_column_name=FORENAME_COHORT,
        comparison_description="Forename's share among people born in the same five years",
        comparison_levels=[
            cll.CustomLevel(
                f"{FORENAME_COHORT}_l IS NULL OR {FORENAME_COHORT}_r IS NULL OR dob_l IS NULL OR dob_r IS NULL"
            ).configure(is_null_level=True, label_for_charts="Forename or DOB missing"),
            cll.ExactMatchLevel(FORENAME_COHORT, term_frequency_adjustments=True).configure(
                label_for_charts=FORENAME_COHORT_LABEL, m_probability=base, u_probability=base, fix_m_probability=True, fix_u_probability=True,
            ),
            cll.ElseLevel().configure(m_probability=1 - base, u_probability=1 - base, fix_m_probability=True, fix_u_probability=True),
        ],
    )


def surname_comparison(tf: bool, fixed_u: Mapping[str, float] | None = None) -> ComparisonCreator:
    """Surname: exact, swapped (no evidence of its own: see ``_neutral``), close spelling, shared part of a double-barrelled name, sounds alike, one keystroke.

    Args:
        tf: Adjust the exact level for how common the surname is.
        fixed_u: u of levels, by label, fixed rather than sampled (see ``fixed_u.swapped_name_u``).
    """
    fixed_u = fixed_u or {}
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="Surname",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=tf),
            neutral_level(
                cll.ColumnsReversedLevel("surname", "forename", symmetrical=True).configure(label_for_charts=NAMES_SWAPPED),
                fixed_u.get(NAMES_SWAPPED),
            ),
            cll.JaroWinklerLevel("surname", 0.92),
            neutral_level(DuckDBLevel(NAMES_SWAPPED_FUZZY, NAMES_SWAPPED_MISSPELT), fixed_u.get(NAMES_SWAPPED_MISSPELT)),
            fixed_u_level(SharesAValueLevel("surname_parts").configure(label_for_charts=rare.SURNAME_PART_LABEL), fixed_u.get(rare.SURNAME_PART_LABEL)),
            cll.ExactMatchLevel("surname_soundex").configure(label_for_charts="Surnames sound alike"),
            # A typo that neither Jaro-Winkler (short names: MEYER keyed MECER, 0.89) nor Soundex
            # (M600, M260) catches; last, so a pair any level above takes keeps its level.
            fixed_u_level(DuckDBLevel(SURNAME_ONE_KEYSTROKE_SQL, SURNAME_ONE_KEYSTROKE), fixed_u.get(SURNAME_ONE_KEYSTROKE)),
            cll.ElseLevel(),
        ],
    )


def dob_comparison(fixed_u: Mapping[str, float] | None = None) -> ComparisonCreator:
    """Date of birth: exact (not 1 January), 1 January default (either side, same year), day/month swapped, day typo, month typo, year typo, any one keystroke; ``fixed_u``: u by label, fixed not sampled."""
    fixed_u = fixed_u or {}
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_description="Date of birth",
        comparison_levels=[
            cll.NullLevel("dob"),
            fixed_u_level(DuckDBLevel(DOB_EXACT, rare.DOB_EXACT_LABEL), fixed_u.get(rare.DOB_EXACT_LABEL)),
            fixed_u_level(DuckDBLevel(DOB_DEFAULT_JAN1, rare.DOB_JAN1_LABEL), fixed_u.get(rare.DOB_JAN1_LABEL)),
            fixed_u_level(DuckDBLevel(DOB_SWAPPED, rare.DOB_SWAPPED_LABEL), fixed_u.get(rare.DOB_SWAPPED_LABEL)),
            DuckDBLevel(DOB_SAME_MONTH, "Same year and month"),
            DuckDBLevel(DOB_SAME_DAY, "Same year and day"),
            fixed_u_level(DuckDBLevel(DOB_YEAR_TYPO, rare.DOB_YEAR_TYPO_LABEL), fixed_u.get(rare.DOB_YEAR_TYPO_LABEL)),
            DuckDBLevel(DOB_ONE_KEYSTROKE, "One keystroke apart"),
            cll.ElseLevel(),
        ],
    )


def identifier_comparison(column: str, description: str, u_exact: float | None = None) -> ComparisonCreator:
    """An identifier: equal, or different (strong evidence of two people).

    Args:
        column: The identifier column.
        description: Shown in charts.
        u_exact: If given, the exact level's u is fixed to it (and the other level's to
            its complement) rather than sampled: random pairs rarely share an identifier,
            so a sample can miss the level entirely on a large population.
    """
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=description,
        comparison_levels=[cll.NullLevel(column), *_agree_or_else(cll.ExactMatchLevel(column), u_exact)],
    )


#: Key of a declared identifier's one-keystroke level in ``settings``' ``level_u``.
ONE_KEYSTROKE = "One keystroke apart"


def declared_identifier_comparison(
    name: str, label: str, typo_level: bool, u_exact: float | None = None, u_typo: float | None = None
) -> ComparisonCreator:
    """A declared identifier (``ModelConfig.identifiers``): equal, one keystroke apart, or different.

    The one-keystroke level (Damerau-Levenshtein distance 1: a character added, dropped,
    changed or two swapped) is evidence like any level, its m learned by EM; never a veto.

    Args:
        name: The identifier's name; its column is :func:`identifier_column`.
        label: Shown in charts.
        typo_level: Whether the one-keystroke level is compared.
        u_exact: If given, the exact level's u is fixed to it (see :func:`identifier_comparison`).
        u_typo: If given (with ``u_exact``), the one-keystroke level's u is fixed to it, and the
            else level's to what is left: random samples rarely hold such a pair either.
    """
    column = identifier_column(name)
    # Splink keeps level labels, not the comparison's description: each level names the identifier.
    agree = cll.ExactMatchLevel(column).configure(label_for_charts=f"Same {label}")
    other = f"{label} differs"
    if not typo_level:
        exact, rest = _agree_or_else(agree, u_exact)
        levels = [exact, rest.configure(label_for_charts=other)]
    else:
        typo = cll.DamerauLevenshteinLevel(column, 1).configure(label_for_charts=f"{label} {ONE_KEYSTROKE.lower()}")
        levels = [agree, typo, cll.ElseLevel().configure(label_for_charts=other)]
        if u_exact is not None and u_typo is not None:
            levels = [
                agree.configure(u_probability=u_exact, fix_u_probability=True),
                typo.configure(u_probability=u_typo, fix_u_probability=True),
                levels[2].configure(u_probability=max(1 - u_exact - u_typo, 1e-9), fix_u_probability=True),
            ]
        elif u_exact is not None:
            levels[0] = agree.configure(u_probability=u_exact, fix_u_probability=True)
    missing = cll.NullLevel(column).configure(label_for_charts=f"{label} missing")
    return cl.CustomComparison(output_column_name=column, comparison_description=label, comparison_levels=[missing, *levels])


def exact_gamma(model: ModelConfig, name: str) -> int:
    """The gamma (Splink's level number) of a declared identifier's exact level: the highest."""
    return 2 if model.identifiers[name].typo_level else 1


def _agree_or_else(agree: ComparisonLevelCreator, u: float | None) -> list[ComparisonLevelCreator]:
    """An agreement level and the else level, their u fixed to ``u`` and its complement when given."""
    other = cll.ElseLevel()
    if u is None:
        return [agree, other]
    return [
        agree.configure(u_probability=u, fix_u_probability=True),
        other.configure(u_probability=1 - u, fix_u_probability=True),
    ]


def partner_comparison(u_same: float | None = None) -> ComparisonCreator:
    """Relational context: the same other party in police DA incidents, or another.

    Two victim records of one suspect (or two suspect records of one victim) are far
    likelier one person than two records drawn at random: a perpetrator has few victims.
    The level's m is learned by EM like any other; its u is the chance that two random
    records with a partner share one, computed from the data (see ``fixed_u.partner_u``).
    The same partner also exempts a pair from ``forenames_must_agree``
    (``bands.select_edges``), but the names' own evidence must still carry it over the
    link threshold: two victims of one suspect with different forenames stay apart.

    Args:
        u_same: If given, the shared level's u is fixed to it rather than sampled.
    """
    same = DuckDBLevel(SAME_PARTNER, "Same other party in a DA incident")
    return cl.CustomComparison(
        output_column_name="partner",
        comparison_description="Other party in DA incidents",
        comparison_levels=[
            DuckDBLevel(PARTNER_NULL, "No DA incident partner").configure(is_null_level=True), *_agree_or_else(same, u_same),
        ],
    )


def postcode_comparison(tf: bool, fixed_u: Mapping[str, float] | None = None) -> ComparisonCreator:
    """Postcode: exact, same sector, same outward code, same area (people move nearby, and within a town); ``fixed_u`` as for :func:`dob_comparison`."""
    fixed_u = fixed_u or {}
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_description="Postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode", term_frequency_adjustments=tf),
            DuckDBLevel(POSTCODE_SECTOR, "Same postcode sector"),
            fixed_u_level(cll.ExactMatchLevel("postcode_outward").configure(label_for_charts=rare.POSTCODE_OUTWARD_LABEL), fixed_u.get(rare.POSTCODE_OUTWARD_LABEL)),
            DuckDBLevel(POSTCODE_AREA, "Same postcode area"),
            cll.ElseLevel(),
        ],
    )


def settings(
    model: ModelConfig,
    identifier_u: Mapping[str, float] | None = None,
    level_u: Mapping[str, Mapping[str, float]] | None = None,
    prior: float | None = None,
) -> SettingsCreator:
    """Splink settings for deduplicating all sources' records as one table.

    Args:
        model: The model config.
        identifier_u: Exact-match u per identifier column (``id_<name>`` for a declared
            one), computed from the data (see ``fixed_u.identifier_u``); sampled like the
            others when absent.
        level_u: u of levels, by comparison (output column) and level label, computed
            from the data (see ``fixed_u.swapped_name_u``, ``fixed_u.one_keystroke_u``) and
            fixed; sampled when absent.
        prior: The probability that two random records match (``prior.deterministic_prior``);
            Splink's default when absent.

    Returns:
        A ``SettingsCreator`` ready for ``Linker``.
    """
    tf = set(model.term_frequency)
    identifier_u = identifier_u or {}
    level_u = level_u or {}
    return SettingsCreator(
        link_type="dedupe_only",
        **({} if prior is None else {"probability_two_random_records_match": prior}),
        unique_id_column_name="unique_id",
        comparisons=[
            forename_comparison("forename" in tf, level_u.get("forename")),
            surname_comparison("surname" in tf, level_u.get("surname")),
            dob_comparison(level_u.get("dob")),
            identifier_comparison("nhs_number", "NHS number", identifier_u.get("nhs_number")),
            identifier_comparison("pnc_id", "PNC ID", identifier_u.get("pnc_id")),
            postcode_comparison("postcode" in tf, level_u.get("postcode")),
            cl.ExactMatch("sex"),
            partner_comparison(identifier_u.get("partner")),
            *([forename_cohort_comparison()] if "forename" in tf and model.forename_frequency_by_birth_year else []),
            *(
                declared_identifier_comparison(
                    name, model.identifier_label(name), declared.typo_level, identifier_u.get(identifier_column(name)),
                    level_u.get(identifier_column(name), {}).get(ONE_KEYSTROKE),
                )
                for name, declared in model.identifiers.items()
            ),
        ],
        blocking_rules_to_generate_predictions=blocking_rules(model),
        additional_columns_to_retain=["source"],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
