"""FlagRules config and evaluation against synthetic truth."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from graph.codes import FlagCode
from graph.config import FlagRules
from graph.evaluate import evaluate_flags
from graph.flags import FLAG_SPECS, REGISTRY, run_flags
from tests.graph.conftest import AS_OF, Frames, day


def test_defaults_follow_domain() -> None:
    """Defaults are DOMAIN.md's: 2 victims in 3 years, 3 incidents in 365 days."""
    rules = FlagRules()
    assert (rules.serial_min_victims, rules.serial_window_years) == (2, 3)
    assert (rules.repeat_victim_min_incidents, rules.repeat_victim_window_days) == (3, 365)
    assert rules.as_of is None and set(rules.severity) == set(FlagCode)


def test_unknown_key_is_rejected_and_partial_severity_keeps_defaults() -> None:
    """extra='forbid' catches typos; re-ranking one flag leaves the others."""
    with pytest.raises(ValidationError):
        FlagRules(serial_min_victim=3)
    rules = FlagRules(severity={"toxic_trio": 10})
    assert rules.severity[FlagCode.TOXIC_TRIO] == 10
    assert rules.severity[FlagCode.SERIAL_PERPETRATOR] == FLAG_SPECS[FlagCode.SERIAL_PERPETRATOR].severity


@pytest.mark.parametrize(
    ("offence", "gravity"),
    [("Domestic Abuse - Assault", 3), ("Domestic Abuse - Coercive Control", 3), ("Domestic Abuse - Harassment", 2),
     ("Domestic Abuse - Criminal Damage", 1), ("Something else", 1), (None, 1)],
)
def test_offence_gravity(offence, gravity) -> None:
    assert FlagRules().gravity(offence) == gravity


def test_as_of_defaults_to_latest_event(frames: Frames) -> None:
    """With as_of None, the window ends at the latest event date in the data."""
    frames.da("P", "V1", day(-1))
    frames.da("P", "V2", day(-1100))  # 3 years before day(-1) is day(-1097)
    assert run_flags(frames.graph(), FlagRules(), [FlagCode.SERIAL_PERPETRATOR]) == []


@pytest.mark.parametrize(
    ("description", "when", "flagged"),
    [("dated incidents: a serial", day(-1), True), ("no event has a date (a person file): no rule can apply", None, False)],
    ids=["dated", "undated"],
)
def test_data_without_event_dates_raises_no_flags(frames: Frames, description, when, flagged) -> None:
    frames.da("P", "V1", when, dash="high")
    frames.da("P", "V2", when)
    frames.ed_da("V1", when)
    flags = run_flags(frames.graph(), FlagRules())
    assert bool(flags) is flagged, description


def test_registry_rules_are_pure(frames: Frames) -> None:
    """Running every rule twice gives the same flags and leaves the graph unchanged."""
    frames.da("P", "V1", day(-1), dash="high")
    frames.da("P", "V2", day(-2))
    g = frames.graph()
    before = (g.number_of_nodes(), g.number_of_edges())
    rules = FlagRules(as_of=AS_OF)
    assert run_flags(g, rules) == run_flags(g, rules)
    assert (g.number_of_nodes(), g.number_of_edges()) == before
    assert set(REGISTRY) <= set(FlagCode)


def test_every_flag_code_has_one_spec_that_every_consumer_reads() -> None:
    """A flag added to FlagCode without a spec (rule, label, severity) fails here, not in a dashboard."""
    from graph.evaluate import EVALUATED
    from linkage.explore.intelligence import PERPETRATOR_CODES
    from linkage.explore.triage import FLAG_LABELS

    assert list(FLAG_SPECS) == [spec.code for spec in FLAG_SPECS.values()]
    assert set(FLAG_SPECS) == set(FlagCode) == set(REGISTRY)
    assert FlagRules().severity == {code: spec.severity for code, spec in FLAG_SPECS.items()}
    assert FLAG_LABELS == {code.value: spec.label for code, spec in FLAG_SPECS.items()}
    assert len(set(FLAG_LABELS.values())) == len(FLAG_LABELS), "two flags would read alike"
    assert EVALUATED == {FlagCode.SERIAL_PERPETRATOR: "is_serial_perpetrator", FlagCode.REPEAT_VICTIM: "is_repeat_victim",
                         FlagCode.CHILD_AT_DA_INCIDENT: "is_child_at_incident", FlagCode.UNSEEN_MAN: "is_unseen_man"}
    assert PERPETRATOR_CODES == ("serial_perpetrator", "repeat_perpetrator")


def test_evaluate_precision_and_recall(frames: Frames) -> None:
    """A split victim makes a false serial; a missed true serial lowers recall."""
    frames.da("P", "V1", day(-1))
    frames.da("P", "V1b", day(-2))  # truth: V1b is the same true person as V1
    frames.da("Q", "W1", day(-1))
    frames.da("Q", "W2", day(-2))
    frames.da("R", "X1", day(-3))  # truth: R is serial (a victim elsewhere is not in the data)
    events = frames.events()
    true_of = {"P": "T_P", "V1": "T_V1", "V1b": "T_V1", "Q": "T_Q", "W1": "T_W1", "W2": "T_W2",
               "R": "T_R", "X1": "T_X1"}
    truth_records = pd.DataFrame({
        "source": events["source"], "record_id": events["record_id"],
        "person_id": events["person_id"].map(true_of)})
    truth_people = pd.DataFrame({
        "person_id": sorted(set(true_of.values())),
        "is_serial_perpetrator": [p in ("T_Q", "T_R") for p in sorted(set(true_of.values()))],
        "is_repeat_victim": [False] * len(set(true_of.values())),
    })
    flags = run_flags(frames.graph(), FlagRules(as_of=AS_OF, serial_same_dob_is_one_victim=False))
    report = evaluate_flags([(f.code, f.person_ids[0]) for f in flags], events, truth_records, truth_people)
    serial = report["serial_perpetrator"]
    assert (serial["flagged"], serial["true_positive"], serial["truth"], serial["found"]) == (2, 1, 2, 1)
    assert serial["precision"] == 0.5 and serial["recall"] == 0.5
    assert report["repeat_victim"]["recall"] == 1.0


def test_evaluate_scores_only_the_flags_the_truth_marks(frames: Frames) -> None:
    """A truth set without ``is_serial_perpetrator`` (not from our generator) scores repeat victims only."""
    frames.da("P", "V1", day(-1))
    events = frames.events()
    truth_records = pd.DataFrame({"source": events["source"], "record_id": events["record_id"], "person_id": events["person_id"]})
    truth_people = pd.DataFrame({"person_id": ["P", "V1"], "is_repeat_victim": [False, False]})
    report = evaluate_flags([("serial_perpetrator", "P")], events, truth_records, truth_people)
    assert set(report) == {"repeat_victim"}
