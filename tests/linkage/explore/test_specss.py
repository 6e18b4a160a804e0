"""A SPECSS+ profile flag's parameters read back as a row of factors and as evidence by factor."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from graph import FlagRules
from graph.flags.specss import FACTOR_LABELS, FACTORS, specss_profile
from linkage.explore import specss_evidence, specss_factors
from tests.graph.conftest import AS_OF, Frames, day


@pytest.fixture(scope="module")
def flag():
    """A victim with escalation, stalking and her mental-health contact, as the store gives the flag back."""
    frames = Frames()
    frames.da("P", "V", day(-300))
    frames.da("P", "V", day(-20), offence="Domestic Abuse - Harassment")
    frames.da("P", "V", day(-10))
    frames.record("V", "health", day(-50), link=0.77, role="patient", service="Mental Health", mental_health=True)
    (raised,) = specss_profile(frames.graph(), FlagRules(as_of=AS_OF))
    return raised, json.loads(json.dumps(raised.parameters))


def test_every_factor_is_in_the_row_present_or_not(flag) -> None:
    raised, parameters = flag
    row = specss_factors(parameters)
    assert list(row["factor"]) == list(FACTORS) and list(row["label"]) == [FACTOR_LABELS[f] for f in FACTORS]
    assert list(row.loc[row["present"], "factor"]) == ["escalation", "stalking", "mental_health"]
    health = row.set_index("factor").loc["mental_health"]
    assert health["agencies"] == ["health"] and health["records"] == 1 and health["weakest_link"] == 0.77
    absent = row[~row["present"]]
    assert absent["detail"].isna().all() and (absent["records"] == 0).all() and absent["weakest_link"].isna().all()


def test_evidence_rows_carry_the_factor_they_show(flag) -> None:
    raised, parameters = flag
    evidence = pd.DataFrame({
        "unique_id": [e.unique_id for e in raised.evidence], "event_date": [e.event_date for e in raised.evidence],
        "agency": [e.agency for e in raised.evidence],
    })
    shown = specss_evidence(parameters, evidence)
    assert set(zip(shown["factor"], shown["unique_id"])) == {
        (FACTOR_LABELS[f], u) for f in parameters["factors"] for u in parameters[f]["unique_ids"]
    }
    # In the row's factor order, then by date: escalation's three incidents first.
    assert list(shown["factor"])[:3] == ["Escalation"] * 3
    assert shown.loc[shown["factor"] == "Escalation", "event_date"].is_monotonic_increasing
    assert isinstance(shown["event_date"].iloc[0], date)
