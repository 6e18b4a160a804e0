"""Name, street and town vocabularies, weighted sampling, nicknames and typos.

The CSVs under ``data/`` are curated by hand with rough UK frequencies. A long tail of
rarer English-style surnames (Ashworth, Bradshaw...) is built from ``surname_parts.csv``
so that common-name collisions happen at realistic, not inflated, rates.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from nicknames import NickNamer

__all__ = [
    "ERAS",
    "Vocab",
    "apply_typos",
    "era_index",
    "load_vocab",
    "nickname_table",
]

#: Lower bounds (birth year) of the forename eras in forenames.csv.
ERAS = (1920, 1955, 1975, 1995, 2010)

# Share of people given a long-tail surname rather than one of the curated list.
_TAIL_SHARE = 0.55


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("synth").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Vocab:
    """All name and place vocabularies, as numpy arrays with normalised weights."""

    surnames: np.ndarray
    surname_p: np.ndarray
    forenames: np.ndarray
    forename_groups: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]
    """(sex, era lower bound) -> (indices into ``forenames``, probabilities)."""
    streets: np.ndarray
    street_types: np.ndarray
    street_abbrev: np.ndarray
    street_type_p: np.ndarray
    towns: np.ndarray
    town_p: np.ndarray
    town_outwards: tuple[tuple[str, ...], ...]
    complaints: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    """(service, kind) -> (complaints, probabilities)."""


@lru_cache(maxsize=1)
def load_vocab() -> Vocab:
    """Load and normalise the packaged vocabularies (cached)."""
    rows = _read("surnames.csv")
    top = np.array([r["surname"] for r in rows], dtype=object)
    top_w = np.array([float(r["weight"]) for r in rows])
    parts = _read("surname_parts.csv")
    pre = [r["part"] for r in parts if r["position"] == "prefix"]
    suf = [r["part"] for r in parts if r["position"] == "suffix"]
    top_set = set(top)
    tail = sorted({p + s for p in pre for s in suf} - top_set)
    # Zipf-like weights over the tail, in a fixed shuffled order so no prefix dominates.
    order = np.random.default_rng(20260101).permutation(len(tail))
    tail_arr = np.array(tail, dtype=object)[order]
    tail_w = 1.0 / np.arange(1, len(tail) + 1) ** 0.4
    surnames = np.concatenate([top, tail_arr])
    surname_p = np.concatenate(
        [top_w / top_w.sum() * (1 - _TAIL_SHARE), tail_w / tail_w.sum() * _TAIL_SHARE]
    )

    rows = _read("forenames.csv")
    forenames = np.array(sorted({r["forename"] for r in rows}), dtype=object)
    pos = {n: i for i, n in enumerate(forenames)}
    groups: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
    for r in rows:
        idx, w = groups.setdefault((r["sex"], int(r["era"])), ([], []))
        idx.append(pos[r["forename"]])
        w.append(float(r["weight"]))
    forename_groups = {
        k: (np.array(i, dtype=np.int64), np.array(w) / sum(w)) for k, (i, w) in groups.items()
    }

    streets = np.array([r["street"] for r in _read("streets.csv")], dtype=object)
    st = _read("street_types.csv")
    towns_rows = _read("towns.csv")
    town_w = np.array([float(r["weight"]) for r in towns_rows])

    complaints: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
    for r in _read("complaints.csv"):
        c, w = complaints.setdefault((r["service"], r["kind"]), ([], []))
        c.append(r["complaint"])
        w.append(float(r["weight"]))

    return Vocab(
        surnames=surnames,
        surname_p=surname_p,
        forenames=forenames,
        forename_groups=forename_groups,
        streets=streets,
        street_types=np.array([r["type"] for r in st], dtype=object),
        street_abbrev=np.array([r["abbreviation"] for r in st], dtype=object),
        street_type_p=np.array([float(r["weight"]) for r in st]) / sum(float(r["weight"]) for r in st),
        towns=np.array([r["town"] for r in towns_rows], dtype=object),
        town_p=town_w / town_w.sum(),
        town_outwards=tuple(tuple(r["outward_codes"].split(";")) for r in towns_rows),
        complaints={
            k: (np.array(c, dtype=object), np.array(w) / sum(w)) for k, (c, w) in complaints.items()
        },
    )


def era_index(birth_year: np.ndarray) -> np.ndarray:
    """Index into :data:`ERAS` for each birth year."""
    return np.searchsorted(np.array(ERAS), birth_year, side="right").clip(1) - 1


@lru_cache(maxsize=1)
def nickname_table() -> dict[str, tuple[str, ...]]:
    """Forename -> sorted nicknames (title case), from the ``nicknames`` package.

    Only nicknames of at least three letters that differ from the name are kept; the
    order is sorted so sampling is deterministic.
    """
    namer = NickNamer()
    vocab = load_vocab()
    out: dict[str, tuple[str, ...]] = {}
    for name in vocab.forenames:
        nicks = sorted(
            n.title() for n in namer.nicknames_of(name.lower()) if len(n) >= 3 and n != name.lower()
        )
        if nicks:
            out[name] = tuple(nicks)
    return out


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(s: str, op: int, pos_u: float, letter: int) -> str:
    """Apply one typo to ``s``; ``op`` 0 substitute, 1 transpose, 2 delete, 3 double."""
    if s.startswith("Mc") and op == 0:
        return "Mac" + s[2:]
    if s.startswith("Mac") and op == 0:
        return "Mc" + s[3:]
    if len(s) < 3:
        return s + s[-1].lower() if s else s
    # Typos rarely hit the first letter; keep it so blocking on initials still works.
    i = 1 + int(pos_u * (len(s) - 1))
    i = min(i, len(s) - 1)
    if op == 0:
        c = _LETTERS[letter]
        if c == s[i].lower():
            c = _LETTERS[(letter + 1) % 26]
        return s[:i] + (c.upper() if s[i].isupper() else c) + s[i + 1 :]
    if op == 1 and i < len(s) - 1 and s[i] != s[i + 1]:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op == 2 and s[i].isalpha():
        return s[:i] + s[i + 1 :]
    return s[:i] + s[i] + s[i:]


def apply_typos(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """Return a copy of ``values`` (strings) with one typo each.

    Random choices are drawn as arrays up front so results depend only on the
    generator state; the per-string edit runs over the (small) corrupted subset.
    """
    n = len(values)
    ops = rng.integers(0, 4, size=n)
    pos = rng.random(n)
    letters = rng.integers(0, 26, size=n)
    return np.array(
        [_typo(s, int(o), float(p), int(c)) for s, o, p, c in zip(values, ops, pos, letters)],
        dtype=object,
    )
