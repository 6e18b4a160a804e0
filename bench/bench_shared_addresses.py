"""Shared-address detection against the generator's refuges and hostels, and what it does to household flags.

Usage (from the repo root):
    .venv/bin/python bench/bench_shared_addresses.py [--people 20000] [--seeds 42 43] [--profile default] [--workdir data/bench]

For each seed: generate the extracts, ``mash run`` them (configs/run.yaml, so the shipped
shared-address settings: the 'no fixed abode' list and detection from the data, no refuge
listed), then compare the run's ``shared_addresses`` with ``truth/shared_addresses.csv`` by
dwelling (postcode and the address's first two words). Precision: detected dwellings that are
a refuge or hostel. Recall: refuges and hostels detected, over all of them and over those
where the extracts show at least ``min_people`` people (the most any detection from the data
could find). Then the household rules run twice on the run's graph, with and without the
shared addresses, and each child-in-a-DA-household flag is checked against truth: does it
name an adult from another true household who is no partner of anyone in the child's?
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from flag_bench_runs import linked_run, seeds_main, show_figures
from graph import FlagCode, build_graph, run_flags
from graph.config import standard_address
from linkage.safeguard import graph_frames, read_shared_addresses
from linkage.store import results_path

HOUSEHOLD_RULES = [FlagCode.CHILD_IN_DA_HOUSEHOLD, FlagCode.TOXIC_TRIO, FlagCode.PERPETRATOR_JOINS_HOUSEHOLD]


def dwelling(postcode: str, address: str) -> tuple[str, str]:
    return postcode, " ".join(standard_address(address).split()[:2])


def key_dwelling(key: str) -> tuple[str, str]:
    postcode, address = key.removeprefix("address:").split("|", 1)
    return dwelling(postcode, address)


def measure(people: int, seed: int, workdir: Path, profile: str = "default") -> dict:
    linked = linked_run("shared", people, seed, workdir, profile)
    run, extracts, seconds = linked.run, linked.extracts, linked.seconds
    settings = run.flags.shared_addresses
    truth = pd.read_csv(extracts / "truth" / "shared_addresses.csv", dtype=str)
    truth_records = pd.read_csv(extracts / "truth" / "records.csv", dtype=str)
    truth_people = pd.read_csv(extracts / "truth" / "people.csv", dtype=str)
    edges = pd.read_csv(extracts / "truth" / "da_edges.csv", dtype=str)
    places = {dwelling(r.postcode, r.address): r.kind for r in truth.itertuples()}
    with duckdb.connect(str(results_path(run.store)), read_only=True) as con:
        shared = read_shared_addresses(con)
        found = con.sql("SELECT address_key, kind, people, groups FROM shared_addresses").df()
        seen = con.sql(
            "SELECT r.postcode, r.address, r.source, r.record_id FROM records AS r WHERE r.address IS NOT NULL AND r.postcode IS NOT NULL"
        ).df()
        clusters = con.sql("SELECT r.source, r.record_id, c.person_id FROM records AS r JOIN clusters AS c USING (unique_id)").df()
        people_frame, events = graph_frames(con)
    detected = {key_dwelling(k) for k in found["address_key"] if k.startswith("address:")}
    detected_from_data = {key_dwelling(k) for k in found.loc[found["kind"] == "many_unrelated", "address_key"]}
    seen["dwelling"] = [dwelling(p, a) for p, a in zip(seen["postcode"], seen["address"])]
    at_places = seen[seen["dwelling"].isin(places)].merge(truth_records, on=["source", "record_id"])
    visible = {d for d, n in at_places.groupby("dwelling")["person_id"].nunique().items() if n >= settings.min_people}
    hits = detected_from_data & set(places)
    figures = {
        "people": people, "seed": seed, "profile": profile, "run_seconds": round(seconds, 1),
        "refuges": sum(k == "refuge" for k in places.values()), "hostels": sum(k == "hostel" for k in places.values()),
        "visible": len(visible), "detected_from_data": len(detected_from_data), "true_positive": len(hits),
        "precision": len(hits) / len(detected_from_data) if detected_from_data else 1.0,
        "recall": len(hits) / len(places) if places else 1.0,
        "recall_visible": len(hits & visible) / len(visible) if visible else 1.0,
        "recall_refuge": len({d for d in hits if places[d] == "refuge"}) / max(1, sum(k == "refuge" for k in places.values())),
        "recall_hostel": len({d for d in hits if places[d] == "hostel"}) / max(1, sum(k == "hostel" for k in places.values())),
        "listed_keys": int((found["kind"] != "many_unrelated").sum()), "detected_dwellings": len(detected),
        "false_positives": sorted(detected_from_data - set(places)),
    }
    figures.update(household_effect(run.flags, people_frame, events, shared, clusters, truth_records, truth_people, edges))
    return figures


def household_effect(rules, people, events, shared, clusters, truth_records, truth_people, edges) -> dict:
    """Household-rule flags with and without the shared addresses, and child flags naming a stranger."""
    true_person = clusters.merge(truth_records, on=["source", "record_id"], suffixes=("", "_true"))
    # A resolved person's true person: the one most of their records belong to.
    majority = true_person.groupby(["person_id", "person_id_true"]).size().reset_index(name="n")
    majority = majority.sort_values(["person_id", "n"], ascending=[True, False]).drop_duplicates("person_id")
    to_true = dict(zip(majority["person_id"], majority["person_id_true"]))
    household = dict(zip(truth_people["person_id"], truth_people["household_id"]))
    partners = {(a, b) for a, b in zip(edges["perpetrator_id"], edges["victim_id"])}
    partners |= {(b, a) for a, b in partners}
    members: dict[str, set[str]] = {}
    for person, hh in household.items():
        members.setdefault(hh, set()).add(person)
    out = {}
    for label, graph_shared in (("without", {}), ("with", shared)):
        graph = build_graph(people, events, shared_addresses=graph_shared)
        flags = run_flags(graph, rules, HOUSEHOLD_RULES)
        out[f"household_flags_{label}"] = len(flags)
        child = [f for f in flags if f.code == FlagCode.CHILD_IN_DA_HOUSEHOLD]
        strangers = 0
        for flag in child:
            kid = to_true.get(flag.person_ids[0])
            home = members.get(household.get(kid), set())
            for adult in flag.person_ids[1:]:
                true_adult = to_true.get(adult)
                if household.get(true_adult) != household.get(kid) and not any((true_adult, m) in partners for m in home):
                    strangers += 1
                    break
        out[f"child_flags_{label}"] = len(child)
        out[f"child_flags_naming_a_stranger_{label}"] = strangers
    return out


def main() -> None:
    seeds_main(__doc__.splitlines()[0], measure, show_figures)


if __name__ == "__main__":
    main()
