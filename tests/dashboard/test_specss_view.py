"""A SPECSS+ profile on the person profile (a row of factors with their records) and on the triage queue."""

from __future__ import annotations

import json

import pytest

from graph.flags.specss import FACTOR_LABELS, FACTORS
from linkage.accountability.access import UserRole
from linkage.store import open_results


@pytest.fixture(scope="module")
def profiled(dashboard_store) -> dict:
    """The DA victim with the most SPECSS+ factors, and her flag's parameters."""
    con = open_results(dashboard_store.run.store)
    try:
        person_id, parameters = con.execute(
            "SELECT person_id, parameters FROM flags WHERE CAST(code AS VARCHAR) = 'specss_profile' "
            "ORDER BY json_array_length(parameters, '$.factors') DESC, person_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return {"id": person_id, "parameters": json.loads(parameters)}


def test_the_profile_shows_a_row_of_factors_each_with_its_records(app_as, profiled):
    at = app_as(UserRole.MASH_ANALYST, "profile", person_id=profiled["id"])
    assert not at.exception and not at.error
    present = profiled["parameters"]["factors"]
    row = next(m.value for m in at.markdown if all(FACTOR_LABELS[f] in m.value for f in FACTORS))
    for factor in FACTORS:
        marked = f":red-badge[:material/check: {FACTOR_LABELS[factor]}]" in row
        assert marked == (factor in present), factor
        assert marked or f":gray-badge[{FACTOR_LABELS[factor]}]" in row, factor
    lines = next(m.value for m in at.markdown if m.value.startswith(f"**{FACTOR_LABELS[present[0]]}**"))
    for factor in present:
        found = profiled["parameters"][factor]
        assert f"**{FACTOR_LABELS[factor]}**: {found['detail']}; {found['records']} record" in lines
        assert f"weakest link {found['weakest_link']:.3f}" in lines
    evidence = next(d.value for d in at.dataframe if "factor" in d.value.columns)
    by_factor = evidence.groupby("factor")["record_id"].apply(set).to_dict()
    expected = {FACTOR_LABELS[f]: {u.split(":", 1)[1] for u in profiled["parameters"][f]["unique_ids"]} for f in present}
    assert by_factor == expected


def test_the_triage_queue_shows_the_factors(app_as, profiled):
    at = app_as(UserRole.MASH_ANALYST, "triage")
    assert not at.exception and not at.error
    queue = at.dataframe[0].value
    row = queue[queue["person_id"] == profiled["id"]].iloc[0]
    assert list(row["specss"]) == [FACTOR_LABELS[f] for f in profiled["parameters"]["factors"]]
