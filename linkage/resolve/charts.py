"""Splink's model charts, saved as HTML beside an evaluation report."""

from __future__ import annotations

from pathlib import Path

import duckdb

from linkage.resolve.session import make_linker, model_input
from linkage.resolve.train import TrainedModel


def save_model_charts(con: duckdb.DuckDBPyConnection, model: TrainedModel, directory: Path) -> dict[str, str]:
    """Write the match-weights and m/u charts of a model as HTML files.

    Args:
        con: The store connection (its records feed the linker).
        model: The trained model.
        directory: Where to write the charts.

    Returns:
        Chart title to file name, relative to ``directory``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    linker = make_linker(model_input(con, "records"), model.splink)
    charts = {
        "Match weights": ("match_weights.html", linker.visualisations.match_weights_chart()),
        "m and u parameters": ("m_u_parameters.html", linker.visualisations.m_u_parameters_chart()),
    }
    saved = {}
    for title, (name, chart) in charts.items():
        chart.save(str(directory / name))
        saved[title] = name
    return saved
