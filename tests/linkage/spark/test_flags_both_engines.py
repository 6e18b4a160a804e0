"""Flags raised on Spark, one part of the population per graph, equal the DuckDB run's row for row."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from graph import REGISTRY, Flag, FlagRules, build_graph, run_flags
from linkage.batch import run_all
from linkage.config import RunConfig, load_run_config
from linkage.node_keys import address_node_keys, event_node_keys
from linkage.pipeline import fetch_arrow
from linkage.safeguard import (
    GRAPH_EVENTS_SCHEMA, GRAPH_PEOPLE_SCHEMA, flags_as_of, graph_events_sql, graph_people_sql, read_shared_addresses,
    write_flags,
)
from linkage.store import connect, open_results
from synth import generate_extracts

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[3]

#: Every rule must raise flags on the generated set for the comparison to mean something.
REQUIRED_CODES = {code.value for code in REGISTRY}

#: Rows per Parquet row group, and Spark's setting for the bytes per partition it reads.
ROW_GROUP, SPLIT = 1024, "spark.sql.files.maxPartitionBytes"

#: Graphs to deal the generated set's ~1,000 components into.
PARTS = 64

#: The stored flags and their evidence, in stored order, every column.
FLAG_ROWS = "SELECT * REPLACE (CAST(code AS VARCHAR) AS code) FROM flags ORDER BY flag_id"
EVIDENCE_ROWS = "SELECT * FROM flag_evidence ORDER BY rowid"


#: Households linked by their address alone: a DA suspect and victim on one police
#: occurrence, and a child seen only by health at the same address (no shared event).
#: The generator nearly always puts a household's child on the adults' occurrences too.
ADDRESS_ONLY = [
    # (suspect, victim, child's forename and surname, address, postcode, day in June 2026)
    ("VORSTANE, Marek", "ELLWICK, Priya", ("Tobiah", "ELLWICK"), "3 Quarry Close", "QC1 1AA", 11),
    ("GRANDISON, Oleg", "FAIRBURN, Lottie", ("Wren", "FAIRBURN"), "8 Tannery Row", "TR2 2BB", 12),
    ("HOLLOWELL, Dmitri", "PENDRAKE, Sian", ("Ivo", "PENDRAKE"), "12 Kiln Walk", "KW3 3CC", 13),
    ("MARCHETTI, Luca", "OSGOOD, Nell", ("Ezra", "OSGOOD"), "21 Weir Lane", "WL4 4DD", 14),
]


def add_address_only_households(extracts: Path) -> None:
    """Append :data:`ADDRESS_ONLY` to the generated police and health extracts."""
    police = extracts / "police.csv"
    with police.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with police.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for i, (suspect, victim, _, address, postcode, day) in enumerate(ADDRESS_ONLY, start=1):
            occurrence = {"OccurrenceRef": f"OCC-2026-90000{i}", "OccurrenceDate": f"{day}/06/2026",
                          "OffenceCategory": "Domestic Abuse - Assault", "DAFlag": "Y", "DASHRisk": "STANDARD",
                          "Address": address, "Postcode": postcode}
            writer.writerow({**occurrence, "PersonRecordRef": f"PN-ADDR-{i}S", "PersonRole": "SUSPECT",
                             "Name": suspect, "DOB": "14/02/1984", "Sex": "M"})
            writer.writerow({**occurrence, "PersonRecordRef": f"PN-ADDR-{i}V", "PersonRole": "VICTIM",
                             "Name": victim, "DOB": "09/09/1988", "Sex": "F"})
    health = pq.read_table(extracts / "health.parquet")
    children = [
        {"AttendanceID": f"ATT-ADDR-{i}", "AttendanceDate": f"{day + 7}-Jun-2026", "PatientRecordID": f"HL-ADDR-{i}",
         "Service": "ED", "PresentingComplaint": "Fever", "GivenName": forename, "FamilyName": surname,
         "BirthDate": "20190305", "Sex": "1", "Postcode": postcode, "AddressLine": address}
        for i, (_, _, (forename, surname), address, postcode, day) in enumerate(ADDRESS_ONLY, start=1)
    ]
    rows = [{name: row.get(name) for name in health.column_names} for row in children]
    pq.write_table(pa.concat_tables([health, pa.Table.from_pylist(rows, schema=health.schema)]), extracts / "health.parquet")


def add_unseen_man(extracts: Path) -> None:
    """A man with an assault record at the home of a child on a CP plan, on none of her episodes (issue 17)."""
    home = {"Address": "5 Loom Yard", "Postcode": "LY5 5EE"}
    for name, row in (
        ("police.csv", {"OccurrenceRef": "OCC-2026-900101", "OccurrenceDate": "15/06/2026", "OffenceCategory": "Assault",
                        "DAFlag": "N", "PersonRecordRef": "PN-UNSEEN-1", "PersonRole": "SUSPECT",
                        "Name": "QUARTERMAINE, Bastian", "DOB": "03/03/1982", "Sex": "M", **home}),
        ("social_care.csv", {"EpisodeID": "EP-UNSEEN-1", "ReferralDate": "2026-06-20", "ClientID": "SC-UNSEEN-1",
                             "Role": "Child", "PlanType": "CP Plan", "Forenames": "Juniper", "Surname": "ASHDOWN",
                             "DateOfBirth": "2018-04-04", "Gender": "Female", **home}),
    ):
        with (extracts / name).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        with (extracts / name).open("a", encoding="utf-8", newline="") as handle:
            csv.DictWriter(handle, fieldnames=header, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(row)


@dataclass(frozen=True)
class GraphInput:
    """A store after a full DuckDB run, and its graph frames in Parquet as the orchestrator writes them."""

    run: RunConfig
    people: Path
    events: Path
    as_of: date


@pytest.fixture(scope="module")
def graph_input(tmp_path_factory) -> GraphInput:
    root = tmp_path_factory.mktemp("flags_both_engines")
    generate_extracts(people=5000, seed=23, out_dir=root / "extracts")
    add_address_only_households(root / "extracts")
    add_unseen_man(root / "extracts")
    run = load_run_config(REPO / "configs" / "run.yaml", store=root / "store" / "mash.duckdb", extracts_dir=root / "extracts")
    run_all(run)
    people, events = root / "people.parquet", root / "events.parquet"
    with open_results(run.store) as con:
        # Small row groups, so Spark reads the files in several partitions, as it reads a large population.
        con.execute(f"COPY ({graph_people_sql()}) TO '{people}' (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})")
        con.execute(f"COPY ({graph_events_sql()}) TO '{events}' (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})")
        as_of = flags_as_of(con, run.flags)
    return GraphInput(run=run, people=people, events=events, as_of=as_of)


def stored(store: Path) -> tuple[list[tuple], list[tuple]]:
    """The flags a run stored."""
    with open_results(store) as con:
        return con.sql(FLAG_ROWS).fetchall(), con.sql(EVIDENCE_ROWS).fetchall()


def written(flags: list[Flag], path: Path) -> tuple[list[tuple], list[tuple]]:
    """The flags as ``write_flags`` stores them, in a scratch DuckDB file."""
    with connect(path) as con:
        write_flags(con, flags, suffix="")
        return con.sql(FLAG_ROWS).fetchall(), con.sql(EVIDENCE_ROWS).fetchall()


def test_graph_schemas_are_duckdbs(graph_input):
    with open_results(graph_input.run.store) as con:
        assert fetch_arrow(con, "people", graph_people_sql()).schema == GRAPH_PEOPLE_SCHEMA
        assert fetch_arrow(con, "events", graph_events_sql()).schema == GRAPH_EVENTS_SCHEMA


def test_address_only_children_are_flagged(graph_input):
    with open_results(graph_input.run.store) as con:
        rows = con.sql(
            "SELECT f.parameters FROM flags AS f JOIN clusters AS c USING (person_id) JOIN records AS r USING (unique_id) "
            "WHERE r.record_id LIKE 'HL-ADDR-%' AND f.code = 'child_in_da_household'"
        ).fetchall()
    vias = [[adult["via"] for adult in json.loads(parameters)["adults"]] for (parameters,) in rows]
    assert vias == [[["address"], ["address"]]] * len(ADDRESS_ONLY)


def test_flags_on_spark_equal_duckdbs(spark_api, graph_input, tmp_path):
    from linkage.spark import flags_on_spark

    spark = spark_api.spark
    spark.conf.set(SPLIT, "16k")
    try:
        people, events = spark.read.parquet(str(graph_input.people)), spark.read.parquet(str(graph_input.events))
        assert events.rdd.getNumPartitions() > 1 and pq.ParquetFile(graph_input.events).num_row_groups > 1
        # Many more parts than the session's cores, so people wrongly split apart land in different graphs.
        with open_results(graph_input.run.store) as con:
            shared = read_shared_addresses(con)  # the generated hostels, judged once as the DuckDB run did
        assert shared, "the generated set has a shared address for both engines to leave out of households"
        flags = flags_on_spark(spark_api, people, events, graph_input.run.flags, graph_input.as_of, parts=PARTS, shared=shared)
    finally:
        spark.conf.unset(SPLIT)
    got_flags, got_evidence = written(flags, tmp_path / "spark_flags.duckdb")
    want_flags, want_evidence = stored(graph_input.run.store)
    assert {row[1] for row in want_flags} >= REQUIRED_CODES, "the generated set raises every flag code"
    assert got_flags == want_flags
    assert got_evidence == want_evidence


#: Small people, each with records (source, event_id, postcode, address, days after 2025-01-01),
#: and the group they must land in: shared events and addresses join people, nothing else does.
SMALL = [
    ("A", [("police", "OCC-1", "AB1 2CD", "1 HIGH ST", 0)], "high street"),
    ("B", [("health", None, "AB1 2CD", "1 HIGH ST", 5)], "high street"),
    # Another spelling of A's and B's dwelling (postcode, first two words): one place to the Encompass rule.
    ("K", [("health", None, "AB1 2CD", "1 HIGH STREET NORTHTOWN", 9)], "high street"),
    ("C", [("health", None, None, None, 0), ("health", None, None, "  ", 40), ("health", None, "AB1 2CD", None, 80)], "C alone"),
    ("D", [], "D alone"),
    ("E", [("police", "OCC-9", "EF1 1EF", "2 LOW RD", 0)], "occurrence 9"),
    ("F", [("police", "OCC-9", "GH1 1GH", "3 MILL LN", 0)], "occurrence 9"),
    ("G", [("health", "OCC-9", None, None, 0)], "G alone"),
    ("J", [("police", None, "ZZ1 1ZZ", "1 HIGH ST", 0)], "J alone"),
]


def small_frames(tmp_path: Path) -> tuple[Path, Path]:
    """Parquet people and events for :data:`SMALL`; C's records are DA attendances as a patient."""
    people = [{"person_id": p, "dob": date(1990, 1, 1), "sex": "female", "agencies": ["health"]} for p, _, _ in SMALL]
    events = [
        {
            "unique_id": f"{person}-{i}", "person_id": person, "link_probability": 1.0, "source": source,
            "agency": source, "record_id": f"{person}-{i}", "event_id": event_id,
            "event_date": date(2025, 1, 1) + timedelta(days=days), "domestic_abuse": person == "C",
            "role": "patient" if person == "C" else "involved", "postcode": postcode, "address": address,
        }
        for person, records, _ in SMALL for i, (source, event_id, postcode, address, days) in enumerate(records)
    ]
    keyed = pd.DataFrame(events)
    # The node keys, as the store's SQL gives them (linkage.node_keys; graph.keys spells them alike).
    for row, event_node, address_node in zip(events, event_node_keys(keyed), address_node_keys(keyed), strict=True):
        row.update(event_node=event_node, address_node=address_node)
    paths = tmp_path / "people.parquet", tmp_path / "events.parquet"
    pq.write_table(pa.Table.from_pylist(people, schema=GRAPH_PEOPLE_SCHEMA), paths[0])
    pq.write_table(pa.Table.from_pylist(events, schema=GRAPH_EVENTS_SCHEMA), paths[1])
    return paths


def test_small_people_are_grouped_by_shared_keys_and_kept_alone(spark_api, tmp_path):
    from linkage.spark import flags_on_spark, person_components

    spark = spark_api.spark
    people_path, events_path = small_frames(tmp_path)
    people, events = spark.read.parquet(str(people_path)), spark.read.parquet(str(events_path))
    found: dict[str, set[str]] = {}
    for person, component in person_components(spark_api, people, events).collect():
        found.setdefault(component, set()).add(person)
    expected: dict[str, set[str]] = {}
    for person, _, group in SMALL:
        expected.setdefault(group, set()).add(person)
    assert sorted(map(sorted, found.values())) == sorted(map(sorted, expected.values()))
    rules = FlagRules(as_of=date(2025, 6, 1))
    frames = [pq.read_table(path).to_pandas() for path in (people_path, events_path)]
    whole = run_flags(build_graph(*frames, data_as_of=rules.as_of), rules)
    assert {(f.code.value, f.person_ids) for f in whole} == {("repeat_victim", ("C",)), ("marac_escalation", ("C",))}
    assert flags_on_spark(spark_api, people, events, rules, rules.as_of) == whole
