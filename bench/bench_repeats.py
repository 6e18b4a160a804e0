"""Time a run on a police extract in which every person's rows are repeated hundreds of times.

Usage (from the repo root):
    .venv/bin/python bench/bench_repeats.py [--people 2400] [--repeats 500] [--seed 42] [--workdir data/bench]

Issue 15's case: prolific nominals and frequent attenders are hundreds of identical rows
in a real extract. The generator's police extract (about 790 rows at 2,400 people) has
each row written ``--repeats`` times under fresh record ids (about 394,000 rows); social
care and health are left as generated. ``mash run`` then runs end to end in a child
process; this prints its wall time, its peak RSS, and whether every extract row is
accounted for (a record in exactly one person, or a quarantined row).
"""

from __future__ import annotations

import argparse
import csv
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from linkage.store import results_path
from synth import generate_extracts

REPO = Path(__file__).resolve().parents[1]
RUN_CONFIG = REPO / "configs" / "run.yaml"
#: The police extract's record id column (configs/sources/police.yaml).
RECORD_ID = "PersonRecordRef"


def repeat_police_rows(extracts: Path, repeats: int) -> int:
    """Write each police row ``repeats`` times, the copies under fresh record ids; returns the rows written."""
    path = extracts / "police.csv"
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        fields, rows = reader.fieldnames, list(reader)
    assert fields is not None
    written = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        for row in rows:
            for copy in range(repeats):
                writer.writerow({**row, RECORD_ID: row[RECORD_ID] if copy == 0 else f"{row[RECORD_ID]}R{copy:04d}"})
                written += 1
    return written


def extract_rows(extracts: Path) -> dict[str, int]:
    """Data rows per source file, as the extracts hold them."""
    with duckdb.connect() as con:
        counts = {
            source: con.execute(f"SELECT count(*) FROM {reader}($p)", {"p": str(extracts / name)}).fetchone()[0]
            for source, name, reader in (
                ("police", "police.csv", "read_csv_auto"),
                ("social_care", "social_care.csv", "read_csv_auto"),
                ("health", "health.parquet", "read_parquet"),
            )
        }
    return counts


def accounted(store: Path, rows: dict[str, int]) -> dict[str, tuple[int, int, int, int]]:
    """Per source: extract rows, records, quarantined rows, and records in exactly one person."""
    with duckdb.connect(str(results_path(store)), read_only=True) as con:
        loads = {s: (r, q) for s, r, q in con.execute("SELECT source, records, quarantined FROM source_loads").fetchall()}
        placed = dict(
            con.execute(
                "SELECT r.source, count(*) FROM records AS r JOIN (SELECT unique_id FROM clusters GROUP BY unique_id "
                "HAVING count(DISTINCT person_id) = 1) USING (unique_id) GROUP BY r.source"
            ).fetchall()
        )
    return {source: (rows[source], *loads[source], placed.get(source, 0)) for source in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2_400)
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=REPO / "data" / "bench")
    args = parser.parse_args()

    extracts = args.workdir / f"repeats_{args.people}_{args.repeats}_{args.seed}" / "extracts"
    store = extracts.parent / "store" / "mash.duckdb"
    if not (extracts / "truth" / "manifest.json").exists():
        generate_extracts(people=args.people, seed=args.seed, out_dir=extracts)
        repeat_police_rows(extracts, args.repeats)
    rows = extract_rows(extracts)
    shutil.rmtree(store.parent, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "linkage.cli", "run", "--config", str(RUN_CONFIG), "--store", str(store), "--extracts", str(extracts)],
        check=True, stdout=subprocess.DEVNULL, cwd=REPO,  # this checkout's code, whatever the working directory
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"police rows: {rows['police']:,} ({args.repeats} copies of each of {rows['police'] // args.repeats:,} rows); "
          f"social care {rows['social_care']:,}, health {rows['health']:,}")
    print(f"mash run: {seconds:.1f} s wall, peak RSS {peak / 2**30:.2f} GiB")
    every = True
    for source, (read, records, quarantined, placed) in accounted(store, rows).items():
        ok = read == records + quarantined and placed == records
        every &= ok
        print(f"  {source:12s} rows {read:>8,} = records {records:>8,} + quarantined {quarantined:>5,}; "
              f"records in one person {placed:>8,} {'ok' if ok else 'MISSING ROWS'}")
    print("every row accounted for" if every else "ROWS NOT ACCOUNTED FOR")
    if not every:
        sys.exit(1)


if __name__ == "__main__":
    main()
