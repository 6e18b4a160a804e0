"""The stored flags as analysts list them (``mash flags``, the flag queue): most severe first, with decisions."""

from __future__ import annotations


import duckdb
import pandas as pd

from linkage.pipeline import run_sql
from linkage.store import require_table


def list_flags(
    con: duckdb.DuckDBPyConnection,
    codes: list[str] | None = None,
    agencies: list[str] | None = None,
    limit: int = 50,
    *,
    decisions: pd.DataFrame | None = None,
    statuses: list[str] | None = None,
) -> tuple[int, list[dict]]:
    """Flags, most severe first, filtered by flag code, contributing agency and decision.

    Args:
        con: The store connection.
        codes: Keep only these flag codes.
        agencies: Keep only flags with evidence from one of these agencies.
        limit: Rows to return.
        decisions: The decisions in force (``linkage.accountability.flag_decisions.decisions_in_force``);
            None: every flag is new.
        statuses: Keep only flags with one of these statuses (``new``, ``under_review``, ``actioned``).

    Returns:
        The number of matching flags and the first ``limit`` of them: code, person_id
        with the person's name and dob, rule, agencies, cross_agency, weakest_link,
        severity, score, status and outcome.

    Raises:
        MashError: There are no flags yet, or a code, agency or status is unknown.
    """
    from graph import FlagCode
    from linkage.codes import Agency
    from linkage.errors import MashError
    from linkage.accountability.flag_decisions import STATUS_LABELS, in_force_table

    require_table(con, "flags")
    for kind, given, known in (
        ("flag code", codes, [c.value for c in FlagCode]),
        ("agency", agencies, [a.value for a in Agency]),
        ("status", statuses, list(STATUS_LABELS)),
    ):
        unknown = sorted(set(given or ()) - set(known))
        if unknown:
            raise MashError(f"unknown {kind}(s) {unknown}; use one of {known}")
    where = (
        "($codes IS NULL OR CAST(f.code AS VARCHAR) IN (SELECT unnest($codes))) "
        "AND ($agencies IS NULL OR len(list_intersect(f.agencies, $agencies)) > 0) "
        "AND ($statuses IS NULL OR coalesce(d.status, 'new') IN (SELECT unnest($statuses)))"
    )
    joined = (
        "FROM flags AS f LEFT JOIN persons AS p USING (person_id) "
        "LEFT JOIN flag_decisions_in_force AS d ON d.flag_code = CAST(f.code AS VARCHAR) AND d.person_id = f.person_id"
    )
    params = {"codes": codes, "agencies": agencies, "statuses": statuses}
    con.register("flag_decisions_in_force", in_force_table(decisions if decisions is not None else pd.DataFrame()))
    try:
        total = run_sql(con, "count_flags", f"SELECT count(*) {joined} WHERE {where}", params).fetchall()[0][0]
        cursor = run_sql(
            con,
            "list_flags",
            "SELECT CAST(f.code AS VARCHAR) AS code, f.person_id, concat_ws(' ', p.forename, p.surname) AS name, "
            "TRY_CAST(p.dob AS DATE) AS dob, f.rule, f.agencies, f.cross_agency, f.weakest_link, f.severity, f.score, "
            f"coalesce(d.status, 'new') AS status, d.outcome {joined} WHERE {where} ORDER BY f.flag_id LIMIT $limit",
            {**params, "limit": limit},
        )
        names = [d[0] for d in cursor.description]
        return total, [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.unregister("flag_decisions_in_force")
