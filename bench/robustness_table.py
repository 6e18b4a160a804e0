"""The robustness benchmark's table: each result's measures, the issue's targets, Markdown rows.

Split from ``bench_robustness.py`` (which runs the models): this module only reads results.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from bench_linkage import LABELS, pct
from linkage.evaluate import FLAG_TARGETS, HARD_NEGATIVE_KINDS, REVIEW_SHARE_TARGET

#: Hard-negative kinds as ``evaluate`` names them, with their column labels.
HARD_KINDS = (("twin", "twins"), ("junior_senior", "father/son"), ("namesake", "namesakes"))
#: Flag measures: (flag code, precision or recall) as ``flag_accuracy`` reports them.
FLAG_MEASURES = {
    "serial_p": ("serial_perpetrator", "precision"), "serial_r": ("serial_perpetrator", "recall"),
    "victim_p": ("repeat_victim", "precision"), "victim_r": ("repeat_victim", "recall"),
}
#: Issue 13's F1 target (the evaluation's other targets are the project's own constants).
F1_TARGET = 0.99
_HARD_TARGETS = {kind: target for kind, _, target in HARD_NEGATIVE_KINDS}
#: The issue's targets: measure -> (label, test). Judged on the worst seed.
TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "f1": (f"F1 >= {F1_TARGET:.0%}", lambda v: v >= F1_TARGET),
    **{
        kind: (f"{label} <= {_HARD_TARGETS[kind]:.0%}", lambda v, t=_HARD_TARGETS[kind]: v <= t)
        for kind, label in HARD_KINDS
    },
    "serial_p": (f"serial P >= {FLAG_TARGETS['precision']:.0%}", lambda v: v >= FLAG_TARGETS["precision"]),
    "serial_r": (f"serial R >= {FLAG_TARGETS['recall']:.0%}", lambda v: v >= FLAG_TARGETS["recall"]),
    "review": (f"review band < {REVIEW_SHARE_TARGET:.0%}", lambda v: v < REVIEW_SHARE_TARGET),
}


def measures(result: dict[str, Any]) -> dict[str, float | None]:
    """The table's figures of one result, as fractions (seconds for ``seconds``)."""
    acc, flags = result["accuracy"], result["flags"]
    return {
        "f1": acc["f1"], "precision": acc["precision"], "recall": acc["recall"],
        **{kind: acc["hard_negatives"][kind]["share"] for kind, _ in HARD_KINDS},
        **{measure: flags[code][which] for measure, (code, which) in FLAG_MEASURES.items()},
        "review": acc["review_share"], "seconds": result["total_seconds"],
    }


#: Table columns: (measure, heading, higher is better).
COLUMNS = (
    ("f1", "F1", True), ("precision", "P", True), ("recall", "R", True),
    ("twin", "twins", False), ("junior_senior", "father/son", False), ("namesake", "namesakes", False),
    ("serial_p", "serial P", True), ("serial_r", "serial R", True),
    ("victim_p", "repeat victim P", True), ("victim_r", "repeat victim R", True),
    ("review", "review band", False), ("seconds", "total s", False),
)


def _cell(measure: str, value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}" if measure == "seconds" else pct(value)


def _counted_cell(result: dict[str, Any], measure: str) -> str | None:
    """A hard-negative share or flag precision / recall with the counts behind it; None for other measures."""
    if measure in dict(HARD_KINDS):
        h = result["accuracy"]["hard_negatives"][measure]
        return f"{pct(h['share'])} ({h['merged']:,}/{h['pairs']:,})"
    if measure in FLAG_MEASURES:
        code, which = FLAG_MEASURES[measure]
        f = result["flags"][code]
        counts = (f["true_positive"], f["flagged"]) if which == "precision" else (f["found"], f["truth"])
        return f"{pct(f[which])} ({counts[0]:,}/{counts[1]:,})"
    return None


def summarise(results: list[dict[str, Any]]) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """Mean and worst over seeds of each measure (worst: lowest where higher is better, else highest)."""
    mean: dict[str, float | None] = {}
    worst: dict[str, float | None] = {}
    for measure, _, higher in COLUMNS:
        values = [v for v in (measures(r)[measure] for r in results) if v is not None]
        mean[measure] = statistics.fmean(values) if values else None
        worst[measure] = (min(values) if higher else max(values)) if values else None
    return mean, worst


def target_met(measure: str, value: float | None) -> bool | None:
    """Whether ``value`` meets the measure's target (None without a target or a value)."""
    if measure not in TARGETS or value is None:
        return None
    return TARGETS[measure][1](value)


def table_rows(results: list[dict[str, Any]], profiles: list[str], models: list[str]) -> list[list[str]]:
    """Markdown rows: one per (profile, seed, model), then mean and worst per (profile, model)."""
    rows = []
    for r in results:
        m = measures(r)
        cells = [_counted_cell(r, c) or _cell(c, m[c]) for c, _, _ in COLUMNS]
        rows.append([r["profile"], str(r["seed"]), LABELS[r["model"]], *cells])
    for profile in profiles:
        for model in models:
            group = [r for r in results if r["profile"] == profile and r["model"] == model]
            if not group:
                continue
            mean, worst = summarise(group)
            seeds = f"{len(group)} seed{'s' if len(group) > 1 else ''}"
            rows.append([f"**{profile}**", f"mean of {seeds}", LABELS[model], *(_cell(c, mean[c]) for c, _, _ in COLUMNS)])
            marked = []
            for c, _, _ in COLUMNS:
                met = target_met(c, worst[c])
                marked.append(_cell(c, worst[c]) + ("" if met is None else " met" if met else " **NOT MET**"))
            rows.append([f"**{profile}**", "worst", LABELS[model], *marked])
    return rows


def markdown_table(rows: list[list[str]]) -> str:
    """A Markdown table of the rows under the measure headings."""
    headers = ["profile", "seed", "model", *(h for _, h, _ in COLUMNS)]
    align = ["---"] * 3 + ["---:"] * len(COLUMNS)
    return "\n".join("| " + " | ".join(r) + " |" for r in [headers, align, *rows])


# ---------------------------------------------------------------------------
# Main
