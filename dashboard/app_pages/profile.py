"""Person profile: a summary first (household, open flags, agencies), then golden view with provenance, records by
agency, timeline, chronology, flags, and why each record is linked.

Every table shows text (``linkage.explore.readable``): dates dd/mm/yyyy, blanks where nothing was recorded.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import chronology_view, session, summary_view
from dashboard.charts import timeline_chart, waterfall_chart
from dashboard.viewing import AGENCY_NAMES, person_picker, record_view
from linkage.accountability.access import can_do
from linkage.explore import (
    LINK_STRENGTHS,
    SPECSS_CODE,
    agency_contacts,
    flag_briefs,
    flag_evidence,
    household,
    parameter_lines,
    people_named,
    person_flags,
    person_ids_in,
    person_label,
    person_records,
    person_summary,
    provenance,
    readable,
    record_pairs,
    specss_evidence,
    specss_factors,
    timeline,
    waterfall,
    withhold_refuge_addresses,
)
from linkage.accountability.flag_decisions import (
    DECIDED_STATUSES,
    OUTCOME_LABELS,
    STATUS_LABELS,
    decision_history,
    decisions_in_force,
    record_flag_decision,
    status_text,
)
from linkage.resolve import load_latest_model
from linkage.explore.triage import FLAG_LABELS

#: Badge per link strength in the records tables.
#: How each link strength reads, and its cell colour (text, not emoji: not every browser has an emoji font).
STRENGTH_STYLES = {
    "confirmed": "background-color: #c8e6c9", "strong": "background-color: #e3f2fd",
    "review": "background-color: #ffe0b2", "only record": "color: #757575",
}

user = session.current_user()
session.require("view_person")
#: Set to the decision just saved, to say so once the page has redrawn with it.
SAVED_KEY = "profile_flag_decision_saved"
st.title("Person profile")

person_id = person_picker()

with session.results() as con:
    person = person_summary(con, person_id)
    if person is None:
        st.error(f"No person {person_id} in the current results: the id was never issued, or all its records were withdrawn.")
        st.stop()
    values = provenance(con, person_id)
    records = person_records(con, person_id)
    person, values, records = withhold_refuge_addresses(con, person_id, can_do(user.role, "see_refuge_address"), person, values, records)
    events = timeline(con, person_id)
    flags = person_flags(con, person_id)
    evidence = flag_evidence(con, flags["flag_id"].tolist()) if not flags.empty else pd.DataFrame()
    named = people_named(con, [pid for p in flags["parameters"] for pid in person_ids_in(p)])
    if not flags.empty:
        with session.state() as state:
            history = decision_history(state)
        decided = decisions_in_force(con, history, latest=False)
        decided = decided[decided["person_id"].isin(set(flags["person_id"]))]
    else:
        decided = pd.DataFrame()
    overlap_days = session.run_config().flags.household_overlap_days
    home = household(con, person_id, overlap_days)
    contacts = agency_contacts(con, person_id)
    briefs = flag_briefs(flags, evidence, decided)
record_view("view_person", person_id, {"page": "profile"})

name = " ".join(p for p in (person["forename"], person["middle_names"], person["surname"]) if p) or "(no name recorded)"
head, actions = st.columns([4, 1])
with head:
    st.header(name, anchor=False)
    born = pd.to_datetime(person["dob"]).strftime("%d/%m/%Y") if person["dob"] else "DOB not known"
    agencies = ", ".join(AGENCY_NAMES.get(a, a) for a in person["agencies"])
    st.markdown(f"**{person_id}** · born {born} · {person['sex'] or 'sex not recorded'} · known to **{agencies}**")
    seen = f"{person['first_seen']:%d/%m/%Y} to {person['last_seen']:%d/%m/%Y}" if person["first_seen"] else "no dated events"
    st.caption(f"{person['records']} record{'s' if person['records'] != 1 else ''} · seen {seen}")
with actions:
    if st.button("Family network", icon=":material/hub:", width="stretch"):
        st.switch_page("app_pages/network.py", query_params={"person": person_id})
subject = flags[flags["subject"]] if not flags.empty else flags
if len(subject):
    st.markdown(" ".join(f":red-badge[:material/flag: {FLAG_LABELS.get(c, c.replace('_', ' '))}]"
                         for c in sorted(set(subject["code"]))))
if person["conflicts"]:
    st.warning(
        "Agencies disagree on: **" + ", ".join(f.replace("_", " ") for f in person["conflicts"]) + "** (see provenance).",
        icon=":material/compare_arrows:",
    )

tab_summary, tab_golden, tab_records, tab_timeline, tab_chronology, tab_flags, tab_why = st.tabs(
    ["Summary", "Golden view and provenance", f"Records ({len(records)})", f"Timeline ({len(events)})", "Chronology",
     f"Flags ({len(flags)})", "Why linked"]
)

with tab_summary:
    summary_view.show(home, briefs, contacts, overlap_days)

with tab_golden:
    st.caption("Every value each agency recorded: **Shown** marks the value the golden view shows; "
               "rows on an amber ground are fields agencies disagree on.")
    # A date of birth (ISO text in the store) reads dd/mm/yyyy like every other date on the page.
    shown = readable(
        values.assign(agencies=values["agencies"].map(lambda a: [AGENCY_NAMES.get(x, x) for x in a])),
        days=("first_seen", "last_seen"), codes=("field",), keep=("golden", "in_conflict", "agencies", "records", "record_ids"),
    )
    st.dataframe(
        shown.style.apply(
            lambda r: ["background-color: #fff3e0" if r["in_conflict"] else ""] * len(r), axis=1
        ),
        hide_index=True, width="stretch", placeholder="",
        column_order=["field", "golden", "value", "agencies", "records", "first_seen", "last_seen", "in_conflict"],
        column_config={
            "field": st.column_config.TextColumn("Field", width="small"),
            "golden": st.column_config.CheckboxColumn("Shown", width=60),
            "value": st.column_config.TextColumn("Value", width="medium"),
            "agencies": st.column_config.ListColumn("Said by", width="medium"),
            "records": st.column_config.NumberColumn("Records", width=70),
            "first_seen": st.column_config.TextColumn("First seen", width=90),
            "last_seen": st.column_config.TextColumn("Last seen", width=90),
            "in_conflict": st.column_config.CheckboxColumn("Disputed", width=70),
        },
    )

with tab_records:
    st.caption("Link: **confirmed** by an analyst · **strong** (the model linked it) · "
               "**review** (a pair in the review band touches it) · **only record** (nothing to link).")
    for agency, group in records.groupby("agency", sort=False):
        st.subheader(f"{AGENCY_NAMES.get(agency, agency)} ({len(group)})", anchor=False)
        shown = readable(
            group.assign(strength=group["link_strength"].map(LINK_STRENGTHS)),
            days=("dob", "event_date"), codes=("sex",), numbers={"best_match_probability": "{:.3f}"},
        )
        st.dataframe(
            shown.style.apply(
                lambda r: [STRENGTH_STYLES.get(r["strength"], "") if c == "strength" else "" for c in r.index], axis=1
            ),
            hide_index=True, width="stretch", placeholder="",
            column_order=["record_id", "strength", "best_match_probability", "forename", "middle_names", "surname", "dob",
                          "nhs_number", "pnc_id", "postcode", "address", "event_date", "event_type"],
            column_config={
                "record_id": st.column_config.TextColumn("Record", width="small"),
                "strength": st.column_config.TextColumn("Link", width="small"),
                "best_match_probability": st.column_config.TextColumn("Best match", width="small"),
                "forename": st.column_config.TextColumn("Forename"),
                "middle_names": st.column_config.TextColumn("Middle"),
                "surname": st.column_config.TextColumn("Surname"),
                "dob": st.column_config.TextColumn("DOB", width=90),
                "nhs_number": st.column_config.TextColumn("NHS number"),
                "pnc_id": st.column_config.TextColumn("PNC ID"),
                "postcode": st.column_config.TextColumn("Postcode"),
                "address": st.column_config.TextColumn("Address", width="medium"),
                "event_date": st.column_config.TextColumn("Event", width=90),
                "event_type": st.column_config.TextColumn("Event type"),
            },
        )

with tab_timeline:
    if events.empty:
        st.info("No dated events.")
    else:
        st.altair_chart(timeline_chart(events), width="stretch")
        st.dataframe(
            readable(
                events.assign(agency=events["agency"].map(lambda a: AGENCY_NAMES.get(a, a))),
                days=("event_date",), markers=("domestic_abuse",), codes=("role", "dash_risk", "plan_type"),
            ),
            hide_index=True, width="stretch", placeholder="",
            column_order=["event_date", "agency", "event_type", "role", "domestic_abuse", "dash_risk", "plan_type",
                          "category", "service", "complaint", "record_id"],
            column_config={
                "event_date": st.column_config.TextColumn("Date", width=90),
                "agency": st.column_config.TextColumn("Agency"),
                "event_type": st.column_config.TextColumn("Event", width="medium"),
                "role": st.column_config.TextColumn("Role"),
                "domestic_abuse": st.column_config.TextColumn("DA", width=40),
                "dash_risk": st.column_config.TextColumn("DASH"),
                "plan_type": st.column_config.TextColumn("Plan"),
                "category": st.column_config.TextColumn("Category"),
                "service": st.column_config.TextColumn("Service"),
                "complaint": st.column_config.TextColumn("Complaint", width="medium"),
                "record_id": st.column_config.TextColumn("Record"),
            },
        )

with tab_chronology:
    chronology_view.show(person_id, name)


def flag_title(flag) -> str:
    """The flag as its expander names it: what, about whom (by name), how severe, the decision on it."""
    label = FLAG_LABELS.get(flag.code, flag.code.replace("_", " "))
    status = latest_decision(flag.code, flag.person_id)
    decision = status_text(status["status"], status["outcome"]) if status is not None else STATUS_LABELS["new"]
    if flag.subject:
        return f"**{label}** · severity {flag.severity} · {decision}"
    roles = ", ".join(r.replace("_", " ") for r in flag.roles) or "involved"
    return f"**{label}** about {person_label(flag.name, flag.dob)}: this person as {roles} · severity {flag.severity} · {decision}"


def latest_decision(code: str, flagged: str):
    """The decision in force on a flag (its code on the flagged person), or None while it is new."""
    if decided.empty:
        return None
    mine = decided[(decided["flag_code"] == code) & (decided["person_id"] == flagged)]
    return None if mine.empty else mine.iloc[0]


def decision_panel(flag) -> None:
    """The decision in force on a flag, its history, and (on the flagged person's profile) a form to record one."""
    latest = latest_decision(flag.code, flag.person_id)
    if latest is None:
        st.markdown("**Decision: New.** Nobody has recorded a decision on this flag yet.")
    else:
        st.markdown(
            f"**Decision: {status_text(latest['status'], latest['outcome'])}** · owner **{latest['owner']}** · "
            f"recorded by {latest['decided_by']} on {pd.Timestamp(latest['decided_at']):%d/%m/%Y %H:%M}  \n"
            f"Rationale: _{latest['rationale']}_"
        )
        earlier = decided[(decided["flag_code"] == flag.code) & (decided["person_id"] == flag.person_id)]
        if len(earlier) > 1:
            st.dataframe(
                readable(
                    earlier.assign(status=[status_text(s, o) for s, o in zip(earlier["status"], earlier["outcome"], strict=True)]),
                    moments=("decided_at",),
                ),
                hide_index=True, width="stretch", placeholder="",
                column_order=["decided_at", "status", "owner", "decided_by", "rationale"],
                column_config={
                    "decided_at": st.column_config.TextColumn("Decided", width=130),
                    "status": st.column_config.TextColumn("Decision", width=200),
                    "owner": st.column_config.TextColumn("Owner", width=140),
                    "decided_by": st.column_config.TextColumn("Recorded by", width=110),
                    "rationale": st.column_config.TextColumn("Rationale", width="large"),
                },
            )
    if not flag.subject:
        st.caption(f"Decisions on this flag are recorded on the profile of the person it is about ({flag.person_id}).")
        return
    if not can_do(user.role, "flag_decide"):
        return
    with st.form(f"flag_decision_{flag.flag_id}", clear_on_submit=True):
        status_col, outcome_col, owner_col = st.columns([1, 1.3, 1])
        status = status_col.radio("Status", DECIDED_STATUSES, format_func=STATUS_LABELS.get, horizontal=True, index=None)
        outcome = outcome_col.selectbox(
            "Outcome (when actioned)", list(OUTCOME_LABELS), format_func=OUTCOME_LABELS.get, index=None,
            placeholder="Choose an outcome",
        )
        owner = owner_col.text_input("Owner", value=user.name, help="Who owns the next step: a person or a team")
        rationale = st.text_area("Rationale", max_chars=2000, placeholder="e.g. Strategy discussion held 03/02/2026 with "
                                 "police and children's social care; MARAC referral made.")
        submitted = st.form_submit_button("Record decision", type="primary", icon=":material/gavel:")
    if submitted:
        try:
            with session.state() as state:
                saved = record_flag_decision(
                    state, flag_code=flag.code, person_id=flag.person_id, status=status or "",
                    outcome=outcome if status == "actioned" else None, owner=owner, rationale=rationale,
                    user_name=user.name, role=user.role, purpose=session.purpose(),
                )
        except ValueError as exc:
            st.error(f"Not recorded: {exc}.")
        else:
            st.session_state[SAVED_KEY] = status_text(saved.status, saved.outcome)
            st.rerun()


def specss_row(parameters: dict) -> None:
    """A SPECSS+ profile as a row of factors (present ones marked), then each present factor's agencies and weakest link."""
    factors = specss_factors(parameters)
    st.markdown(" ".join(
        f":red-badge[:material/check: {f.label}]" if f.present else f":gray-badge[{f.label}]" for f in factors.itertuples()
    ))
    present = factors[factors["present"]]
    st.markdown("  \n".join(
        f"**{f.label}**: {f.detail}; {f.records} record{'s' if f.records != 1 else ''} from "
        f"{', '.join(AGENCY_NAMES.get(a, a) for a in f.agencies)}; weakest link {f.weakest_link:.3f}"
        for f in present.itertuples()
    ))
    st.caption("Community isolation and suicide risk are SPECSS+ factors too; no extract records them, so they are the "
               "practitioner's to ask about.")


with tab_flags:
    if saved := st.session_state.pop(SAVED_KEY, None):
        st.success(f"Decision recorded: **{saved}**. It is kept across runs and in the audit log.", icon=":material/check:")
    if flags.empty:
        st.info("No safeguarding flags name this person.")
    for flag in flags.itertuples():
        score = f" · RFG(V) {flag.score:.1f}" if pd.notna(flag.score) else ""
        with st.expander(flag_title(flag) + score, expanded=flag.subject):
            as_of = f" Its windows end on {flag.as_of:%d/%m/%Y}." if pd.notna(flag.as_of) else ""
            agencies = ", ".join(AGENCY_NAMES.get(a, a) for a in flag.agencies)
            st.markdown(f"{flag.rule}. Evidence from **{agencies}**; weakest link it relies on "
                        f"**{flag.weakest_link:.3f}**.{as_of}")
            rows = evidence[evidence["flag_id"] == flag.flag_id]
            if flag.code == SPECSS_CODE:
                specss_row(flag.parameters)
                rows = specss_evidence(flag.parameters, rows)
            else:
                st.markdown("  \n".join(parameter_lines(flag.parameters, named)))
            st.dataframe(
                readable(
                    rows.assign(
                        agency=rows["agency"].map(lambda a: AGENCY_NAMES.get(a, a)),
                        link=rows["person_id"].map(lambda p: f"/profile?person={p}" if isinstance(p, str) else ""),
                    ),
                    days=("event_date", "dob"), codes=("role",), numbers={"link_probability": "{:.3f}"},
                ),
                hide_index=True, width="stretch", placeholder="",
                column_order=(["factor"] if flag.code == SPECSS_CODE else []) + [
                    "event_date", "agency", "name", "dob", "role", "description", "link_probability", "link", "record_id"],
                column_config={
                    "factor": st.column_config.TextColumn("SPECSS+ factor", width=150),
                    "event_date": st.column_config.TextColumn("Date", width=90),
                    "agency": st.column_config.TextColumn("Agency", width=150),
                    "name": st.column_config.TextColumn("Person", width=170),
                    "dob": st.column_config.TextColumn("Born", width=90),
                    "role": st.column_config.TextColumn("Role", width=100),
                    "description": st.column_config.TextColumn("What", width="medium"),
                    "link_probability": st.column_config.TextColumn("Link", width=60,
                                                                    help="How sure the record's link to its person is"),
                    "link": st.column_config.LinkColumn("Person id", display_text=r"person=(.*)$", width=100,
                                                        help="Open the person's profile"),
                    "record_id": st.column_config.TextColumn("Record", width=100),
                },
            )
            decision_panel(flag)

with tab_why:
    st.caption("Pick a record to see the scored pairs joining it to this person, and Splink's match-weight waterfall.")
    labels = {r.unique_id: f"{r.agency} {r.record_id} · {LINK_STRENGTHS[r.link_strength]}" for r in records.itertuples()}
    chosen = st.selectbox("Record", list(labels), format_func=labels.get, key=f"why_record_{person_id}")
    with session.results() as con:
        pairs = record_pairs(con, chosen)
    if pairs.empty:
        st.info("No scored pair touches this record: it is the person's only record, or nothing scored above the "
                "review threshold.")
    else:
        pairs = pairs.assign(pair=pairs["other_agency"] + " " + pairs["other_record_id"] + " · " + pairs["band"]
                             + " · " + pairs["match_probability"].map("{:.4f}".format)
                             + pairs["same_person"].map({True: "", False: " (another person)"}))
        picked = st.selectbox("Pair", pairs.index, format_func=lambda i: pairs.at[i, "pair"], key=f"why_pair_{chosen}")
        pair = pairs.loc[picked]
        if pair["reason"]:
            st.caption(f"Band **{pair['band']}**: {pair['reason']}")
        model = load_latest_model(session.store_path())
        with session.results() as con:
            bars = waterfall(con, pair["unique_id_l"], pair["unique_id_r"], model.splink if model else None)
        st.altair_chart(waterfall_chart(bars), width="stretch")
        st.dataframe(
            # Numbers stay numbers (their columns format them); values a record lacks read blank.
            readable(bars, keep=("weight", "tf_adjustment", "cumulative", "probability")),
            hide_index=True, width="stretch", placeholder="",
            column_config={
                "weight": st.column_config.NumberColumn("Weight", format="%+.2f"),
                "tf_adjustment": st.column_config.NumberColumn("of which term frequency", format="%+.2f"),
                "cumulative": st.column_config.NumberColumn("Running total", format="%.2f"),
                "probability": st.column_config.NumberColumn("Probability", format="%.4f"),
                "value_l": st.column_config.TextColumn(pair["unique_id_l"]),
                "value_r": st.column_config.TextColumn(pair["unique_id_r"]),
            },
        )
