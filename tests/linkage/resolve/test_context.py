"""Relational context: a name-only DA record, or a split-off fragment with a DOB, joins the victim of its perpetrator, and only when it is safe."""

from __future__ import annotations

import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from linkage.config import load_run_config
from linkage.ingest import ingest
from linkage.resolve import bands
from linkage.resolve.context import REASON_PREFIX, Context, context_events
from linkage.resolve.profiles import collapse, self_pairs
from linkage.resolve.run import cluster_records, predict
from linkage.resolve.linker import model_input
from linkage.resolve.train import train_and_save
from tests.linkage.resolve.conftest import model_record

REPO = Path(__file__).resolve().parents[3]
_HOME = {"postcode": "ZQ9 9AA"}


def _perpetrator(tag: str) -> list[dict]:
    return [model_record(f"zc-{tag}-perp-{n}", "GARY", f"ZQPERP{tag.upper()}", dob=datetime.date(1980, 2, 3),
                         pnc_id=f"80/{tag}000", sex="male", **_HOME) for n in (1, 2, 3)]


def _victim(uid: str, forename: str, surname: str, dob: datetime.date, nhs: str) -> list[dict]:
    """A victim's police DA record and health record, both with her DOB."""
    return [
        model_record(f"{uid}-police", forename, surname, dob=dob, **_HOME),
        model_record(f"{uid}-gp", forename, surname, dob=dob, nhs_number=nhs, source="health", agency="health", **_HOME),
    ]


def _later(uid: str, forename: str, surname: str, dob: datetime.date | None = None) -> dict:
    """A police DA victim record with name and sex (and a DOB when given) only: no postcode or identifier."""
    return model_record(uid, forename, surname, dob=dob, postcode=None)


#: Each case: a perpetrator (three records with his PNC ID), his victims, and a victim
#: record of a later incident with him, name-only unless it gives a DOB. (tag, victims, the
#: later record's name (and DOB), what becomes of it: 'joins' the first victim, 'review' or
#: 'apart', rejected)
CASES = [
    ("a no-DOB victim record of a known perpetrator joins its victim",
     "a", [("SARAH", "ZQVICTIMA", datetime.date(1985, 6, 7), "9434765919")], ("SARAH", "ZQVICTIMA"), "joins", False),
    ("a name that fits two of the perpetrator's victims goes to review, not to either",
     "b", [("EMMA", "ZQVICTIMB", datetime.date(1990, 1, 2), "9434765870"), ("EMMA", "ZQVICTIMB", datetime.date(1966, 8, 9), "4010232137")],
     ("EMMA", "ZQVICTIMB"), "review", False),
    ("a forename that does not fit the perpetrator's victim stays apart",
     "c", [("LUCY", "ZQVICTIMC", datetime.date(1988, 3, 4), "4505577104")], ("KAREN", "ZQVICTIMC"), "apart", False),
    ("a pair an analyst rejected stays apart",
     "d", [("JANE", "ZQVICTIMD", datetime.date(1979, 9, 10), "6865866320")], ("JANE", "ZQVICTIMD"), "apart", True),
    ("a victim's own record split off with its DOB miskeyed in the same year and a surname typo (a fragment) joins her",
     "e", [("CLAIRE", "ZQVICTIME", datetime.date(1983, 4, 21), "4505577112")],
     ("CLAIRE", "ZQVICTIMEE", datetime.date(1983, 9, 3)), "joins", False),
    ("a fragment whose DOB is years from the victim's stays apart",
     "f", [("HELEN", "ZQVICTIMF", datetime.date(1983, 4, 21), "4010232145")],
     ("HELEN", "ZQVICTIMF", datetime.date(1961, 11, 2)), "apart", False),
]


def _case_rows(tag, victims, name) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """The case's model-input rows and DA participants (record id, incident, role)."""
    rows = _perpetrator(tag)
    events = []
    for n, (forename, surname, dob, nhs) in enumerate(victims):
        rows += _victim(f"zc-{tag}-v{n}", forename, surname, dob, nhs)
        events += [(f"zc-{tag}-perp-{n + 1}", f"zc-{tag}-e{n}", "suspect"), (f"zc-{tag}-v{n}-police", f"zc-{tag}-e{n}", "victim")]
    rows.append(_later(f"zc-{tag}-w", *name))
    events += [(f"zc-{tag}-perp-1", f"zc-{tag}-ew", "suspect"), (f"zc-{tag}-w", f"zc-{tag}-ew", "victim")]
    return rows, events


@pytest.fixture(scope="module")
def setting(generated_extracts, tmp_path_factory):
    """Generated people's records and DA incidents with every case's added, and a model trained on them."""
    root = tmp_path_factory.mktemp("context")
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "mash.duckdb", extracts_dir=generated_extracts / "extracts")
    with duckdb.connect(str(ingest(run).store), read_only=True) as con:
        records, generated_events = model_input(con, "records", run.model), context_events(con)
    config = run.model
    made, participants = [], []
    for _, tag, victims, name, _, _ in CASES:
        rows, events = _case_rows(tag, victims, name)
        made += rows
        participants += events
    records = pa.concat_tables([records, pa.Table.from_pylist(
        [{c: row.get(c) for c in records.column_names} for row in made], schema=records.schema)]).sort_by("unique_id")
    ids, incident, role = zip(*participants, strict=True)
    events = pa.concat_tables([generated_events, pa.table({"unique_id": ids, "event": incident, "role": role})])
    model = train_and_save(root / "mash.duckdb", collapse(records, config).records, config)
    return records, config, model, events


def _resolve(setting, decided, with_context=True):
    records, config, model, events = setting
    profiles = collapse(records, config, keep_apart={uid for pair in decided for uid in pair})
    review = config.thresholds.review
    pairs = predict(profiles.records, model, review)
    own = self_pairs(profiles, model.splink, model.term_frequency_tables(), review)
    both = pairs if own is None else pa.concat_tables([pairs, own], promote_options="default")
    context = Context(events, model.splink, model.term_frequency_tables()) if with_context else None
    return cluster_records(profiles, both, decided, config, context)


@pytest.mark.slow
@pytest.mark.parametrize(("description", "tag", "victims", "name", "outcome", "reject"), CASES, ids=[c[0] for c in CASES])
def test_context_attaches_only_a_safe_name_only_record(setting, description, tag, victims, name, outcome, reject):
    decided = {(f"zc-{tag}-v0-police", f"zc-{tag}-w"): "reject"} if reject else {}
    without = _resolve(setting, decided, with_context=False)
    clustered = _resolve(setting, decided)
    person = dict(zip(clustered.unique_ids.to_pylist(), clustered.labels, strict=True))
    alone = dict(zip(without.unique_ids.to_pylist(), without.labels, strict=True))
    weak, victim = f"zc-{tag}-w", f"zc-{tag}-v0-police"
    assert alone[weak] != alone[victim], f"{description}: precondition, the model alone leaves the record out"
    pairs = clustered.pairs.to_pandas()
    touching = pairs[(pairs.unique_id_l == weak) | (pairs.unique_id_r == weak)]
    context_bands = set(touching[touching.reason.fillna("").str.startswith(REASON_PREFIX)].band)
    if outcome == "joins":
        assert person[weak] == person[victim] == person[f"zc-{tag}-v0-gp"], description
        assert context_bands == {bands.LINK}, description
    else:
        assert all(person[weak] != person[f"zc-{tag}-v{n}-police"] for n in range(len(victims))), description
        assert context_bands == ({bands.REVIEW} if outcome == "review" else set()), description
