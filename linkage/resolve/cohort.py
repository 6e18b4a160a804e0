"""The forename's fashion among people born in the same five years: the lookup of ``model.forename_cohort_comparison``.

The forename comparison weighs a shared name by its share among everyone, and the DOB
comparison weighs a shared birth date as if names did not depend on it. They do: names follow
fashions, so strangers born in the same years share a forename far more often than its overall
share says. The cohort comparison corrects that for a pair agreeing on the name with both DOBs
in the same five years: its agreeing level's m and u are both :data:`~linkage.resolve.model.COHORT_BASE_U`,
fixed, and its term-frequency lookup holds that times the name's share in those years over its
share among everyone, so the level weighs -log2 of that ratio and nothing else.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkage.resolve.model import COHORT_BASE_U, FORENAME_COHORT

#: Records of a forename that its share among everyone must put in five years of births for its ratio
#: there to be used: the pair's own two records then inflate the share by 10% at most.
COHORT_MIN_EXPECTED = 20.0


def cohort_frequencies(counts: pa.Table) -> pa.Table:
    """The cohort comparison's lookup (``forename_cohort`` and ``tf_forename_cohort``) from the keys' counts.

    A share counts the pair's own records too (as every term frequency does), which makes a name
    look common where few records hold it: a rare name's duplicate pair alone, in a small data
    set's five years, would weigh against itself. So the ratio is taken only where the name's
    share among everyone would put at least :data:`COHORT_MIN_EXPECTED` records of it in those
    years (the fashionable names, where two strangers born then most often meet); elsewhere,
    and for records with no DOB, it is 1.

    Args:
        counts: Each ``forename|five years`` key (``value``; the years empty with no DOB) and
            the records holding it (``count``), as ``ModelData.value_counts`` gives them.
    """
    held = counts["count"].to_numpy().astype("float64")
    ratio = np.ones(len(held))
    if len(held):
        keys = [value.rpartition("|") for value in counts["value"].to_pylist()]
        _, name_of = np.unique(np.array([key[0] for key in keys], dtype=object), return_inverse=True)
        years = np.array([key[2] for key in keys], dtype=object)
        _, years_of = np.unique(years, return_inverse=True)
        overall = np.bincount(name_of, weights=held)[name_of] / held.sum()
        in_years = np.bincount(years_of, weights=held)[years_of]
        told = (years != "") & (in_years * overall >= COHORT_MIN_EXPECTED)
        ratio[told] = held[told] / in_years[told] / overall[told]
    return pa.table({FORENAME_COHORT: pa.array(counts["value"], pa.string()), f"tf_{FORENAME_COHORT}": pa.array(COHORT_BASE_U * ratio, pa.float64())})


def with_cohort_lookup(records: pa.Table, settings: object, term_frequencies: dict[str, pa.Table] | None) -> dict[str, pa.Table]:
    """The term-frequency lookups to register, with the cohort comparison's computed from ``records`` if the settings hold it and none was given.

    Splink would derive a missing lookup as any term frequency, a key's plain share; the cohort
    comparison reads a ratio (a linker built without the saved lookups: a test, a chart).
    """
    tables = dict(term_frequencies or {})
    if FORENAME_COHORT not in tables and FORENAME_COHORT in records.column_names and _uses_cohort(settings):
        counts = pc.value_counts(records[FORENAME_COHORT].drop_null())
        tables[FORENAME_COHORT] = cohort_frequencies(pa.table({"value": counts.field("values"), "count": counts.field("counts")}))
    return tables


def _uses_cohort(settings: object) -> bool:
    """Whether Splink settings (a ``SettingsCreator`` or a saved model's dict) hold the cohort comparison."""
    comparisons = settings.get("comparisons", []) if isinstance(settings, dict) else getattr(settings, "comparisons", [])
    names = [c.get("output_column_name") if isinstance(c, dict) else getattr(c, "output_column_name", None) for c in comparisons]
    return FORENAME_COHORT in names
