"""A shared DA co-participant settles a review pair between people who share no postcode area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from linkage.config import ModelConfig
from linkage.resolve import bands
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.context_candidates import Context
from linkage.resolve.coparticipants import COPARTICIPANT_REASON, join_by_coparticipants, shared_coparticipant
from linkage.resolve.profiles import Profiles
from linkage.resolve.record_keys import RecordKeys

MODEL = ModelConfig()

# Each case: description, participants (person, role, partner), person pairs, whether each shares a co-participant.
SHARED_CASES = [
    ("two victims of one suspect", [(1, "victim", 0), (2, "victim", 0)], [(1, 2)], [True]),
    ("two suspects of one victim", [(1, "suspect", 0), (2, "suspect", 0)], [(2, 1)], [True]),
    ("one the victim, the other the suspect, of one person: different roles", [(1, "victim", 0), (2, "suspect", 0)], [(1, 2)], [False]),
    ("victims of two different suspects", [(1, "victim", 0), (2, "victim", 3)], [(1, 2)], [False]),
    ("a person with no DA record", [(1, "victim", 0)], [(1, 2)], [False]),
    ("several pairs at once", [(1, "victim", 0), (2, "victim", 0), (4, "victim", 5)], [(1, 2), (1, 4), (2, 1)], [True, False, True]),
]


@pytest.mark.parametrize(("description", "rows", "people", "expected"), SHARED_CASES, ids=[c[0] for c in SHARED_CASES])
def test_shared_coparticipant(description, rows, people, expected):
    frame = pd.DataFrame(rows, columns=["person", "role", "partner"])
    a, b = (np.array(side) for side in zip(*people, strict=True))
    assert shared_coparticipant(frame, a, b).tolist() == expected, description


# Records: 0 the perpetrator (suspect in incidents e1 and e2), 1 a victim in e1 (in SE15), 2 a victim in e2
# (area, NHS number as given). The pair (1, 2) is scored at the probability given.
# Each case: description, record 2's area, NHS numbers of 1 and 2, pair probability, record 2's incident's suspect
# (0: the same perpetrator, 3: another man), analyst's decision, forenames apart, pair open, joined.
JOIN_CASES = [
    ("victims of one perpetrator in different towns, a review score: one person", "LS6", (None, None), 0.85, 0, None, False, True, True),
    ("no postcode on one side: one person", None, (None, None), 0.85, 0, None, False, True, True),
    ("the same postcode area: siblings abused by one parent at one home, left for review", "SE15", (None, None), 0.85, 0, None, False, True, False),
    ("victims of two different men: left for review", "LS6", (None, None), 0.85, 3, None, False, True, False),
    ("different NHS numbers: two people", "LS6", ("9434765919", "4010232137"), 0.85, 0, None, False, True, False),
    ("an analyst rejected the pair: apart", "LS6", (None, None), 0.85, 0, "reject", False, True, False),
    ("forenames that disagree outright (kept apart): apart", "LS6", (None, None), 0.85, 0, None, True, True, False),
    ("a pair demoted by a forename or middle-name rule: not joined", "LS6", (None, None), 0.85, 0, None, False, False, False),
    ("a score below the review threshold: not joined", "LS6", (None, None), 0.5, 0, None, False, True, False),
]


@pytest.mark.parametrize(
    ("description", "area", "nhs", "probability", "suspect", "decision", "forenames_apart", "open_", "expected"),
    JOIN_CASES, ids=[c[0] for c in JOIN_CASES],
)
def test_join_by_coparticipants(description, area, nhs, probability, suspect, decision, forenames_apart, open_, expected):
    ids = ["r0", "r1", "r2", "r3"]
    profiles = Profiles(records=pa.table({"unique_id": ids}), profile_of=np.arange(4), unique_ids=pa.array(ids))
    events = pa.table({
        "unique_id": ["r0", "r1", f"r{suspect}", "r2"], "event": ["e1", "e1", "e2", "e2"], "role": ["suspect", "victim", "suspect", "victim"],
    })
    context = Context(events=events, splink={}, term_frequencies={})
    keys = [RecordKeys(), RecordKeys(nhs[0], postcode_area="SE15"), RecordKeys(nhs[1], postcode_area=area), RecordKeys()]
    decisions = {(1, 2): decision} if decision else {}
    result = constrained_clusters(keys, [], [], MODEL.constraints, cannot_link=[(1, 2)] if decision == "reject" else [])
    weight = float(np.log2(probability / (1 - probability)))
    scored = pa.table({
        "match_probability": [probability], "match_weight": [weight], "gamma_forename": [8],
        "gamma_nhs_number": [0 if nhs[0] else -1], "gamma_pnc_id": [-1], "gamma_partner": [-1],
    })
    left, right = np.array([1]), np.array([2])
    joined_result, joined = join_by_coparticipants(
        profiles, result, context, scored, left, right, np.array([open_]), MODEL, [(1, 2)] if forenames_apart else [], decisions,
    )
    assert joined.tolist() == [expected], description
    assert (joined_result.labels[1] == joined_result.labels[2]) == expected, description
    if expected:
        edges = bands.select_edges(scored, MODEL)
        band, reason = bands.assign_bands(scored, left, right, edges, joined_result, {}, MODEL, None, joined)
        assert (band, reason) == (["link"], [COPARTICIPANT_REASON]), description


def test_an_ambiguous_record_with_two_people_sharing_its_coparticipant_is_left_for_review():
    """Record 1 (ambiguous) shares the perpetrator with both 2 and 3, who cannot be one person: it picks neither."""
    ids = ["r0", "r1", "r2", "r3"]
    profiles = Profiles(records=pa.table({"unique_id": ids}), profile_of=np.arange(4), unique_ids=pa.array(ids))
    events = pa.table({
        "unique_id": ["r0", "r1", "r0", "r2", "r0", "r3"], "event": ["e1", "e1", "e2", "e2", "e3", "e3"],
        "role": ["suspect", "victim"] * 3,
    })
    keys = [RecordKeys(), RecordKeys(), RecordKeys("9434765919", postcode_area="LS6"), RecordKeys("4010232137", postcode_area="M1")]
    base = constrained_clusters(keys, [], [], MODEL.constraints)
    result = type(base)(labels=base.labels, refused=[], ambiguous=frozenset({1}), summaries=base.summaries)
    scored = pa.table({"match_probability": [0.9, 0.9], "match_weight": [3.2, 3.1]})
    _, joined = join_by_coparticipants(
        profiles, result, Context(events=events, splink={}, term_frequencies={}), scored,
        np.array([1, 1]), np.array([2, 3]), np.array([True, True]), MODEL, [], {},
    )
    assert joined.tolist() == [False, False]
