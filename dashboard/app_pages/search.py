"""Person search: resolved people by name (fuzzy, nickname-aware), DOB, NHS number, PNC ID or postcode."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session
from dashboard.exporting import export_button
from linkage.accountability.access import can_do
from linkage.explore import search_people, withhold_refuge_postcodes

# The last search's terms and results, for this user's session only (cleared at sign-out).
_LAST = "search_last"

session.current_user()
session.require("search")
st.title("Person search")
st.caption(
    "Type what you know. People matching every term come first; people matching part of it (the date of birth and "
    "one name, or the whole name at another postcode) follow as near misses. Names match nicknames (Bill finds "
    "William), misspellings, swapped names and aliases on any agency's record."
)

with st.form("search"):
    name_col, dob_col = st.columns([2, 1])
    name = name_col.text_input("Name", placeholder="e.g. Bill Smith, or SMITH, William")
    dob = dob_col.text_input("Date of birth", placeholder="dd/mm/yyyy")
    nhs_col, pnc_col, postcode_col = st.columns(3)
    nhs_number = nhs_col.text_input("NHS number", placeholder="943 476 5919")
    pnc_id = pnc_col.text_input("PNC ID", placeholder="12/3456789A")
    postcode = postcode_col.text_input("Postcode", placeholder="SE15 4QR, or SE15")
    submitted = st.form_submit_button("Search", type="primary", icon=":material/search:")

if submitted:
    terms = {"name": name, "dob": dob, "nhs_number": nhs_number, "pnc_id": pnc_id, "postcode": postcode}
    given = {key: value.strip() for key, value in terms.items() if value and value.strip()}
    if not given:
        st.session_state.pop(_LAST, None)
        st.warning("Type at least one thing to search for.")
        st.stop()
    with session.results() as con:
        found = withhold_refuge_postcodes(con, search_people(con, **given), can_do(session.current_user().role, "see_refuge_address"))
    session.audit(
        "search",
        target="; ".join(f"{key}={value}" for key, value in given.items()),
        detail={
            "results": int((~found["near_miss"]).sum()), "near_misses": int(found["near_miss"].sum()),
            "person_ids": found["person_id"].head(20).tolist(),
        },
    )
    st.session_state[_LAST] = (given, found)

last = st.session_state.get(_LAST)
if last is None:
    st.stop()
given, found = last
for problem in found.attrs.get("problems", []):
    st.warning(f"Not used: {problem}.")
if found.empty:
    st.info("Nobody matches, and nobody matches part of it (such as the date of birth and one name). Try fewer terms, or part of the name.")
    st.stop()

matches, near = found[~found["near_miss"]], found[found["near_miss"]]
COLUMNS = ["name", "dob", "sex", "postcode", "agencies", "records", "score", "why_matched", "person_id"]
CONFIG = {
    "name": st.column_config.TextColumn("Person", width=170),
    "dob": st.column_config.DateColumn("Born", format="DD/MM/YYYY", width=95),
    "sex": st.column_config.TextColumn("Sex", width=60),
    "postcode": st.column_config.TextColumn("Postcode", width=85),
    "agencies": st.column_config.ListColumn("Known to", help="Agencies with a record of this person", width=170),
    "records": st.column_config.NumberColumn("Records", width=65),
    "score": st.column_config.ProgressColumn("Match", min_value=0.0, max_value=1.0, format="%.2f", width=80),
    "why_matched": st.column_config.TextColumn("Why it matched", width=400),
    "person_id": st.column_config.TextColumn("Person id", width=100),
}


def people_table(people: pd.DataFrame, key: str) -> None:
    """A selectable table of people; selecting one opens their profile."""
    table = people.assign(
        agencies=people["agencies"].map(lambda a: [x.replace("_", " ") for x in a]),
        dob=pd.to_datetime(people["dob"]),  # a missing date shows blank, not "None"
    )
    selection = st.dataframe(
        table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 640), placeholder="",
        on_select="rerun", selection_mode="single-row", key=key, column_order=COLUMNS, column_config=CONFIG,
    )
    rows = selection.selection.rows if selection else []
    if rows:
        session.open_person(table.iloc[rows[0]]["person_id"])


if matches.empty:
    st.warning(
        f"Nobody matches every term, but {len(near)} {'person matches' if len(near) == 1 else 'people match'} part of it: "
        "check the near misses below before concluding the person is not known to any agency."
    )
else:
    st.caption(f"**{len(matches):,}** {'person' if len(matches) == 1 else 'people'}, best match first. Select a row to open the person.")
    people_table(matches, "search_table")
if not near.empty:
    st.subheader("Near misses")
    st.caption(
        f"**{len(near):,}** {'person matches' if len(near) == 1 else 'people match'} some terms but not all; "
        "\"no match\" says which term did not. Select a row to open the person."
    )
    people_table(near, "search_near_table")
export_button(
    "Download these results (CSV)",
    lambda: found[["person_id", "name", "dob", "sex", "postcode", "agencies", "records", "score", "why_matched", "near_miss"]].assign(
        agencies=found["agencies"].map("; ".join)
    ),
    file_name="search-results.csv",
    target="; ".join(f"{key}={value}" for key, value in given.items()),
    detail={"page": "search"},
)
