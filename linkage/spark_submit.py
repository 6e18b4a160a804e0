"""``mash run`` on Spark, as a spark-submit application: an entry point beside ``linkage.cli``.

It lives beside the CLI, not in ``linkage/spark/``, because it calls the CLI: nothing below the
entry points imports them.

spark-submit (or a Databricks or EMR job) starts the Python driver with the cluster's
master and settings; this script takes its session from them and runs ``mash run
--engine spark`` with the arguments given, so the run joins that session instead of
starting a local one::

    spark-submit --master yarn --jars "$(python -c 'from linkage.spark import similarity_jar; print(similarity_jar())')" \\
        "$(python -c 'import linkage.spark_submit as m; print(m.__file__)')" --config configs/run.yaml

The arguments are ``mash run``'s (``--config``, ``--store``, ``--extracts``, ``--retrain``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pyspark.sql import SparkSession

from linkage.cli import main as mash


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mash run --engine spark`` in the session spark-submit configured.

    Args:
        argv: ``mash run``'s arguments; defaults to ``sys.argv[1:]``.

    Returns:
        ``mash``'s exit status.
    """
    # getOrCreate with no master of our own: spark-submit's --master and --conf apply.
    spark = SparkSession.builder.appName("mash-link").getOrCreate()
    try:
        return mash(["run", "--engine", "spark", *(sys.argv[1:] if argv is None else argv)])
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
