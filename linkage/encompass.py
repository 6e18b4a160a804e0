"""Operation Encompass: the list of children a force tells schools about before the next school day.

Read from the ``child_at_da_incident`` flags (``graph/flags/encompass.py``): one row per
child and DA incident on the chosen day, with the child's school area (the postcode
district of their golden-view postcode). Refuge addresses are withheld from a role
without ``see_refuge_address``; the area stays, since schools are found by it, and a
district is not an address. Who exports the list, with what filters, is written to the
audit log before the file is (:func:`audited_encompass_csv`); if that row cannot be
written, nothing is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from graph import FlagCode
from linkage.accountability import audit
from linkage.accountability.access import User, can_do
from linkage.errors import MashError
from linkage.explore.withheld import WITHHELD, withheld_places
from linkage.export import safe_frame
from linkage.pipeline import run_sql
from linkage.store import has_table, open_state, require_table

__all__ = [
    "ENCOMPASS_ACTION",
    "ENCOMPASS_COLUMNS",
    "EncompassList",
    "audited_encompass_csv",
    "encompass_list",
    "encompass_target",
]

#: The permission (``linkage.accountability.access.ACTION_ROLES``) the list needs.
ENCOMPASS_ACTION = "export_encompass"
#: The list's columns, in order.
ENCOMPASS_COLUMNS = (
    "incident_date", "area", "person_id", "name", "dob", "age", "address", "postcode", "presence", "occurrence",
    "weakest_link",
)


@dataclass(frozen=True)
class EncompassList:
    """The children present at DA incidents on one day.

    Attributes:
        day: The incidents' date.
        areas: The school areas asked for (None: all).
        rows: One row per child and incident, columns :data:`ENCOMPASS_COLUMNS`, by area then name.
        window_start: The first day the flags cover (None when the results have no flag run):
            a day before it lists nobody because the flags look no further back.
    """

    day: date
    areas: tuple[str, ...] | None
    rows: pd.DataFrame
    window_start: date | None


def encompass_list(
    con: duckdb.DuckDBPyConnection, day: date, areas: list[str] | None = None, *, see_refuge_address: bool
) -> EncompassList:
    """The children present at a DA incident on ``day``, in the given school areas.

    Args:
        con: A results cursor.
        day: The incidents' date.
        areas: Postcode districts (``NT1``); None or empty: every area.
        see_refuge_address: Whether the user's role may see refuge addresses
            (``can_do(role, "see_refuge_address")``); if not, a child's address and postcode
            at a refuge read :data:`~linkage.explore.withheld.WITHHELD`.

    Returns:
        The list.

    Raises:
        MashError: The results have no flags yet.
    """
    require_table(con, "flags")
    wanted = tuple(sorted({a.strip().upper() for a in areas if a.strip()})) if areas else None
    flags = run_sql(
        con, "encompass_flags",
        "SELECT person_id, parameters, weakest_link FROM flags WHERE CAST(code AS VARCHAR) = $code ORDER BY flag_id",
        {"code": FlagCode.CHILD_AT_DA_INCIDENT.value},
    ).fetchall()
    window = None
    rows = []
    for person_id, parameters, weakest in flags:
        params = json.loads(parameters)
        for incident in params.get("incidents", []):
            if incident["date"] == day.isoformat():
                rows.append((person_id, incident.get("occurrence"), "; ".join(incident["presence"]), weakest))
    people = _people(con, sorted({r[0] for r in rows}))
    frame = pd.DataFrame(rows, columns=["person_id", "occurrence", "presence", "weakest_link"]).merge(
        people, on="person_id", how="left")
    frame["area"] = frame["postcode"].map(lambda p: p.split(" ")[0] if isinstance(p, str) and p.strip() else None)
    if wanted:
        frame = frame[frame["area"].isin(wanted)]
    if not see_refuge_address and not frame.empty:
        frame = _withhold(con, frame)
    frame = frame.assign(
        incident_date=day,
        age=[_age(dob, day) for dob in frame["dob"]],
        weakest_link=frame["weakest_link"].round(4),
    )
    frame = frame.sort_values(["area", "name", "person_id", "occurrence"], na_position="last", kind="stable")
    run = run_sql(con, "encompass_window", "SELECT as_of FROM flag_run").fetchall() if has_table(con, "flag_run") else []
    if run and run[0][0] is not None and flags:
        window = run[0][0] - timedelta(days=int(json.loads(flags[0][1])["window_days"]))
    return EncompassList(day, wanted, frame[list(ENCOMPASS_COLUMNS)].reset_index(drop=True), window)


def encompass_target(day: date, areas: tuple[str, ...] | None) -> str:
    """What the audit log records as exported: the list, its day and its areas."""
    return f"Operation Encompass list {day.isoformat()} " + ("all areas" if not areas else "areas " + ", ".join(areas))


def audited_encompass_csv(
    con: duckdb.DuckDBPyConnection, store: Path, user: User, purpose: str, day: date, areas: list[str] | None,
    *, file_name: str, page: str,
) -> tuple[bytes, EncompassList]:
    """The list as spreadsheet-safe CSV, once the export is in the audit log.

    Args:
        con: A results cursor.
        store: The store, whose state database holds the audit log.
        user: Who is exporting (their role decides refuge addresses and whether they may).
        purpose: Their stated purpose.
        day: The incidents' date.
        areas: School areas (None: all).
        file_name: The file's name, for the audit row.
        page: Where the export was made (``cli``, ``triage``), for the audit row.

    Returns:
        The CSV's bytes and the list.

    Raises:
        MashError: The role may not export the list, or the audit row could not be written.
    """
    if not can_do(user.role, ENCOMPASS_ACTION):
        raise MashError(f"the role {user.role} may not export the Operation Encompass list")
    found = encompass_list(con, day, areas, see_refuge_address=can_do(user.role, "see_refuge_address"))
    detail = {
        "page": page, "file": file_name, "day": day.isoformat(), "areas": list(found.areas or []),
        "rows": len(found.rows), "people": sorted(set(found.rows["person_id"])),
    }
    try:
        with open_state(store) as state:
            audit.record(state, user.name, user.role, "export", encompass_target(day, found.areas), purpose, detail)
    except Exception:  # whatever failed, nothing leaves unrecorded
        raise MashError("the export could not be recorded in the audit log, so it was refused") from None
    return safe_frame(found.rows).to_csv(index=False).encode("utf-8"), found


def _people(con: duckdb.DuckDBPyConnection, ids: list[str]) -> pd.DataFrame:
    rows = run_sql(
        con, "encompass_people",
        "SELECT person_id, nullif(concat_ws(' ', forename, surname), '') AS name, TRY_CAST(dob AS DATE) AS dob, "
        "postcode, address FROM persons WHERE person_id IN (SELECT unnest($ids))",
        {"ids": ids},
    ).fetchall()
    return pd.DataFrame(rows, columns=["person_id", "name", "dob", "postcode", "address"])


def _withhold(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """Address and postcode read WITHHELD where the child was recorded there at a refuge."""
    places = withheld_places(con, sorted(set(frame["person_id"])))
    if not places:
        return frame
    out = frame.copy()
    for field, index in (("postcode", 0), ("address", 1)):
        hidden = [
            value in {p[index] for p in places.get(person, ())}
            for person, value in zip(out["person_id"], out[field], strict=True)
        ]
        out[field] = out[field].where(~pd.Series(hidden, index=out.index), WITHHELD)
    return out


def _age(dob: date | None, day: date) -> int | None:
    if dob is None or pd.isna(dob):
        return None
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
