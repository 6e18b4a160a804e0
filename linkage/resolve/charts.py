"""Splink's model charts: saved as HTML beside an evaluation report, or as Vega-Lite specs for the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from linkage.config import ModelConfig
from linkage.resolve.linker import make_linker, model_input
from linkage.resolve.train import TrainedModel

#: Chart title -> file name it is saved under.
CHART_FILES = {"Match weights": "match_weights.html", "m and u parameters": "m_u_parameters.html"}


def model_charts(con: duckdb.DuckDBPyConnection, model: TrainedModel) -> dict[str, Any]:
    """Splink's match-weights and m/u charts of a model, by title.

    The charts come from the model's parameters alone, so the linker is given the
    records' columns without their rows.

    Args:
        con: A store or results connection (its ``records`` table gives the columns).
        model: The trained model.

    Returns:
        Chart title to Splink chart (``.save()`` writes HTML, ``.altair_chart`` is the altair chart).
    """
    # No rows: model_input's columns over an empty relation, so a large run costs nothing here.
    # The identifiers it was trained with (from its saved config) are columns it compares.
    declared = ModelConfig(identifiers=model.config.get("identifiers", {}))
    linker = make_linker(model_input(con, "(SELECT * FROM records LIMIT 0)", declared), model.splink)
    return {
        "Match weights": linker.visualisations.match_weights_chart(),
        "m and u parameters": linker.visualisations.m_u_parameters_chart(),
    }


def model_chart_specs(con: duckdb.DuckDBPyConnection, model: TrainedModel) -> dict[str, dict[str, Any]]:
    """The model charts as Vega-Lite specs, by title (the dashboard draws them with ``st.vega_lite_chart``).

    Specs rather than altair objects: altair validates a chart against the schema each
    time it is converted, which for these two takes about a second.
    """
    return {title: chart.chart_dict for title, chart in model_charts(con, model).items()}



def save_model_charts(con: duckdb.DuckDBPyConnection, model: TrainedModel, directory: Path) -> dict[str, str]:
    """Write the match-weights and m/u charts of a model as HTML files.

    Args:
        con: The store connection.
        model: The trained model.
        directory: Where to write the charts.

    Returns:
        Chart title to file name, relative to ``directory``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    saved = {}
    for title, chart in model_charts(con, model).items():
        chart.save(str(directory / CHART_FILES[title]))
        saved[title] = CHART_FILES[title]
    return saved
