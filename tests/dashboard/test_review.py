"""The review page: a decision is saved at once, survives a new session, is read back from the state DB, and is audited."""

from __future__ import annotations

import networkx as nx
import pytest

from linkage.accountability import audit
from linkage.accountability.access import UserRole
from linkage.accountability.review import decisions_for
from linkage.store import open_results, open_state


@pytest.fixture(scope="module")
def pair(dashboard_store) -> tuple[str, str]:
    """A review-band pair of the dashboard store."""
    con = open_results(dashboard_store.run.store)
    try:
        return con.execute(
            "SELECT unique_id_l, unique_id_r FROM pairs WHERE band = 'review' ORDER BY unique_id_l, unique_id_r LIMIT 1"
        ).fetchone()
    finally:
        con.close()


def _challenge(at, left: str, right: str):
    inputs = {t.label: t for t in at.text_input}
    inputs["First record"].input(left)
    inputs["Second record"].input(right)
    next(b for b in at.button if b.label == "Compare").click().run()
    assert not at.exception and not at.error
    return at


def _decide(at, decision: str | None, reason: str):
    if decision is not None:
        at.radio[0].set_value(decision)
    at.text_area[0].input(reason)
    next(b for b in at.button if b.label == "Save decision").click().run()
    assert not at.exception
    return at


def _history(dashboard_store, pair):
    with open_state(dashboard_store.run.store) as con:
        return decisions_for(con, [pair])


def test_a_decision_persists_reloads_and_is_audited(app_as, dashboard_store, pair):
    left, right = pair
    purpose = "test_review: decision persists"
    at = _challenge(app_as(UserRole.LINKAGE_ADMIN, "review", purpose=purpose), right, left)
    assert any("band **review**" in m.value for m in at.markdown)
    reason = "test_review: NHS numbers differ on the GP record"
    _decide(at, "reject", reason)
    assert at.success and "reject" in at.success[0].value

    history = _history(dashboard_store, pair)
    latest = history[history["latest"]].iloc[0]
    assert (latest["decision"], latest["reason"], latest["reviewer"]) == ("reject", reason, "admin")
    assert (latest["unique_id_l"], latest["unique_id_r"]) == (left, right)

    # A new session (as after a restart) shows the decision in force and its history.
    again = _challenge(app_as(UserRole.LINKAGE_ADMIN, "review", purpose=purpose + " (reload)"), left, right)
    assert any(m.value.startswith("Decision in force: **reject**") and reason in m.value for m in again.markdown)
    assert reason in set(again.dataframe[-1].value["reason"])

    with open_state(dashboard_store.run.store) as con:
        decided = audit.read(con, action="review_decide", target=f"{left} | {right}", text=purpose)
        viewed = audit.read(con, action="view_person", target=f"{left} | {right}", text=purpose)
    assert len(decided) == 1 and '"decision": "reject"' in decided[0].detail
    assert len(viewed) == 2, "one view per session"


CANNOT_SAVE = [("no reason", "confirm", "   "), ("no decision", None, "test_review: a reason without a decision")]


@pytest.mark.parametrize(("description", "decision", "reason"), CANNOT_SAVE, ids=[c[0] for c in CANNOT_SAVE])
def test_a_decision_needs_a_choice_and_a_reason(app_as, dashboard_store, pair, description, decision, reason):
    before = len(_history(dashboard_store, pair))
    at = _challenge(app_as(UserRole.LINKAGE_ADMIN, "review", purpose="test_review: refused"), *pair)
    _decide(at, decision, reason)
    assert at.warning and "Choose a decision and give a reason" in at.warning[0].value, description
    assert len(_history(dashboard_store, pair)) == before, description


def test_the_review_queue_lists_each_undecided_group_once_with_its_reason(app_as, dashboard_store, pair):
    at = app_as(UserRole.LINKAGE_ADMIN, "review", purpose="test_review: queue")
    assert not at.exception
    queue = at.dataframe[0].value
    with open_results(dashboard_store.run.store) as con:
        review = set(con.execute("SELECT unique_id_l, unique_id_r FROM pairs WHERE band = 'review'").fetchall())
    with open_state(dashboard_store.run.store) as con:
        decided = set(con.execute(
            "SELECT DISTINCT least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r) FROM review_decisions"
        ).fetchall())
    undecided = review - decided
    listed = set(zip(queue["unique_id_l"], queue["unique_id_r"], strict=True))
    assert listed <= undecided, "a decided pair leaves the queue at once"
    # Records joined by review pairs are one group; each group with an undecided pair is listed once.
    graph = nx.Graph(review)
    groups = [g for g in nx.connected_components(graph) if any(l in g for l, _ in undecided)]
    assert len(queue) == min(len(groups), 200)
    assert len({frozenset(nx.node_connected_component(graph, left)) for left, _ in listed}) == len(listed)
    assert queue["why"].str.contains("; for: |; against: ").all(), "the comparisons that weighed most"
    assert not queue["why"].eq("match probability in the review band").any()
    caption = next(c.value for c in at.caption if "groups of records to review" in c.value)
    assert f"**{len(undecided):,}** undecided pairs" in caption
    assert f"**{len(review & decided):,}** review-band pairs decided" in caption


def test_only_identity_fields_are_compared(app_as, pair):
    at = _challenge(app_as(UserRole.LINKAGE_ADMIN, "review", purpose="test_review: fields"), *pair)
    fields = next(d.value for d in at.dataframe if "identity" in d.value.columns).set_index("field")
    for field in ("record_id", "agency", "event_date", "source", "event_type", "role"):
        assert fields.at[field, "status"] == "record detail", field
    assert fields.loc[fields["identity"], "status"].isin(["same", "different", "one missing", "both missing"]).all()


def test_an_unknown_record_is_reported(app_as):
    at = app_as(UserRole.LINKAGE_ADMIN, "review", purpose="test_review: unknown")
    inputs = {t.label: t for t in at.text_input}
    inputs["First record"].input("police:NOPE")
    inputs["Second record"].input("health:NOPE")
    next(b for b in at.button if b.label == "Compare").click().run()
    assert at.error and "must exist in the current results" in at.error[0].value
