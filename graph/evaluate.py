"""Score flags against the synthetic generator's truth (pandas only)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from graph.codes import FlagCode
from graph.flags.specs import FLAG_SPECS

__all__ = ["EVALUATED", "evaluate_flags"]

#: Flag -> the truth column of people.csv it is scored against (read from the flags' specs).
EVALUATED: dict[FlagCode, str] = {code: spec.truth_column for code, spec in FLAG_SPECS.items() if spec.truth_column}


def _truthy(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip().str.lower().isin(("true", "1", "yes"))


def evaluate_flags(
    flagged: Iterable[tuple[str, str]],
    events: pd.DataFrame,
    truth_records: pd.DataFrame,
    truth_people: pd.DataFrame,
) -> dict[str, dict[str, float | int]]:
    """Precision and recall of each evaluated flag against the generator's truth.

    Each resolved person stands for the true person who owns most of its records. A
    flag on a resolved person is a true positive when that true person carries the
    truth marker; recall is over true marked people who have any record, counting
    one found if any resolved person standing for them is flagged.

    Args:
        flagged: ``(flag code, flagged person id)`` per flag: from ``run_flags``
            (``(f.code, f.person_ids[0])``) or read back from the store.
        events: The events frame the graph was built from (unique_id, person_id).
        truth_records: truth/records.csv (source, record_id, person_id).
        truth_people: truth/people.csv (person_id and the ``is_*`` markers).

    Returns:
        ``{flag code: {flagged, true_positive, false_positive, truth, found,
        precision, recall}}``, for the flags whose marker column ``truth_people`` has.
    """
    truth = truth_records.assign(
        unique_id=truth_records["source"].astype(str) + ":" + truth_records["record_id"].astype(str)
    )[["unique_id", "person_id"]].rename(columns={"person_id": "true_id"})
    joined = events[["unique_id", "person_id"]].merge(truth, on="unique_id", how="inner")
    counts = joined.groupby(["person_id", "true_id"]).size().reset_index(name="n")
    # Majority owner; ties go to the smallest true id so the result is deterministic.
    counts = counts.sort_values(["person_id", "n", "true_id"], ascending=[True, False, True])
    majority = counts.drop_duplicates("person_id").set_index("person_id")["true_id"]
    with_records = set(joined["true_id"])

    by_code: dict[FlagCode, set[str]] = {code: set() for code in EVALUATED}
    for code, person_id in flagged:
        if code in by_code:
            by_code[FlagCode(code)].add(person_id)

    report: dict[str, dict[str, float | int]] = {}
    for code, column in EVALUATED.items():
        if column not in truth_people.columns:
            continue  # a truth set without this marker (not from our generator) cannot score the flag
        marked = set(truth_people.loc[_truthy(truth_people[column]), "person_id"]) & with_records
        flagged = by_code[code]
        owners = majority.reindex(sorted(flagged))
        tp = int(owners.isin(marked).sum())
        found = len(set(owners.dropna()) & marked)
        report[code.value] = {
            "flagged": len(flagged),
            "true_positive": tp,
            "false_positive": len(flagged) - tp,
            "truth": len(marked),
            "found": found,
            "precision": tp / len(flagged) if flagged else 1.0,
            "recall": found / len(marked) if marked else 1.0,
        }
    return report
