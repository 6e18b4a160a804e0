"""The Operation Encompass download on the triage page: children present at DA incidents on one day, by area.

The list is made from the ``child_at_da_incident`` flags (``linkage.encompass``) and leaves
only through :func:`dashboard.exporting.export_button`, so each download is an ``export``
row in the audit log first (day, areas, the people listed). The page shows only how many
children it lists, no names. Refuge addresses are withheld unless the role may see them.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import session
from dashboard.exporting import export_button
from linkage.accountability.access import can_do
from linkage.encompass import ENCOMPASS_ACTION, encompass_list, encompass_target


def encompass_download(areas: tuple[str, ...], latest: date | None) -> None:
    """An expander with the day, the areas and the download button, for roles that may export the list.

    Args:
        areas: The postcode districts the queue can filter by.
        latest: The latest evidence date (the day offered first).
    """
    user = session.current_user()
    if not can_do(user.role, ENCOMPASS_ACTION):
        return
    with st.expander("Operation Encompass: children present at DA incidents, for schools", icon=":material/school:"):
        day_col, areas_col = st.columns([1, 2])
        day = day_col.date_input("Incidents on", value=latest or date.today(), format="DD/MM/YYYY", key="encompass_day")
        chosen = areas_col.multiselect("School areas (postcode district)", areas, placeholder="All areas", key="encompass_areas")
        with session.results() as con:
            found = encompass_list(con, day, chosen, see_refuge_address=can_do(user.role, "see_refuge_address"))
        st.caption(
            f"**{len(found.rows):,}** children present at a DA incident on {day:%d/%m/%Y}"
            + (f" in {', '.join(found.areas)}" if found.areas else "") + ": recorded as a witness or involved, or "
            "living at the incident address. The download is recorded in the audit log with the people it lists."
        )
        if found.window_start is not None and day < found.window_start:
            st.caption(f"The flags cover incidents from {found.window_start:%d/%m/%Y} only.")
        export_button(
            "Download the list (CSV)",
            lambda: found.rows,
            file_name=f"encompass-{day.isoformat()}.csv",
            target=encompass_target(day, found.areas),
            detail={"page": "triage", "day": day.isoformat(), "areas": list(found.areas or []),
                    "people": sorted(set(found.rows["person_id"]))},
            key="encompass_download",
        )
