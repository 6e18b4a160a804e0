"""The MASH triage queue: flagged people, most severe first, each with one line saying why.

A person with several flags is one row: the most severe flag gives the reason line
and the row lists the others. Filters keep a person if any of their flags matches:
the flag code, an agency whose records are the evidence, evidence dated within a
range, the person's postcode district (outward code), the decision on the flag
(new, under review, actioned: ``linkage.accountability.flag_decisions``) and whether the last run
raised it. :func:`flag_changes` says what the last run raised and cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from graph import FLAG_SPECS
from graph.flags.specss import FACTOR_LABELS
from linkage.accountability.flag_decisions import in_force_table, status_text
from linkage.pipeline import run_sql
from linkage.safeguard import FLAG_CHANGES
from linkage.store import require_table

#: Queue columns, in order.
QUEUE_COLUMNS = (
    "person_id", "severity", "name", "dob", "area", "flags", "specss", "why", "agencies", "people_involved",
    "latest_event", "weakest_link", "score", "status", "raised",
)
#: Columns of :attr:`FlagChanges.cleared`.
CLEARED_COLUMNS = ("person_id", "name", "dob", "flag", "rule", "severity", "status")

#: How each flag code reads in the dashboard (each flag's spec).
FLAG_LABELS = {code.value: spec.label for code, spec in FLAG_SPECS.items()}


@dataclass(frozen=True)
class TriageOptions:
    """The values the queue's filters can take, from the flags present.

    Attributes:
        codes: Flag codes raised, most severe first.
        agencies: Agencies with evidence behind some flag.
        areas: Postcode districts (outward codes) of flagged people.
        first_event: The earliest evidence date (None if no dated evidence).
        last_event: The latest evidence date.
    """

    codes: tuple[str, ...]
    agencies: tuple[str, ...]
    areas: tuple[str, ...]
    first_event: date | None
    last_event: date | None


@dataclass(frozen=True)
class FlagChanges:
    """What the last run changed in the flags, against the run before it.

    Attributes:
        first_run: The last run had no run before it: every flag is new.
        raised: Flags (a code on a person) the last run raised.
        cleared: Flags it cleared, one row each, columns :data:`CLEARED_COLUMNS` (the
            person's name and DOB when they are still in the results; ``status`` the
            decision on the flag, if any).
    """

    first_run: bool
    raised: int
    cleared: pd.DataFrame


@dataclass(frozen=True)
class TriageQueue:
    """One page of the queue.

    Attributes:
        people: Flagged people matching the filters (all of them, not just this page).
        flags: Flags those people carry that match the filters.
        rows: The first rows, one per person, columns :data:`QUEUE_COLUMNS`.
    """

    people: int
    flags: int
    rows: pd.DataFrame


def triage_options(con: duckdb.DuckDBPyConnection) -> TriageOptions:
    """The flag codes, agencies, areas and evidence dates the queue can be filtered by.

    Args:
        con: A results cursor.

    Raises:
        MashError: The results have no flags table.
    """
    require_table(con, "flags")
    codes = run_sql(
        con, "triage_codes",
        "SELECT CAST(code AS VARCHAR) FROM flags GROUP BY code ORDER BY max(severity) DESC, CAST(code AS VARCHAR)",
    ).fetchall()
    agencies = run_sql(
        con, "triage_agencies", "SELECT DISTINCT unnest(agencies) AS agency FROM flags ORDER BY agency",
    ).fetchall()
    areas = run_sql(
        con, "triage_areas",
        "SELECT DISTINCT nullif(split_part(p.postcode, ' ', 1), '') AS area FROM flags AS f "
        "JOIN persons AS p USING (person_id) WHERE area IS NOT NULL ORDER BY area",
    ).fetchall()
    first, last = run_sql(con, "triage_dates", "SELECT min(event_date), max(event_date) FROM flag_evidence").fetchall()[0]
    return TriageOptions(
        codes=tuple(c for (c,) in codes), agencies=tuple(a for (a,) in agencies), areas=tuple(a for (a,) in areas),
        first_event=first, last_event=last,
    )


def triage_queue(
    con: duckdb.DuckDBPyConnection,
    *,
    codes: list[str] | None = None,
    agencies: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    areas: list[str] | None = None,
    decisions: pd.DataFrame | None = None,
    statuses: list[str] | None = None,
    raised_only: bool = False,
    limit: int = 200,
) -> TriageQueue:
    """Flagged people, most severe first, filtered.

    Args:
        con: A results cursor.
        codes: Keep people with a flag of one of these codes.
        agencies: Keep flags with evidence from one of these agencies.
        since: Keep flags with evidence dated on or after this day.
        until: Keep flags with evidence dated on or before this day.
        areas: Keep people whose postcode district (outward code) is one of these.
        decisions: The decisions in force (``linkage.accountability.flag_decisions.decisions_in_force``);
            None: every flag is new.
        statuses: Keep flags whose status is one of these (``new``, ``under_review``, ``actioned``).
        raised_only: Keep only flags the last run raised.
        limit: Most rows to return.

    Returns:
        The counts and the first ``limit`` people, most severe first and, among equal
        severities, most SPECSS+ factors first. ``specss`` lists the SPECSS+ factors present
        around the person (empty for no profile). ``why`` is the most severe
        matching flag's rule with its evidence (records and agencies), and says
        how many more flags the person has; ``flags`` lists them all; ``status`` is
        the least advanced decision among them (a new flag first); ``raised`` says
        whether the last run raised one of them.

    Raises:
        MashError: The results have no flags table.
    """
    require_table(con, "flags")
    params = {
        "codes": list(codes) if codes else None,
        "agencies": list(agencies) if agencies else None,
        "since": since,
        "until": until,
        "areas": list(areas) if areas else None,
        "statuses": list(statuses) if statuses else None,
        "raised_only": raised_only,
    }
    raised = f"(SELECT DISTINCT code, person_id FROM {FLAG_CHANGES} WHERE change = 'raised')"
    con.register("triage_decisions", in_force_table(decisions if decisions is not None else pd.DataFrame()))
    try:
        return _queue(con, params, raised, limit)
    finally:
        con.unregister("triage_decisions")


#: Workflow order of the statuses, least advanced first.
_STATUS_RANK = "CASE status WHEN 'new' THEN 0 WHEN 'under_review' THEN 1 ELSE 2 END"


def _queue(con: duckdb.DuckDBPyConnection, params: dict, raised: str, limit: int) -> TriageQueue:
    matching = (
        "WITH evidence AS ("
        "  SELECT flag_id, max(event_date) AS latest_event, "
        "  count(*) FILTER (WHERE ($since IS NULL OR event_date >= $since) AND ($until IS NULL OR event_date <= $until)) AS in_range "
        "  FROM flag_evidence GROUP BY flag_id), "
        "matching AS ("
        "  SELECT f.flag_id, CAST(f.code AS VARCHAR) AS code, f.person_id, f.person_ids, f.rule, f.agencies, "
        "  f.severity, f.score, f.weakest_link, f.evidence_records, e.latest_event, "
        "  nullif(split_part(p.postcode, ' ', 1), '') AS area, coalesce(d.status, 'new') AS status, d.outcome, "
        "  r.person_id IS NOT NULL AS raised, "
        # The SPECSS+ factors present (graph.flags.specss), which order the queue among equal severities.
        "  CASE WHEN CAST(f.code AS VARCHAR) = 'specss_profile' "
        "    THEN CAST(json_extract(f.parameters, '$.factors') AS VARCHAR[]) END AS specss "
        "  FROM flags AS f JOIN persons AS p USING (person_id) LEFT JOIN evidence AS e USING (flag_id) "
        "  LEFT JOIN triage_decisions AS d ON d.flag_code = CAST(f.code AS VARCHAR) AND d.person_id = f.person_id "
        f"  LEFT JOIN {raised} AS r ON r.code = CAST(f.code AS VARCHAR) AND r.person_id = f.person_id "
        "  WHERE ($codes IS NULL OR CAST(f.code AS VARCHAR) IN (SELECT unnest($codes))) "
        "  AND ($agencies IS NULL OR len(list_intersect(f.agencies, $agencies)) > 0) "
        "  AND (($since IS NULL AND $until IS NULL) OR coalesce(e.in_range, 0) > 0) "
        "  AND ($areas IS NULL OR area IN (SELECT unnest($areas))) "
        "  AND ($statuses IS NULL OR coalesce(d.status, 'new') IN (SELECT unnest($statuses))) "
        "  AND (NOT $raised_only OR r.person_id IS NOT NULL)) "
    )
    people, flags = run_sql(
        con, "triage_count", matching + "SELECT count(DISTINCT person_id), count(*) FROM matching", params,
    ).fetchall()[0]
    rows = run_sql(
        con,
        "triage_queue",
        matching
        + ", per_person AS ("
        "  SELECT person_id, max(severity) AS severity, "
        # The rule without its parenthesised thresholds (the profile shows them), then its evidence.
        "  arg_max(regexp_replace(rule, '\\s*\\(.*\\)\\s*$', '') || ': ' || evidence_records || ' record' "
        "    || CASE WHEN evidence_records = 1 THEN '' ELSE 's' END || ' from ' "
        "    || replace(array_to_string(agencies, ', '), '_', ' '), "
        "    (severity, coalesce(score, 0), flag_id)) AS top_reason, "
        "  list(code ORDER BY severity DESC, code) AS flags, count(*) AS flag_count, "
        "  list_sort(list_distinct(flatten(list(agencies)))) AS agencies, "
        "  len(list_distinct(flatten(list(person_ids)))) AS people_involved, "
        "  max(latest_event) AS latest_event, min(weakest_link) AS weakest_link, max(score) AS score, "
        "  any_value(area) AS area, arg_max(specss, len(specss)) AS specss, coalesce(max(len(specss)), 0) AS factor_count, "
        f"  arg_min([status, outcome], ({_STATUS_RANK}, -severity, flag_id)) AS status, bool_or(raised) AS raised "
        "  FROM matching GROUP BY person_id) "
        "SELECT m.person_id, m.severity, concat_ws(' ', p.forename, p.surname) AS name, TRY_CAST(p.dob AS DATE) AS dob, "
        "m.area, m.flags, m.specss, "
        "m.top_reason || CASE WHEN m.flag_count > 1 THEN ' (+' || (m.flag_count - 1) || ' more flag' || CASE WHEN m.flag_count = 2 THEN '' ELSE 's' END || ')' ELSE '' END AS why, "
        "m.agencies, m.people_involved, m.latest_event, m.weakest_link, m.score, m.status, m.raised "
        "FROM per_person AS m JOIN persons AS p USING (person_id) "
        "ORDER BY m.severity DESC, m.factor_count DESC, m.score DESC NULLS LAST, m.latest_event DESC NULLS LAST, m.person_id "
        "LIMIT $limit",
        {**params, "limit": limit},
    ).fetchall()
    frame = pd.DataFrame(rows, columns=list(QUEUE_COLUMNS))
    # A person may carry one code twice (two victims); show each code once, most severe first.
    frame["flags"] = frame["flags"].map(lambda codes: [FLAG_LABELS.get(c, c) for c in dict.fromkeys(codes)])
    frame["specss"] = frame["specss"].map(lambda factors: [FACTOR_LABELS.get(f, f) for f in factors] if factors is not None else [])
    frame["status"] = frame["status"].map(lambda pair: status_text(*pair))
    return TriageQueue(people=people, flags=flags, rows=frame)


def flag_changes(con: duckdb.DuckDBPyConnection, decisions: pd.DataFrame | None = None) -> FlagChanges:
    """What the last run raised and cleared, with each cleared flag's person and any decision on it.

    Args:
        con: A results cursor.
        decisions: The decisions in force (``linkage.accountability.flag_decisions.decisions_in_force``).

    Returns:
        The counts and the cleared flags, most severe first.
    """
    raised, cleared, first = run_sql(
        con, "triage_flag_changes",
        "SELECT count(*) FILTER (WHERE change = 'raised'), count(*) FILTER (WHERE change = 'cleared'), "
        f"coalesce(bool_or(first_run), false) FROM {FLAG_CHANGES}",
    ).fetchall()[0]
    con.register("triage_decisions", in_force_table(decisions if decisions is not None else pd.DataFrame()))
    try:
        rows = run_sql(
            con, "triage_cleared_flags",
            "SELECT c.person_id, concat_ws(' ', p.forename, p.surname) AS name, TRY_CAST(p.dob AS DATE) AS dob, "
            "c.code, c.rule, c.severity, [coalesce(d.status, 'new'), d.outcome] AS status "
            f"FROM {FLAG_CHANGES} AS c LEFT JOIN persons AS p USING (person_id) "
            "LEFT JOIN triage_decisions AS d ON d.flag_code = c.code AND d.person_id = c.person_id "
            "WHERE c.change = 'cleared' ORDER BY c.severity DESC, c.code, c.person_id",
        ).fetchall()
    finally:
        con.unregister("triage_decisions")
    frame = pd.DataFrame(rows, columns=list(CLEARED_COLUMNS))
    frame["flag"] = frame["flag"].map(lambda c: FLAG_LABELS.get(c, c))
    frame["status"] = frame["status"].map(lambda pair: status_text(*pair))
    return FlagChanges(first_run=first, raised=int(raised), cleared=frame)
