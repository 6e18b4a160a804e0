"""The triage queue over a linked generated set: order, one row per person, filters."""

from __future__ import annotations

from datetime import date

import pytest

from linkage.explore.triage import FLAG_LABELS, QUEUE_COLUMNS, triage_options, triage_queue


def _flagged_people(cur, where: str = "TRUE", params: dict | None = None) -> set[str]:
    sql = f"SELECT DISTINCT f.person_id FROM flags AS f JOIN persons AS p USING (person_id) WHERE {where}"
    return {pid for (pid,) in cur.execute(sql, params or {}).fetchall()}


def test_whole_queue_is_every_flagged_person_most_severe_first(cur):
    queue = triage_queue(cur, limit=100_000)
    assert list(queue.rows.columns) == list(QUEUE_COLUMNS)
    assert set(queue.rows.person_id) == _flagged_people(cur)
    assert queue.people == len(queue.rows) and queue.rows.person_id.is_unique
    assert queue.flags == cur.execute("SELECT count(*) FROM flags").fetchone()[0]
    assert queue.rows.severity.is_monotonic_decreasing
    top = queue.rows.iloc[0]
    assert top.severity == cur.execute("SELECT max(severity) FROM flags").fetchone()[0]
    assert all(isinstance(why, str) and "\n" not in why and " record" in why for why in queue.rows.why)


def test_why_names_the_most_severe_flag_and_counts_the_rest(cur):
    rows = triage_queue(cur, limit=100_000).rows
    several = rows[rows["flags"].map(len) > 1].iloc[0]
    assert several.why.endswith("more flags)") or several.why.endswith("more flag)")
    rule = cur.execute(
        "SELECT rule FROM flags WHERE person_id = $p ORDER BY severity DESC, coalesce(score, 0) DESC, flag_id DESC LIMIT 1",
        {"p": several.person_id},
    ).fetchone()[0]
    assert several.why.startswith(rule.split(" (")[0])
    assert several["flags"][0] in FLAG_LABELS.values()


def test_limit_keeps_the_total(cur):
    queue = triage_queue(cur, limit=3)
    assert len(queue.rows) == 3 and queue.people > 3


def _filters(cur):
    options = triage_options(cur)
    code = options.codes[-1]
    middle = options.first_event + (options.last_event - options.first_event) / 2
    area = options.areas[0]
    return [
        ("one flag code", {"codes": [code]}, "CAST(f.code AS VARCHAR) = $v", {"v": code}),
        ("agency", {"agencies": ["health"]}, "list_contains(f.agencies, $v)", {"v": "health"}),
        ("area", {"areas": [area]}, "split_part(p.postcode, ' ', 1) = $v", {"v": area}),
        (
            "evidence since a date",
            {"since": middle},
            "EXISTS (SELECT 1 FROM flag_evidence AS e WHERE e.flag_id = f.flag_id AND e.event_date >= $v)",
            {"v": middle},
        ),
        (
            "evidence until a date",
            {"until": middle},
            "EXISTS (SELECT 1 FROM flag_evidence AS e WHERE e.flag_id = f.flag_id AND e.event_date <= $v)",
            {"v": middle},
        ),
        ("a day with no evidence", {"since": date(1990, 1, 1), "until": date(1990, 1, 2)}, "FALSE", {}),
    ]


FILTER_NAMES = ["one flag code", "agency", "area", "evidence since a date", "evidence until a date", "a day with no evidence"]


@pytest.mark.parametrize("description", FILTER_NAMES)
def test_filters_keep_exactly_the_matching_people(cur, description):
    _, filters, where, params = next(f for f in _filters(cur) if f[0] == description)
    queue = triage_queue(cur, **filters, limit=100_000)
    expected = _flagged_people(cur, where, params)
    assert set(queue.rows.person_id) == expected, description
    assert queue.people == len(expected), description


def test_options_cover_the_flags(cur):
    options = triage_options(cur)
    assert set(options.codes) == {c for (c,) in cur.execute("SELECT DISTINCT CAST(code AS VARCHAR) FROM flags").fetchall()}
    assert set(options.agencies) <= {"police", "social_care", "health"} and options.agencies
    assert options.first_event < options.last_event
    assert all(" " not in area for area in options.areas)


def test_among_equal_severities_more_specss_factors_come_first(cur):
    """The SPECSS+ factor count orders the queue within each severity, and each row lists the person's factors."""
    from graph.flags.specss import FACTOR_LABELS

    rows = triage_queue(cur, limit=100_000).rows
    counts = rows["specss"].map(len)
    assert counts.max() >= 2, "the generated set should give some victim two or more SPECSS+ factors"
    for severity, group in rows.assign(count=counts).groupby("severity"):
        assert group["count"].is_monotonic_decreasing, f"severity {severity}"
    stored = dict(cur.execute(
        "SELECT person_id, arg_max(CAST(json_extract(parameters, '$.factors') AS VARCHAR[]), "
        "json_array_length(parameters, '$.factors')) FROM flags WHERE CAST(code AS VARCHAR) = 'specss_profile' GROUP BY person_id"
    ).fetchall())
    assert stored, "the generated set should raise SPECSS+ profiles"
    shown = dict(zip(rows["person_id"], rows["specss"]))
    assert {p: shown[p] for p in stored} == {p: [FACTOR_LABELS[f] for f in factors] for p, factors in stored.items()}
    assert all(shown[p] == [] for p in shown if p not in stored)
