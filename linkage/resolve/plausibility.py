"""Plausibility checks on resolved people, counted in every run's report.

Constraints stop the merges the linker can see are wrong. These checks look at the
people after clustering for the signs a linkage expert looks for by hand: one person in
two towns on one day, a person who reappears in another town after years of silence,
two dates of birth or two identifiers in one person. Each is a named SQL step over the
person's records that returns the people it finds; a run counts them, so a model or
threshold change that starts merging strangers shows up in ``mash runs`` before anyone
opens a profile. They flag, they do not split: an analyst decides.
"""

from __future__ import annotations

import hashlib
import json

import duckdb

from linkage.config.model import Plausibility
from linkage.pipeline import Step, run_sql

__all__ = ["CHECKS", "PERSON_RECORDS", "check_steps", "checks_fingerprint", "count_implausible", "recount_implausible"]

#: Per record of a resolved person, what the checks read (``{records}``, ``{clusters}`` filled in).
PERSON_RECORDS = (
    "SELECT c.person_id, r.unique_id, r.event_date, r.dob, r.nhs_number, r.pnc_id, "
    "nullif(regexp_extract(r.postcode_outward, '^[A-Z]+'), '') AS area "
    "FROM {records} AS r JOIN {clusters} AS c USING (unique_id)"
)


def two_places_one_day() -> Step:
    """People whose records put them in two postcode areas on one day."""
    return Step(
        name="plausibility_two_places_one_day",
        purpose="People recorded at addresses in two postcode areas on the same day.",
        sql=(
            "SELECT DISTINCT person_id FROM {input} WHERE event_date IS NOT NULL AND area IS NOT NULL "
            "GROUP BY person_id, event_date HAVING count(DISTINCT area) > 1"
        ),
    )


def back_after_gap(gap_days: int) -> Step:
    """People who reappear, after ``gap_days`` with no record, in an area none of their records had before."""
    return Step(
        name="plausibility_back_after_gap",
        purpose="People seen again after a long silence in a postcode area they were never recorded in before.",
        sql=(
            "SELECT DISTINCT person_id FROM ("
            "  SELECT person_id, area, event_date, "
            "  lag(event_date) OVER w AS previous_date, "
            "  list(area) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_areas "
            "  FROM {input} WHERE event_date IS NOT NULL "
            "  WINDOW w AS (PARTITION BY person_id ORDER BY event_date, unique_id)) "
            "WHERE area IS NOT NULL AND date_diff('day', previous_date, event_date) > $gap_days "
            "AND list_count(earlier_areas) > 0 AND NOT list_contains(earlier_areas, area)"
        ),
        params={"gap_days": gap_days},
    )


def two_dobs() -> Step:
    """People holding two DOBs that are not one DOB mistyped."""
    # Close, as graph.flags.same_victim.dobs_close (tests hold the two to one table): one
    # digit apart, day and month transposed, or 1 January of the same year.
    return Step(
        name="plausibility_two_dobs",
        purpose="People holding two dates of birth that are more than one keystroke apart.",
        sql=(
            "WITH d AS (SELECT DISTINCT person_id, dob, strftime(dob, '%Y%m%d') AS digits FROM {input} WHERE dob IS NOT NULL) "
            "SELECT DISTINCT a.person_id FROM d AS a JOIN d AS b ON a.person_id = b.person_id AND a.dob < b.dob "
            "WHERE hamming(a.digits, b.digits) > 1 "
            "AND NOT (year(a.dob) = year(b.dob) AND month(a.dob) = day(b.dob) AND day(a.dob) = month(b.dob)) "
            "AND NOT (year(a.dob) = year(b.dob) AND ((month(a.dob) = 1 AND day(a.dob) = 1) OR (month(b.dob) = 1 AND day(b.dob) = 1)))"
        ),
    )


def two_identifiers(column: str) -> Step:
    """People holding two values of one identifier (``nhs_number`` or ``pnc_id``)."""
    return Step(
        name=f"plausibility_two_{column}s",
        purpose=f"People holding two different values of {column}.",
        sql=f"SELECT person_id FROM {{input}} WHERE {column} IS NOT NULL GROUP BY person_id HAVING count(DISTINCT {column}) > 1",
    )


#: Check name -> what it finds, in report order.
CHECKS = {
    "two_places_one_day": "recorded in two postcode areas on one day",
    "back_after_gap": "seen again after a long silence in a new postcode area",
    "two_dobs": "two dates of birth more than a keystroke apart",
    "two_nhs_numbers": "two NHS numbers",
    "two_pnc_ids": "two PNC IDs",
}


def check_steps(config: Plausibility) -> dict[str, Step]:
    """The checks' steps by name (:data:`CHECKS`), each returning the ``person_id`` of the people it finds."""
    return {
        "two_places_one_day": two_places_one_day(),
        "back_after_gap": back_after_gap(round(config.silence_years * 365.25)),
        "two_dobs": two_dobs(),
        "two_nhs_numbers": two_identifiers("nhs_number"),
        "two_pnc_ids": two_identifiers("pnc_id"),
    }


def count_implausible(
    con: duckdb.DuckDBPyConnection, config: Plausibility, records: str = "records", clusters: str = "clusters"
) -> dict[str, int]:
    """How many resolved people each plausibility check finds.

    Args:
        con: A results connection.
        config: The checks' settings.
        records: The records table.
        clusters: The clusters table (``unique_id``, ``person_id``).

    Returns:
        ``{check name: people}`` in :data:`CHECKS` order.
    """
    source = PERSON_RECORDS.format(records=records, clusters=clusters)
    run_sql(con, "plausibility_person_records", f"CREATE OR REPLACE TEMP TABLE _plausibility_input AS {source}")
    try:
        counts = {}
        for name, step in check_steps(config).items():
            (found,) = run_sql(con, step.name, f"SELECT count(*) FROM ({step.render('_plausibility_input')})", step.params).fetchall()[0]
            counts[name] = int(found)
        return counts
    finally:
        run_sql(con, "plausibility_drop_input", "DROP TABLE IF EXISTS _plausibility_input")


def checks_fingerprint(config: Plausibility) -> str:
    """A hash of the checks as they run under ``config`` (their SQL and values): counts under another differ."""
    steps = [(step.name, step.sql, sorted(step.params.items())) for step in check_steps(config).values()]
    return hashlib.sha256(json.dumps([PERSON_RECORDS, steps], default=str).encode()).hexdigest()[:16]


def recount_implausible(
    con: duckdb.DuckDBPyConnection, config: Plausibility, people: str, previous: str, before: dict[str, int]
) -> dict[str, int]:
    """The counts of :func:`count_implausible` after an incremental run, checking only the people it changed.

    Every check judges a person from that person's own records alone, and a person an
    incremental run did not re-cluster keeps both records and id. So each count is the
    previous results' count, less what the check finds among ``people`` there, plus what
    it finds among them now: at a million people, a few thousand are checked rather than all.

    Args:
        con: The results connection, with the previous results attached as ``previous``.
        config: The checks' settings (those ``before`` was counted under).
        people: A table of ``person_id``: every person, before and after, whose records changed.
        previous: The schema the previous results are attached under.
        before: The previous results' counts, by check name.

    Returns:
        ``{check name: people}`` in :data:`CHECKS` order.
    """
    def among(schema: str) -> dict[str, int]:
        clusters = f"(SELECT * FROM {schema}clusters WHERE person_id IN (SELECT person_id FROM {people}))"
        return count_implausible(con, config, f"{schema}records", clusters)

    was, now = among(f"{previous}."), among("")
    return {name: before[name] - was[name] + now[name] for name in CHECKS}
