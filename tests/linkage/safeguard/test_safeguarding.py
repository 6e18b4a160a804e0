"""Flags written to the store by a run: codes, evidence, weakest link, listing, scoring."""

from __future__ import annotations

import pytest

from graph import FlagCode
from linkage.errors import MashError
from linkage.pipeline import fetch_arrow
from linkage.evaluate import flag_accuracy
from linkage.safeguard import graph_people_sql, list_flags
from linkage.store import open_results


@pytest.fixture
def store(linked):
    """The session's linked set (read only here)."""
    return linked


def query(path, sql, params=None):
    with open_results(path) as con:
        return con.execute(sql, params).fetchall()


def test_run_writes_flags_with_evidence(store):
    run, report = store
    counts = dict(query(run.store, "SELECT CAST(code AS VARCHAR), count(*) FROM flags GROUP BY 1"))
    assert counts == report.flags.counts
    assert {"serial_perpetrator", "repeat_victim"} <= set(counts)
    assert query(run.store, "SELECT count(*) FROM flags f ANTI JOIN flag_evidence e USING (flag_id)") == [(0,)], "every flag has evidence"
    assert query(run.store, "SELECT count(*) FROM flag_evidence e ANTI JOIN records r USING (unique_id)") == [(0,)], "evidence is real records"


def test_flag_code_is_the_shared_enum(store):
    run, _ = store
    (type_name,) = query(run.store, "SELECT data_type FROM information_schema.columns WHERE table_name = 'flags' AND column_name = 'code'")[0]
    assert type_name.startswith("ENUM")
    members = {row[0] for row in query(run.store, "SELECT unnest(enum_range(NULL::flag_code))")}
    assert members == {c.value for c in FlagCode}


def test_weakest_link_is_the_weakest_evidence_record(store):
    run, _ = store
    mismatched = query(
        run.store,
        "SELECT count(*) FROM flags f JOIN (SELECT flag_id, min(link_probability) AS weakest FROM flag_evidence GROUP BY 1) e "
        "USING (flag_id) WHERE abs(f.weakest_link - e.weakest) > 1e-9",
    )
    assert mismatched == [(0,)]


def test_cross_agency_means_evidence_from_two_agencies(store):
    run, _ = store
    rows = query(run.store, "SELECT f.cross_agency, count(DISTINCT e.agency) FROM flags f JOIN flag_evidence e USING (flag_id) GROUP BY f.flag_id, f.cross_agency")
    assert all(cross == (agencies >= 2) for cross, agencies in rows)


def test_list_flags_filters(store):
    run, _ = store
    with open_results(run.store) as con:
        total, rows = list_flags(con, codes=["serial_perpetrator"], limit=5)
        assert total == query(run.store, "SELECT count(*) FROM flags WHERE code = 'serial_perpetrator'")[0][0]
        assert {r["code"] for r in rows} == {"serial_perpetrator"}
        health_total, health_rows = list_flags(con, agencies=["health"], limit=1000)
        assert health_total > 0 and all("health" in r["agencies"] for r in health_rows)
        with pytest.raises(MashError, match="unknown flag code"):
            list_flags(con, codes=["nonsense"])


def test_flags_score_against_truth(store):
    run, _ = store
    with open_results(run.store) as con:
        accuracy = flag_accuracy(con, run.extracts_dir / "truth")
    for code in ("serial_perpetrator", "repeat_victim"):
        assert accuracy[code]["truth"] > 0, code
        assert accuracy[code]["precision"] >= 0.9 and accuracy[code]["recall"] >= 0.85, (code, accuracy[code])


def test_exports_of_persons_flags_and_a_persons_graph(store, tmp_path):
    import csv

    import networkx as nx

    from linkage.export import export_flags, export_graph, export_persons

    run, report = store
    with open_results(run.store) as con:
        persons = export_persons(con, tmp_path / "persons.csv")
        flags = export_flags(con, tmp_path / "flags.csv")
        person = con.execute("SELECT person_id FROM flags WHERE code = 'serial_perpetrator' ORDER BY flag_id LIMIT 1").fetchall()[0][0]
        files = export_graph(con, tmp_path / "graph", person_id=person)
        with pytest.raises(MashError, match="no person"):
            export_graph(con, tmp_path / "none", person_id="MP9999999")
    assert persons == report.resolution.people == len(list(csv.DictReader((tmp_path / "persons.csv").open())))
    assert flags == sum(report.flags.counts.values()) == len(list(csv.DictReader((tmp_path / "flags.csv").open())))
    entities = list(csv.DictReader(files["entities"].open()))
    assert person in {e["Id"] for e in entities}
    links = list(csv.DictReader(files["links"].open()))
    assert any(link["Kind"] == "abuses" and link["Source"] == person for link in links), "the perpetrator's abuse edges"
    assert person in nx.read_graphml(files["graphml"])


