"""The layers hold: each rule reads every module's imports (with ast) and fails naming the module that breaks it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("linkage", "graph", "dashboard", "synth")
#: The entry points: the CLI's package and spark-submit's application.
ENTRY_POINTS = ("linkage.cli", "linkage.spark_submit")


def _entry_point(module: str) -> bool:
    return any(_under(module, e) for e in ENTRY_POINTS)


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every module of the packages, with the modules it imports (anywhere in its body)."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            names: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
                    names |= {f"{node.module}.{alias.name}" for alias in node.names}
            found[_module(path)] = names
    return found


IMPORTS = _imports()


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


# (description, modules the rule applies to, imports they must not make, exceptions to those)
RULES = [
    ("nothing outside dashboard/ imports streamlit", lambda m: not _under(m, "dashboard"), ("streamlit",), ()),
    ("graph/ is a pure library: no SQL engine, no linkage", lambda m: _under(m, "graph"),
     ("duckdb", "linkage", "dashboard"), ()),
    # Bar the identifiers' check digits (pure Python), which it needs to generate valid numbers.
    ("the generator imports nothing of the product", lambda m: _under(m, "synth"),
     ("linkage", "graph", "dashboard"), ("linkage.identifiers",)),
    # The CLI starts the dashboard's server (it finds app.py through the package); nothing else may.
    ("linkage/ never reaches up into the dashboard", lambda m: _under(m, "linkage") and not _entry_point(m),
     ("dashboard", "streamlit"), ()),
    ("only the entry points import the CLI", lambda m: not _entry_point(m), ("linkage.cli",), ()),
    # pyspark is an optional extra: a DuckDB run must never import it (the engine chooser imports Spark's engine lazily).
    ("only linkage/spark/ and spark-submit's entry point import pyspark",
     lambda m: not _under(m, "linkage.spark") and m not in ("linkage.spark_submit", "linkage.engine.choose"),
     ("pyspark", "linkage.spark"), ()),
]


def test_every_package_is_read():
    assert all(any(_under(m, p) for m in IMPORTS) for p in PACKAGES)
    assert "linkage.cli" in IMPORTS and "graph.flags.specs" in IMPORTS


@pytest.mark.parametrize(("description", "applies", "forbidden", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_layer_rule(description, applies, forbidden, allowed):
    broken = sorted(
        f"{module} imports {name}"
        for module, names in IMPORTS.items() if applies(module)
        for name in names
        if any(_under(name, f) for f in forbidden) and not any(_under(name, a) for a in allowed)
    )
    assert not broken, f"{description}: " + "; ".join(broken)
