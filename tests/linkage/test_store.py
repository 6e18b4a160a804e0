"""The store refuses a second process with a clear message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from linkage.errors import MashError
from linkage.store import connect

HOLD = "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)"


@pytest.mark.parametrize(("description", "read_only"), [("a second run", False), ("a reader while a run writes", True)])
def test_store_held_by_another_process(tmp_path, description, read_only):
    store = tmp_path / "mash.duckdb"
    connect(store).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(MashError) as caught:
            connect(store, read_only=read_only)
        message = str(caught.value)
        assert str(store) in message and f"process {holder.pid}" in message, description
        assert "Two runs at once are refused" in message
    finally:
        holder.kill()
        holder.wait()
    connect(store).close()  # free again once the other process has gone
