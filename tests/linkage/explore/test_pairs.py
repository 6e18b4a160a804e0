"""Review-band pairs, and any two records side by side with their differences."""

from __future__ import annotations

import pandas as pd
import pytest

from linkage.explore import compare_records, review_queue


def test_review_queue_holds_one_row_per_group_most_uncertain_first(cur):
    result = review_queue(cur)
    queue = result.groups
    expected = cur.execute("SELECT count(*) FROM pairs WHERE band = 'review'").fetchone()[0]
    assert expected > 0 and result.undecided_pairs == expected and result.decided_pairs == 0
    assert queue["group_pairs"].sum() == expected, "every review pair is in exactly one group"
    assert len(queue) < expected, "a trio's three pairs are one row"
    distance = (queue["match_probability"] - 0.5).abs()
    assert list(distance) == sorted(distance)
    assert (queue["unique_id_l"] < queue["unique_id_r"]).all()


def test_a_decided_pair_leaves_the_queue_and_its_group_shows_the_next(cur):
    before = review_queue(cur)
    group = before.groups[before.groups["group_pairs"] > 1].iloc[0]
    decided = pd.DataFrame([{"unique_id_l": group["unique_id_r"], "unique_id_r": group["unique_id_l"]}])  # either order
    after = review_queue(cur, decided=decided)
    assert (after.undecided_pairs, after.decided_pairs) == (before.undecided_pairs - 1, 1)
    listed = set(zip(after.groups["unique_id_l"], after.groups["unique_id_r"], strict=True))
    assert (group["unique_id_l"], group["unique_id_r"]) not in listed
    assert len(after.groups) == len(before.groups), "the group stays, by another pair"


WHY = [
    ("the band rule with its probability", {"reason": "match probability in the review band"}, "match probability 0.60, in the review band"),
    ("another band rule as it is", {"reason": "ambiguous: also matches a person this one cannot be"}, "ambiguous: also matches"),
    ("the comparison weighing most for", {}, "for: exact match on dob (+9.0), forename: nickname (+2.0)"),
    ("the one against, an 'all other' level read as differs", {}, "against: surname differs (-4.0)"),
]


@pytest.mark.parametrize(("description", "change", "expected"), WHY, ids=[w[0] for w in WHY])
def test_why_in_review(description, change, expected):
    from linkage.explore.pairs import _why

    row = {"reason": "match probability in the review band", "match_probability": 0.6,
           "gamma_dob": 3, "mw_dob": 9.0, "gamma_forename": 2, "mw_forename": 2.0, "gamma_surname": 0, "mw_surname": -4.0,
           "gamma_nhs_number": -1, "mw_nhs_number": 0.0, **change}
    labels = {"dob": {3: "Exact match on dob"}, "forename": {2: "Nickname"}, "surname": {0: "All other comparisons"}}
    text = _why(row, ["dob", "forename", "surname", "nhs_number"], labels)
    assert expected in text, description
    assert "nhs" not in text, "a missing value weighs nothing either way"


def test_a_review_pair_side_by_side(cur):
    queue = review_queue(cur).groups
    left, right = queue.iloc[0][["unique_id_l", "unique_id_r"]]
    view = compare_records(cur, right, left)
    assert (view.unique_id_l, view.unique_id_r) == (left, right)
    assert view.scored and view.band == "review"
    assert view.match_probability == pytest.approx(queue.iloc[0]["match_probability"])
    fields = view.fields.set_index("field")
    assert fields.at["record_id", "left"] == left.split(":", 1)[1]
    assert not view.fields[["left", "right"]].stack().str.fullmatch(r"\d{4}-\d{2}-\d{2}").any(), "dates read dd/mm/yyyy"
    for row in view.fields.itertuples():
        missing = row.left == "", row.right == ""
        expected = (
            "record detail" if not row.identity  # record id, agency, event date: never a disagreement
            else "both missing" if all(missing) else "one missing" if any(missing)
            else "same" if row.left == row.right else "different"
        )
        assert row.status == expected, row.field


def test_any_two_records_can_be_challenged_even_unscored(cur):
    left, right = cur.execute(
        "SELECT a.unique_id, b.unique_id FROM records AS a, records AS b "
        "WHERE a.unique_id < b.unique_id AND a.dob <> b.dob AND a.surname <> b.surname "
        "AND NOT EXISTS (SELECT 1 FROM pairs AS p WHERE p.unique_id_l = a.unique_id AND p.unique_id_r = b.unique_id) "
        "ORDER BY a.unique_id, b.unique_id LIMIT 1"
    ).fetchone()
    view = compare_records(cur, left, right)
    assert not view.scored and view.band is None and view.match_weight is None
    fields = view.fields.set_index("field")
    assert fields.at["surname", "status"] == "different"
    assert fields.at["surname", "identity"]


@pytest.mark.parametrize(
    ("description", "pair"),
    [("an unknown record", ("police:nope", None)), ("a record with itself", (None, None))],
    ids=["unknown record", "same record"],
)
def test_comparing_nothing_gives_none(cur, description, pair):
    known = cur.execute("SELECT min(unique_id) FROM records").fetchone()[0]
    left, right = (p or known for p in pair)
    assert compare_records(cur, left, right) is None, description
