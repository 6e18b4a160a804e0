"""Review-band pairs, and any two records side by side with their differences."""

from __future__ import annotations

import pandas as pd
import pytest

from linkage.explore import compare_records, review_queue


def test_review_queue_holds_only_review_band_pairs_most_uncertain_first(cur):
    queue = review_queue(cur)
    expected = cur.execute("SELECT count(*) FROM pairs WHERE band = 'review'").fetchone()[0]
    assert len(queue) == min(expected, 200)
    assert expected > 0
    distance = (queue["match_probability"] - 0.5).abs()
    assert list(distance) == sorted(distance)
    assert (queue["unique_id_l"] < queue["unique_id_r"]).all()


def test_a_review_pair_side_by_side(cur):
    queue = review_queue(cur)
    left, right = queue.iloc[0][["unique_id_l", "unique_id_r"]]
    view = compare_records(cur, right, left)
    assert (view.unique_id_l, view.unique_id_r) == (left, right)
    assert view.scored and view.band == "review"
    assert view.match_probability == pytest.approx(queue.iloc[0]["match_probability"])
    fields = view.fields.set_index("field")
    assert fields.at["record_id", "left"] == left.split(":", 1)[1]
    for row in view.fields.itertuples():
        missing = pd.isna(row.left), pd.isna(row.right)
        expected = (
            "both missing" if all(missing) else "one missing" if any(missing)
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
