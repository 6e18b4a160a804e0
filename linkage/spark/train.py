"""Train the model on Spark and save it as DuckDB training saves one."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame
from splink import SparkAPI

from linkage.config import ModelConfig
from linkage.resolve.train import TrainedModel, train_and_save
from linkage.spark.model_input import SparkModelData


def train_on_spark(
    api: SparkAPI, records: DataFrame, model: ModelConfig, store: Path, weight: str | None = None
) -> TrainedModel:
    """Estimate the model's parameters on Spark and save them as the store's next model version.

    The same procedure as on DuckDB (``linkage.resolve.train.train``), run by Splink's
    SparkAPI; the file is the same versioned JSON, its SQL in DuckDB's dialect, with the
    term-frequency lookups beside it, so either engine loads and scores with it.

    Args:
        api: Splink's API over the session (:func:`linkage.spark.splink_api`).
        records: The model input (:func:`linkage.spark.model_input_spark`), or its identity
            profiles (:attr:`linkage.spark.profiles.SparkProfiles.sized`).
        model: The model config.
        store: The store whose model directory receives the model (``linkage.resolve.train.model_dir``).
        weight: The column of records each row stands for (``linkage.spark.profiles.SIZE``), or
            None when each row is a record.

    Returns:
        The saved model.
    """
    return train_and_save(store, SparkModelData(records, api, weight), model)
