"""Operation Encompass and unseen-men flags against the generator's truth.

Usage (from the repo root):
    .venv/bin/python bench/bench_children_flags.py [--people 20000] [--seeds 42 43] [--profile default] [--workdir data/bench]

For each seed: generate the extracts (generator 1.3.0: children recorded at incidents,
among them a perpetrator's own children through child contact, and men left off their
household's social care episodes), ``mash run`` them with configs/run.yaml, and score the
stored ``child_at_da_incident`` and ``unseen_man`` flags with ``linkage.evaluate.flag_accuracy``
(``truth/people.csv``'s ``is_child_at_incident`` and ``is_unseen_man``). Each resolved person
stands for the true person owning most of its records; recall counts a true person found
when any person standing for them is flagged. The same rules then run on a graph built
from the true person ids (every record linked right), which separates what linkage loses
from what the rules and the data lose.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from flag_bench_runs import linked_run, seeds_main
from graph import FlagCode, build_graph, evaluate_flags, run_flags
from linkage.evaluate import flag_accuracy
from linkage.safeguard import graph_frames, read_shared_addresses
from linkage.store import results_path

CODES = (FlagCode.CHILD_AT_DA_INCIDENT, FlagCode.UNSEEN_MAN)


def measure(people: int, seed: int, workdir: Path, profile: str) -> list[dict]:
    linked = linked_run("children", people, seed, workdir, profile)
    run, extracts, seconds = linked.run, linked.extracts, linked.seconds
    truth_records = pd.read_csv(extracts / "truth" / "records.csv", dtype=str)
    truth_people = pd.read_csv(extracts / "truth" / "people.csv", dtype=str)
    with duckdb.connect(str(results_path(run.store)), read_only=True) as con:
        linked = flag_accuracy(con, extracts / "truth")
        people_frame, events = graph_frames(con)
        shared = read_shared_addresses(con)
        as_of = con.sql("SELECT as_of FROM flag_run").fetchall()[0][0]
    # Every record on its true person: what the rules find when linkage is perfect.
    owner = truth_records.assign(unique_id=truth_records["source"] + ":" + truth_records["record_id"])
    true_events = events.drop(columns="person_id").merge(
        owner[["unique_id", "person_id"]], on="unique_id").assign(link_probability=1.0)
    truth_dob = truth_people.set_index("person_id")
    ids = sorted(true_events["person_id"].unique())
    true_people = pd.DataFrame({
        "person_id": ids,
        "dob": pd.to_datetime(truth_dob.loc[ids, "dob"]).to_numpy(),
        "sex": truth_dob.loc[ids, "sex"].map({"M": "male", "F": "female"}).to_numpy(),
        "agencies": [[] for _ in ids], "forename": None, "surname": None, "names": None,
    })
    graph = build_graph(true_people, true_events, data_as_of=as_of, shared_addresses=shared)
    flags = run_flags(graph, run.flags, CODES)
    perfect = evaluate_flags([(f.code, f.person_ids[0]) for f in flags], true_events[["unique_id", "person_id"]],
                             truth_records, truth_people)
    rows = []
    for code in CODES:
        for linkage, figures in (("mash run", linked[code.value]), ("true links", perfect[code.value])):
            rows.append({"people": people, "seed": seed, "profile": profile, "flag": code.value, "linkage": linkage,
                         "run_seconds": round(seconds, 1), **figures})
    return rows


def _show_rows(seed: int, rows: list[dict]) -> None:
    for row in rows:
        print(json.dumps(row, default=float))


def main() -> None:
    seeds_main(__doc__.splitlines()[0], measure, _show_rows)


if __name__ == "__main__":
    main()
