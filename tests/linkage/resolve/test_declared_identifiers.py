"""Declared identifiers in the model: comparison, u from the data, clustering constraint, and a whole run."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml

from linkage.batch import run_all
from linkage.config import ModelConfig, load_run_config
from linkage.config.model import Constraints
from linkage.resolve.cluster import constrained_clusters
from linkage.resolve.record_keys import RecordKeys
from linkage.resolve.model import settings
from linkage.resolve.model_inputs import blocking_rules, identifier_column
from linkage.resolve.fixed_u import one_keystroke_u
from linkage.store import layout
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[3]
LABEL = "Client reference"
REASON = f"different {LABEL} values"


def groups(labels: list[int]) -> set[frozenset[int]]:
    found: dict[int, set[int]] = {}
    for record, label in enumerate(labels):
        found.setdefault(label, set()).add(record)
    return {frozenset(g) for g in found.values()}


def keys(*values: str | None) -> list[RecordKeys]:
    return [RecordKeys(identifiers=(value,)) for value in values]


CLUSTER_CASES = [
    # (description, identifier per record, edges (a, b, weight) strongest first, expected groups, refused reasons)
    ("same value links", ["1234567", "1234567"], [(0, 1, 20.0)], {frozenset({0, 1})}, []),
    ("one digit changed is a typo, not two people", ["1234567", "1234568"], [(0, 1, 20.0)], {frozenset({0, 1})}, []),
    ("two neighbours swapped is one keystroke", ["1234567", "1234576"], [(0, 1, 20.0)], {frozenset({0, 1})}, []),
    ("one digit dropped is one keystroke", ["1234567", "123467"], [(0, 1, 20.0)], {frozenset({0, 1})}, []),
    ("two digits changed: two people", ["1234567", "1234598"], [(0, 1, 20.0)], {frozenset({0}), frozenset({1})}, [REASON]),
    ("unrelated values: two people", ["1234567", "7654321"], [(0, 1, 20.0)], {frozenset({0}), frozenset({1})}, [REASON]),
    ("a record without one never conflicts", ["1234567", None], [(0, 1, 20.0)], {frozenset({0, 1})}, []),
    (
        "a cluster holding a value and its typo takes the value again",
        ["1234567", "1234568", "1234567"], [(0, 1, 20.0), (1, 2, 19.0)], {frozenset({0, 1, 2})}, [],
    ),
    (
        "a typo of one value joins, a far value is refused from the same cluster",
        ["1234567", "1234568", "9234598"], [(0, 1, 20.0), (1, 2, 19.0)], {frozenset({0, 1}), frozenset({2})}, [REASON],
    ),
]


@pytest.mark.parametrize(("description", "values", "edges", "expected", "reasons"), CLUSTER_CASES, ids=[c[0] for c in CLUSTER_CASES])
def test_two_people_identifier_constraint(description, values, edges, expected, reasons):
    result = constrained_clusters(
        keys(*values), [(a, b) for a, b, _ in edges], [w for _, _, w in edges], Constraints(), identifier_labels=[LABEL],
    )
    assert groups(result.labels) == expected, description
    assert [reason for _, reason in result.refused] == reasons, description


def test_without_labels_the_identifier_is_not_a_constraint():
    """An 'evidence' identifier is left out of the clustering keys: different values then never veto."""
    result = constrained_clusters(keys("1234567", "7654321"), [(0, 1)], [20.0], Constraints())
    assert groups(result.labels) == {frozenset({0, 1})}


def test_record_missing_the_identifier_between_two_holders_is_ambiguous():
    result = constrained_clusters(
        keys("1234567", None, "7654321"), [(0, 1), (1, 2)], [20.0, 19.5], Constraints(), identifier_labels=[LABEL]
    )
    assert result.ambiguous == {1}


MODEL = ModelConfig(identifiers={
    "client_ref": {"label": LABEL, "different_values": "two_people"},
    "case_no": {"typo_level": False},
})


def test_comparison_levels_blocking_rule_and_labels():
    comparisons = {c["output_column_name"]: c for c in settings(MODEL).get_settings("duckdb").as_dict()["comparisons"]}
    levels = [level["label_for_charts"] for level in comparisons["id_client_ref"]["comparison_levels"]]
    assert levels == [f"{LABEL} missing", f"Same {LABEL}", f"{LABEL} one keystroke apart", f"{LABEL} differs"]
    assert "damerau_levenshtein" in comparisons["id_client_ref"]["comparison_levels"][2]["sql_condition"]
    assert [level["label_for_charts"] for level in comparisons["id_case_no"]["comparison_levels"]] == [
        "case_no missing", "Same case_no", "case_no differs",
    ]
    rules = [rule.get_blocking_rule("duckdb").blocking_rule_sql for rule in blocking_rules(MODEL)]
    assert any(identifier_column("client_ref") in rule for rule in rules)
    assert any(identifier_column("case_no") in rule for rule in rules)


U_CASES = [
    # (description, values, expected u): ordered pairs one keystroke apart over M(M-1)
    ("no close pair: one pair's worth", ["1111111", "2345678", "9999999"], 1 / 6),
    ("one changed digit", ["1234567", "1234568", "7777777"], 2 / 6),
    ("two neighbours swapped", ["1234567", "1234576", "7777777"], 2 / 6),
    ("one digit dropped", ["1234567", "123457", "7777777"], 2 / 6),
    ("equal values are the exact level, not this one", ["1234567", "1234567", "7777777"], 1 / 6),
    ("repeated values count every record pair", ["1234567", "1234567", "1234568"], 4 / 6),
    ("two changes are too many", ["1234567", "1234598", "7777777"], 1 / 6),
]


@pytest.mark.parametrize(("description", "values", "expected"), U_CASES, ids=[c[0] for c in U_CASES])
def test_one_keystroke_u_counted_over_all_pairs(description, values, expected):
    table = pa.table({"id_ref": pa.array(values, pa.string())})
    assert one_keystroke_u(table, "id_ref") == pytest.approx(expected), description


def test_one_keystroke_u_needs_two_values():
    assert one_keystroke_u(pa.table({"id_ref": pa.array(["1", None], pa.string())}), "id_ref") is None


# --- A whole run on generated extracts with a client reference added ---------------------------------------------

def client_ref(person_id: str) -> str:
    """A 7-digit reference per true person, far apart for different people (a multiplicative hash)."""
    return f"{int(person_id[1:]) * 7_919_993 % 9_000_000 + 1_000_000:07d}"


def typo(value: str) -> str:
    """The value with its last two digits swapped, or its last digit changed where they are equal."""
    return value[:-2] + value[-1] + value[-2] if value[-1] != value[-2] else value[:-1] + str((int(value[-1]) + 1) % 10)


@pytest.fixture(scope="module")
def declared_run(tmp_path_factory):
    """1,500 generated people; police and social care records carry the person's client reference (a typo in every
    tenth), and three hand-made copies of one social care record test the constraint."""
    root = tmp_path_factory.mktemp("declared")
    extracts = root / "extracts"
    generate_extracts(people=1500, seed=11, out_dir=extracts)
    with (extracts / "truth" / "records.csv").open(newline="") as f:
        person_of = {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}
    probes = {}
    for source, id_column in (("police", "PersonRecordRef"), ("social_care", "ClientID")):
        path = extracts / f"{source}.csv"
        with path.open(newline="") as f:
            reader = csv.DictReader(f)
            rows, fields = list(reader), [*reader.fieldnames, "ClientRef"]
        for index, row in enumerate(rows):
            ref = client_ref(person_of[(source, row[id_column])])
            # Formatted as clerks type it: spaces and hyphens, lower-case never matters for digits.
            row["ClientRef"] = typo(ref) if index % 10 == 9 else f"{ref[:3]}-{ref[3:]}" if index % 3 == 0 else ref
        if source == "social_care":
            # A record with an NHS number and a full DOB, copied three times without the NHS number (so only the
            # client reference can keep copies apart): same reference, one keystroke off, and unrelated.
            original = next(r for r in rows if r["NHSNumber"] and r["DateOfBirth"] and r["Postcode"] and r["ClientID"] in {k[1] for k in person_of})
            ref = client_ref(person_of[("social_care", original["ClientID"])])
            original["ClientRef"] = ref  # never one of the typos above
            far = f"{(int(ref) + 4_321_234) % 9_000_000 + 1_000_000:07d}"
            for suffix, value in (("SAME", ref), ("TYPO", typo(ref)), ("FAR", far)):
                rows.append({**original, "ClientID": f"X{suffix}", "NHSNumber": "", "ClientRef": value})
            probes = {"original": f"social_care:{original['ClientID']}", **{k: f"social_care:X{k}" for k in ("SAME", "TYPO", "FAR")}}
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields, quoting=csv.QUOTE_ALL)
            writer.writeheader()
            writer.writerows(rows)

    configs = root / "configs"
    shutil.copytree(REPO / "configs", configs)
    for name in ("police", "social_care"):
        path = configs / "sources" / f"{name}.yaml"
        data = yaml.safe_load(path.read_text())
        data["person"]["identifiers"] = {"client_ref": "ClientRef"}
        path.write_text(yaml.safe_dump(data))
    model = yaml.safe_load((configs / "model.yaml").read_text())
    model["identifiers"] = {"client_ref": {"label": LABEL, "different_values": "two_people"}}
    (configs / "model.yaml").write_text(yaml.safe_dump(model))
    run = load_run_config(configs / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=extracts)
    run_all(run)
    return run, probes, person_of


def results(run) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(layout(run.store).current()), read_only=True)


def test_records_keep_one_schema_and_store_cleaned_identifiers(declared_run):
    run, probes, _ = declared_run
    with results(run) as con:
        column_type = con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'records' AND column_name = 'identifiers'").fetchone()
        refs = dict(con.execute("SELECT source, count(identifiers['client_ref']) FROM records GROUP BY source").fetchall())
        hyphen = con.execute("SELECT count(*) FROM records WHERE identifiers['client_ref'] LIKE '%-%'").fetchone()[0]
    assert column_type == ("MAP(VARCHAR, VARCHAR)",)
    assert refs["police"] > 0 and refs["social_care"] > 0 and refs["health"] == 0, "health maps no identifier: a null map"
    assert hyphen == 0, "hyphens are stripped"


def test_records_sharing_the_identifier_link(declared_run):
    run, _, person_of = declared_run
    with results(run) as con:
        shared = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE cl.person_id = cr.person_id) FROM records AS l "
            "JOIN records AS r ON l.identifiers['client_ref'] = r.identifiers['client_ref'] AND l.unique_id < r.unique_id "
            "JOIN clusters AS cl ON cl.unique_id = l.unique_id JOIN clusters AS cr ON cr.unique_id = r.unique_id"
        ).fetchone()
        (compared,) = con.execute("SELECT count(*) FROM pairs WHERE gamma_id_client_ref = 2").fetchone()
    total, together = shared
    assert total > 500, "enough records share a reference for the check to mean something"
    assert together / total >= 0.99, f"{together} of {total} record pairs sharing a reference are one person"
    assert compared > 0, "pairs are scored on the identifier's exact level"


def test_two_people_identifier_keeps_apart_but_a_typo_does_not(declared_run):
    run, probes, _ = declared_run
    with results(run) as con:
        person = dict(con.execute("SELECT unique_id, person_id FROM clusters WHERE unique_id IN (SELECT unnest($ids))", {"ids": list(probes.values())}).fetchall())
        far_pair = con.execute(
            "SELECT band, reason FROM pairs WHERE unique_id_l = least($a, $b) AND unique_id_r = greatest($a, $b)",
            {"a": probes["original"], "b": probes["FAR"]},
        ).fetchone()
    original = person[probes["original"]]
    assert person[probes["SAME"]] == original, "the same reference links"
    assert person[probes["TYPO"]] == original, "one keystroke apart is evidence, never a veto"
    assert person[probes["FAR"]] != original, "an unrelated reference keeps an otherwise identical record apart"
    assert far_pair == ("distinct", REASON)


def test_incremental_run_adds_the_column_to_older_results_and_stores_new_identifiers(declared_run, tmp_path):
    """On a copy of the store whose results predate the identifiers column: an incremental run adds it back
    (records before it hold no identifiers); a new record stores its cleaned identifier and links to its person."""
    run, probes, _ = declared_run
    shutil.copytree(run.store.parent, tmp_path / "store")
    shutil.copytree(run.extracts_dir, tmp_path / "extracts")
    copy = run.model_copy(update={"store": tmp_path / "store" / run.store.name, "extracts_dir": tmp_path / "extracts"})
    with duckdb.connect(str(layout(copy.store).current())) as con:
        con.execute("ALTER TABLE records DROP COLUMN identifiers")
    path = copy.extracts_dir / "social_care.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    original = next(r for r in rows if f"social_care:{r['ClientID']}" == probes["original"])
    ref = next(r for r in rows if r["ClientID"] == "XSAME")["ClientRef"]
    rows.append({**original, "ClientID": "XINC", "NHSNumber": "", "ClientRef": f"{typo(ref)[:2]} {typo(ref)[2:]}"})
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    run_all(copy, incremental=True)
    with results(copy) as con:
        (stored,) = con.execute("SELECT identifiers['client_ref'] FROM records WHERE unique_id = 'social_care:XINC'").fetchone()
        person = dict(con.execute(
            "SELECT unique_id, person_id FROM clusters WHERE unique_id IN ('social_care:XINC', $original)", {"original": probes["original"]}
        ).fetchall())
    assert stored == typo(ref)
    assert person["social_care:XINC"] == person[probes["original"]]


def test_waterfall_shows_the_identifier_values(declared_run):
    from linkage.explore.explain import waterfall
    from linkage.resolve.train import load_latest_model

    run, probes, _ = declared_run
    with results(run) as con:
        bars = waterfall(con, probes["original"], probes["TYPO"], load_latest_model(run.store).splink)
    bar = bars[bars["comparison"] == "id_client_ref"].iloc[0]
    assert bar["level"] == f"{LABEL} one keystroke apart"
    assert bar["value_r"] == typo(bar["value_l"]), "the original's reference, then its typo (XTYPO sorts after it)"
