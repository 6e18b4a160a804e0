"""Audit log (linkage admins): who searched for, viewed, exported or decided what, when and why."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from dashboard import session
from dashboard.exporting import export_button
from linkage.accountability import audit
from linkage.accountability.access import ROLE_LABELS

# The filters last recorded as a read_audit event, so reruns of one view are logged once.
_LAST_READ = "audit_last_read"

session.current_user()
session.require("read_audit")
st.title("Audit log")
st.caption("Every search, profile view, export and review decision, with the purpose the user gave (DPA 2018 s.62). Newest first.")

with session.state() as con:
    names = audit.user_names(con)
    total = audit.count(con)

user_col, action_col, target_col, dates_col, text_col = st.columns([1, 1, 1, 1.2, 1.4])
user_name = user_col.selectbox("User", names, index=None, placeholder="Everyone", key="audit_user")
action = action_col.selectbox(
    "Action", audit.ACTIONS, index=None, format_func=lambda a: a.replace("_", " "), placeholder="Any action", key="audit_action"
)
target = target_col.text_input("Target (exact)", placeholder="e.g. MP0000042", key="audit_target")
dates = dates_col.date_input("Logged between", value=(), format="DD/MM/YYYY", key="audit_dates")
text = text_col.text_input("Contains", placeholder="purpose, search terms...", key="audit_text")

since = datetime.combine(dates[0], time.min) if dates else None
until = datetime.combine(dates[1], time.min) + timedelta(days=1) if len(dates) == 2 else None
filters = {
    "user_name": user_name, "action": action, "target": target.strip() or None,
    "since": since, "until": until, "text": text.strip() or None,
}
with session.state() as con:
    events = audit.read(con, **filters, limit=1000)
if st.session_state.get(_LAST_READ) != filters:
    session.audit("read_audit", detail={k: v for k, v in filters.items() if v is not None})
    st.session_state[_LAST_READ] = filters

st.caption(f"**{len(events):,}** events shown of {total:,} in the log" + (" (the newest 1,000)" if len(events) == 1000 else "") + ".")
if not events:
    st.info("No audit events match these filters.")
    st.stop()

frame = pd.DataFrame([asdict(e) for e in events])
shown = frame.assign(
    role=frame["role"].map(lambda r: ROLE_LABELS.get(r, r)), action=frame["action"].str.replace("_", " "),
)
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    placeholder="",
    height=min(38 + 35 * len(frame), 640),
    column_order=["logged_at", "user_name", "role", "action", "target", "purpose", "detail", "event_id"],
    column_config={
        "logged_at": st.column_config.DatetimeColumn("When", format="DD/MM/YYYY HH:mm:ss", width=150),
        "user_name": st.column_config.TextColumn("User", width=90),
        "role": st.column_config.TextColumn("Role", width=140),
        "action": st.column_config.TextColumn("Action", width=105),
        "target": st.column_config.TextColumn("Target", width=150),
        "purpose": st.column_config.TextColumn("Purpose", width=250),
        "detail": st.column_config.TextColumn("Detail", width=300),
        "event_id": st.column_config.NumberColumn("Event", width=65),
    },
)
export_button(
    "Download these events (CSV)",
    lambda: frame,
    file_name="audit-log.csv",
    target="audit_log",
    detail={"page": "audit", "filters": {k: str(v) for k, v in filters.items() if v is not None}},
)
