"""SPECSS+ profiles and dangerous places against the generator's truth.

Usage (from the repo root):
    .venv/bin/python bench/bench_specss.py [--people 20000] [--seeds 42 43] [--profile default] [--workdir data/bench]

For each seed: generate the extracts, ``mash run`` them (configs/run.yaml), then:

- Dangerous places: the run's ``dangerous_place`` flags, by dwelling (postcode and the
  address's first two words), against ``truth/dangerous_places.csv`` (generator 1.3.0 plants
  one per 1,000 people: a DA household moves out, another moves in years later). Precision:
  flagged places in truth; recall: truth places flagged.
- SPECSS+ profiles: the same rule on the same records linked perfectly (each record to its
  true person, from ``truth/records.csv``, every link 1.0) is the truth; each of the run's
  profile factors counts on the true person who owns most of the resolved person's records.
  Precision and recall per factor over (victim, factor) pairs: what linkage errors add and
  lose. The generator records no sexual offences, so that factor has no truth.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd

from flag_bench_runs import linked_run, seeds_main, show_figures
from graph import FlagCode, build_graph, run_flags
from graph.config import standard_address
from graph.flags.specss import FACTORS
from linkage.safeguard import graph_frames, read_shared_addresses
from linkage.store import results_path


def place_of(postcode: str, address: str) -> tuple[str, str]:
    """A dwelling: postcode and the standardised address's first two words."""
    return postcode.upper().replace(" ", ""), " ".join(standard_address(address).split()[:2])


def measure(people: int, seed: int, workdir: Path, profile: str = "default") -> dict:
    linked = linked_run("specss", people, seed, workdir, profile)
    run, extracts, seconds = linked.run, linked.extracts, linked.seconds
    truth_places = pd.read_csv(extracts / "truth" / "dangerous_places.csv", dtype=str)
    truth_shared = pd.read_csv(extracts / "truth" / "shared_addresses.csv", dtype=str)
    truth_records = pd.read_csv(extracts / "truth" / "records.csv", dtype=str)
    truth_people = pd.read_csv(extracts / "truth" / "people.csv", dtype=str)
    with duckdb.connect(str(results_path(run.store)), read_only=True) as con:
        flags = con.sql("SELECT CAST(code AS VARCHAR) AS code, person_id, parameters FROM flags").df()
        day = con.sql("SELECT as_of FROM flag_run").fetchall()[0][0]
        shared = read_shared_addresses(con)
        people_frame, events = graph_frames(con)
    figures = {"people": people, "seed": seed, "profile": profile, "run_seconds": round(seconds, 1)}
    figures.update(places_figures(flags, truth_places, truth_shared))
    figures.update(specss_figures(run.flags, flags, events, people_frame, truth_records, truth_people, day, shared))
    return figures


def places_figures(flags: pd.DataFrame, truth: pd.DataFrame, shared: pd.DataFrame) -> dict:
    """Flagged dwellings against the truth file's, and any that is a refuge or hostel (none should be)."""
    true_places = {place_of(p, a) for p, a in zip(truth["postcode"], truth["address"])}
    refuges = {place_of(p, a) for p, a in zip(shared["postcode"], shared["address"])}
    flagged = set()
    for parameters in flags.loc[flags["code"] == FlagCode.DANGEROUS_PLACE.value, "parameters"]:
        address, _, postcode = json.loads(parameters)["place"].rpartition(", ")
        flagged.add(place_of(postcode, address))
    hits = flagged & true_places
    return {
        "places_true": len(true_places), "places_flagged": len(flagged), "places_true_positive": len(hits),
        "places_precision": len(hits) / len(flagged) if flagged else 1.0,
        "places_recall": len(hits) / len(true_places) if true_places else 1.0,
        "places_flagged_refuge_or_hostel": len(flagged & refuges),
    }


def specss_figures(rules, flags, events, people, truth_records, truth_people, day, shared) -> dict:
    """The run's (victim, factor) pairs against the same rule over perfectly linked records."""
    truth = truth_records.assign(unique_id=truth_records["source"] + ":" + truth_records["record_id"])
    owner = events[["unique_id", "person_id"]].merge(truth[["unique_id", "person_id"]], on="unique_id", suffixes=("", "_true"))
    counts = owner.groupby(["person_id", "person_id_true"]).size().reset_index(name="n")
    counts = counts.sort_values(["person_id", "n", "person_id_true"], ascending=[True, False, True])
    to_true = dict(counts.drop_duplicates("person_id")[["person_id", "person_id_true"]].itertuples(index=False))
    found = {
        (to_true.get(person), factor)
        for person, parameters in flags.loc[flags["code"] == FlagCode.SPECSS_PROFILE.value, ["person_id", "parameters"]].itertuples(index=False)
        for factor in json.loads(parameters)["factors"]
    }
    perfect_events = events.drop(columns=["person_id"]).merge(
        truth[["unique_id", "person_id"]], on="unique_id"
    ).assign(link_probability=1.0)[events.columns]
    true_people = truth_people[truth_people["person_id"].isin(set(perfect_events["person_id"]))]
    agencies = perfect_events.groupby("person_id")["agency"].agg(lambda a: sorted(set(a)))
    perfect_people = pd.DataFrame({
        "person_id": true_people["person_id"],
        "dob": pd.to_datetime(true_people["dob"], errors="coerce"),
        "sex": true_people["sex"].map({"M": "male", "F": "female"}),
        "agencies": true_people["person_id"].map(agencies),
        "forename": true_people["forename"], "surname": true_people["surname"], "names": None,
    })
    graph = build_graph(perfect_people, perfect_events, data_as_of=day, shared_addresses=shared)
    expected = {(f.person_ids[0], factor) for f in run_flags(graph, rules, [FlagCode.SPECSS_PROFILE]) for factor in f.parameters["factors"]}
    out = {"specss_victims_truth": len({p for p, _ in expected}), "specss_victims_flagged": len({p for p, _ in found})}
    for factor in (*FACTORS, None):
        mine = {pair for pair in found if factor in (None, pair[1])}
        theirs = {pair for pair in expected if factor in (None, pair[1])}
        name = factor or "all_factors"
        out[f"{name}_truth"], out[f"{name}_found"] = len(theirs), len(mine)
        out[f"{name}_precision"] = len(mine & theirs) / len(mine) if mine else 1.0
        out[f"{name}_recall"] = len(mine & theirs) / len(theirs) if theirs else 1.0
    out["factor_count_truth"] = dict(sorted(Counter(Counter(p for p, _ in expected).values()).items()))
    return out


def main() -> None:
    seeds_main(__doc__.splitlines()[0], measure, show_figures)


if __name__ == "__main__":
    main()
