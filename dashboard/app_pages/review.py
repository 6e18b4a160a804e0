"""Linkage review: review-band pairs (or any pair an analyst challenges) side by side, and the decision on them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session
from dashboard.charts import waterfall_chart
from dashboard.viewing import record_view
from linkage.explore import compare_records, level_labels, review_queue, waterfall
from linkage.resolve import load_latest_model
from linkage.accountability.review import DECISIONS, decided_pairs, decisions_for, recent_decisions, save_decision

DECISION_LABELS = {
    "confirm": "Confirm: the same person",
    "reject": "Reject: different people",
    "unsure": "Unsure: record it, change nothing",
}
STATUS_STYLES = {
    "different": "background-color: #ffcdd2",
    "one missing": "background-color: #fff3e0",
    "same": "background-color: #e8f5e9",
    "both missing": "color: #9e9e9e",
    "record detail": "color: #757575",
}
_CHALLENGE = "review_challenge"
#: Set to the decision just saved, to say so once the queue has redrawn without the pair.
_SAVED = "review_saved"
#: Bumped by each decision, so the queue is drawn afresh with no row selected.
_ROUND = "review_queue_round"

user = session.current_user()
session.require("review_decide")
st.title("Linkage review")
st.caption(
    "Decisions are saved at once and kept across restarts. The next run applies confirm (always link) and reject "
    "(never link) when it clusters, and recomputes the flags that rest on those people; unsure changes nothing."
)

queue_tab, challenge_tab, history_tab = st.tabs(["Review band", "Challenge a pair", "Recent decisions"])
model = load_latest_model(session.store_path())
with queue_tab:
    if saved_message := st.session_state.pop(_SAVED, None):
        st.success(saved_message, icon=":material/check:")
    with session.state() as state:
        decided = decided_pairs(state)
    with session.results() as con:
        queue = review_queue(con, decided=decided, labels=level_labels(model.splink if model else None))
    groups = queue.groups
    st.caption(
        f"**{len(groups):,}** groups of records to review (**{queue.undecided_pairs:,}** undecided pairs); "
        f"**{queue.decided_pairs:,}** review-band pairs decided since this run, applied at the next run. "
        "Records joined by review pairs are one group, listed by its most uncertain undecided pair."
    )
    if groups.empty:
        st.info("No undecided pairs in the review band.")
    picked = st.dataframe(
        groups.assign(dob_l=pd.to_datetime(groups["dob_l"]), dob_r=pd.to_datetime(groups["dob_r"])),
        hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", placeholder="",
        key=f"review_queue_{st.session_state.get(_ROUND, 0)}",
        height=min(38 + 35 * max(len(groups), 1), 360),
        column_order=["name_l", "dob_l", "agency_l", "name_r", "dob_r", "agency_r", "why", "match_probability",
                      "group_records", "undecided_pairs", "same_person"],
        column_config={
            "name_l": st.column_config.TextColumn("Record A", width=130),
            "dob_l": st.column_config.DateColumn("Born", format="DD/MM/YYYY", width=90),
            "agency_l": st.column_config.TextColumn("Agency", width=80),
            "name_r": st.column_config.TextColumn("Record B", width=130),
            "dob_r": st.column_config.DateColumn("Born", format="DD/MM/YYYY", width=90),
            "agency_r": st.column_config.TextColumn("Agency", width=80),
            "match_probability": st.column_config.ProgressColumn("Probability", min_value=0.0, max_value=1.0, format="%.3f",
                                                                 width=90),
            "same_person": st.column_config.CheckboxColumn("Now one person", width=70),
            "group_records": st.column_config.NumberColumn("Records", help="Records in the group", width=65),
            "undecided_pairs": st.column_config.NumberColumn("Undecided", help="Undecided pairs in the group", width=75),
            "why": st.column_config.TextColumn(
                "Why in review", help="The band rule, and the comparisons that weighed most for and against", width="large",
            ),
        },
    )
    rows = picked.selection.rows if picked else []
    if rows:
        st.session_state[_CHALLENGE] = (groups.iloc[rows[0]]["unique_id_l"], groups.iloc[rows[0]]["unique_id_r"])

with challenge_tab:
    with st.form("challenge"):
        left_col, right_col = st.columns(2)
        first = left_col.text_input("First record", placeholder="police:PN0000123")
        second = right_col.text_input("Second record", placeholder="health:HL0000456")
        if st.form_submit_button("Compare", icon=":material/compare_arrows:"):
            st.session_state[_CHALLENGE] = (first.strip(), second.strip())
    st.caption("Record ids are shown on a person's profile (Records tab) as agency and record, e.g. police:PN0000123.")

with history_tab:
    with session.state() as state:
        recent = recent_decisions(state)
    st.dataframe(recent, hide_index=True, width="stretch",
                 column_config={"decided_at": st.column_config.DatetimeColumn("Decided", format="DD/MM/YYYY HH:mm")})

pair = st.session_state.get(_CHALLENGE)
if not pair:
    st.stop()
with session.results() as con:
    view = compare_records(con, *pair)
    if view is None:
        st.error("Both records must exist in the current results, and be two different records.")
        st.stop()
    bars = waterfall(con, view.unique_id_l, view.unique_id_r, model.splink if model else None)
target = f"{view.unique_id_l} | {view.unique_id_r}"
record_view("view_person", target, {"page": "review", "people": [view.person_l, view.person_r]})

st.divider()
st.subheader(f"{view.unique_id_l}  ↔  {view.unique_id_r}", anchor=False)
together = "in one person" if view.person_l == view.person_r else "in two people"
if view.scored:
    st.markdown(f"Now **{together}** ({view.person_l}, {view.person_r}) · band **{view.band}** · match weight "
                f"**{view.match_weight:+.2f}** · probability **{view.match_probability:.4f}**"
                + (f" · {view.reason}" if view.reason else ""))
else:
    st.markdown(f"Now **{together}** ({view.person_l}, {view.person_r}) · **not scored**: no blocking rule brought "
                "these records together, or they scored below the review threshold.")

compare_col, weights_col = st.columns([3, 2])
with compare_col:
    fields = view.fields.rename(columns={"left": view.unique_id_l, "right": view.unique_id_r})
    st.dataframe(
        fields.style.apply(lambda r: [STATUS_STYLES.get(r["status"], "")] * len(r), axis=1),
        hide_index=True, width="stretch", height=38 + 35 * len(fields), placeholder="",
        column_config={"identity": st.column_config.CheckboxColumn("Identity field")},
    )
with weights_col:
    if bars.empty:
        st.info("No match weights: the model did not score this pair.")
    else:
        st.altair_chart(waterfall_chart(bars), width="stretch")

with st.form("decide", clear_on_submit=True):
    decision = st.radio("Decision", DECISIONS, format_func=DECISION_LABELS.get, horizontal=True, index=None)
    reason = st.text_area("Reason", placeholder="e.g. same NHS number on a later health record; DOB typo on the police record",
                          max_chars=1000)
    submitted = st.form_submit_button("Save decision", type="primary", icon=":material/save:")
if submitted:
    if decision is None or not reason.strip():
        st.warning("Choose a decision and give a reason.")
    else:
        with session.state() as state:
            saved = save_decision(state, view.unique_id_l, view.unique_id_r, decision, reason, user.name)
        session.audit("review_decide", target=target, detail={"decision": saved.decision})
        effect = "it changes no link" if saved.decision == "unsure" else "the next run applies it"
        st.session_state[_SAVED] = f"Saved: **{saved.decision}**; {effect}. The pair has left the review queue."
        st.session_state[_CHALLENGE] = None
        st.session_state[_ROUND] = st.session_state.get(_ROUND, 0) + 1
        st.rerun()  # the queue above is redrawn without the pair and with nothing selected

with session.state() as state:
    history = decisions_for(state, [(view.unique_id_l, view.unique_id_r)])
if not history.empty:
    latest = history.iloc[0]
    st.markdown(f"Decision in force: **{latest['decision']}** by {latest['reviewer']} on "
                f"{pd.Timestamp(latest['decided_at']):%d/%m/%Y %H:%M}: _{latest['reason']}_")
    st.dataframe(history, hide_index=True, width="stretch",
                 column_order=["decided_at", "decision", "reviewer", "reason", "latest"],
                 column_config={"decided_at": st.column_config.DatetimeColumn("Decided", format="DD/MM/YYYY HH:mm"),
                                "latest": st.column_config.CheckboxColumn("In force")})
