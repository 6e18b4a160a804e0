"""Shared fixture: one small generated data set per test session."""

from __future__ import annotations

import pytest

from synth import generate_extracts
from tests.synth.helpers import SEED, SMALL_N, Generated, load, pair_disagreement


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("synth")
    return load(out, generate_extracts(SMALL_N, SEED, out))


@pytest.fixture(scope="session")
def disagreement(generated: Generated) -> dict[str, float]:
    return pair_disagreement(generated)