def test_safe_frame_neutralises_formulas():
    import pandas as pd

    from linkage.export import safe_frame

    frame = pd.DataFrame({"a": ["=cmd()", "+44", "SMITH", None], "n": [1, 2, 3, 4]})
    safe = safe_frame(frame)["a"]
    assert safe.tolist()[:3] == ["'=cmd()", "'+44", "SMITH"]
    assert pd.isna(safe.iloc[3]), "a missing value stays missing"
    assert safe_frame(frame)["n"].tolist() == [1, 2, 3, 4]


def test_graph_people_carry_recorded_names_of_da_victims_only(store):
    """Each DA victim's names are every record's (forename, surname), raw and canonical, as each name the
    forename may stand for, an unknown forename as the names of a known nickname one keystroke away, and a
    nickname in the surname column read swapped; nobody else's are loaded."""
    import jellyfish

    run, _ = store
    with open_results(run.store) as con:
        people = fetch_arrow(con, "graph_people", graph_people_sql()).to_pandas().set_index("person_id")
        groups = dict(con.execute("SELECT name, groups FROM ref_forename_group").fetchall())
        expected, nicknamed, fuzzy = {}, False, False
        for person, fore, canonical, members, sur, swapped, victim in con.execute(
            "SELECT c.person_id, r.forename, r.forename_canonical, r.forename_groups, r.surname, n.canonical, "
            "bool_or(CAST(r.role AS VARCHAR) = 'victim' AND r.domestic_abuse) OVER (PARTITION BY c.person_id) "
            "FROM records r JOIN clusters c USING (unique_id) LEFT JOIN ref_nickname n ON n.name = r.surname"
        ).fetchall():
            names = expected.setdefault(person, set()) if victim else None
            if names is None:
                continue
            if fore is not None and sur is not None:
                names |= {(fore, sur), (canonical, sur)} | {(member, sur) for member in members or ()}
                if fore not in groups and len(fore) >= 4:
                    near = [
                        name for name in groups
                        if name[0] == fore[0] and abs(len(name) - len(fore)) <= 1 and jellyfish.damerau_levenshtein_distance(name, fore) == 1
                    ]
                    names |= {(member, sur) for name in near for member in groups[name]}
                    fuzzy = fuzzy or bool(near)
            if swapped is not None and fore is not None:
                names.add((swapped, fore))  # a surname that is a nickname, read swapped
            nicknamed = nicknamed or (fore is not None and canonical != fore)
    assert expected and nicknamed and fuzzy, "the session's set has DA victims, some under a nickname, some under a mistyped one"
    loaded = {p: {tuple(n) for n in names} for p, names in people["names"].dropna().items()}
    assert loaded == expected


def test_no_dated_event_writes_empty_flags_without_building_the_graph(store, tmp_path, monkeypatch, caplog):
    """A source with no event dates (a benchmark's person file) and no as_of: no rule can fire, so no graph is built."""
    import shutil

    import linkage.safeguard.build as build
    from linkage.safeguard import build_flag_tables
    from linkage.store import connect, layout

    run, _ = store
    copy = tmp_path / "results.duckdb"
    shutil.copyfile(layout(run.store).current(), copy)

    def no_graph(*_args, **_kwargs):
        raise AssertionError("the graph was built")

    monkeypatch.setattr(build, "build_graph", no_graph)
    with connect(copy) as con:
        con.execute("UPDATE records SET event_date = NULL")
        report = build_flag_tables(con, run.flags.model_copy(update={"as_of": None}), "records", "clusters", "persons")
        assert report.counts == {} and report.people == 0
        assert con.execute("SELECT count(*) FROM flags__new").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM flag_evidence__new").fetchone() == (0,)
        assert con.execute("SELECT as_of FROM flag_run__new").fetchall() == [(None,)]
    assert "no flag rule can apply" in caplog.text


@pytest.mark.parametrize(
    "views",
    [
        pytest.param(False, id="tables: shared addresses and person_keys found through cursors of their own"),
        pytest.param(True, id="temporary views, which another cursor cannot read: all found on this one"),
    ],
)
def test_flag_tables_built_again_are_the_stored_ones(store, tmp_path, views):
    """Built again over the run's own inputs, every flag table is the one the run stored, row for row."""
    import shutil

    from linkage.safeguard import build_flag_tables
    from linkage.store import connect, layout

    run, _ = store
    copy = tmp_path / "results.duckdb"
    shutil.copyfile(layout(run.store).current(), copy)
    inputs = ("records", "clusters", "persons")
    with connect(copy) as con:
        if views:
            for name in inputs:
                con.execute(f"CREATE TEMP VIEW {name}_view AS SELECT * FROM {name}").fetchall()
            inputs = tuple(f"{name}_view" for name in inputs)
        build_flag_tables(con, run.flags, *inputs)
        for table in ("flags", "flag_evidence", "shared_addresses", "person_keys", "flag_run"):
            (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
            assert rows > 0 or table == "shared_addresses", table
            for a, b in ((table, f"{table}__new"), (f"{table}__new", table)):
                assert con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchall() == [(0,)], (a, b)
