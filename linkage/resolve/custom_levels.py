"""Custom comparison levels written once, in DuckDB SQL, and how a level's parameters are fixed."""

from __future__ import annotations

import splink.comparison_level_library as cll
import sqlglot
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect
from sqlglot import exp

#: The dialect the custom levels below are written in.
LEVEL_DIALECT = "duckdb"
#: Functions each engine names its own way: DuckDB's name, and the Splink dialect property
#: naming the engine's (Splink's jar registers Jaro-Winkler as ``jaro_winkler`` on Spark,
#: a mapping sqlglot does not know).
_ENGINE_FUNCTIONS = {"jaro_winkler_similarity": "jaro_winkler_function_name"}
#: Functions another engine names differently and Splink's dialects do not name: DuckDB's name, and
#: each engine's (sqlglot writes DuckDB's list_has_any as Postgres' ``&&``, which Spark lacks).
_DIALECT_FUNCTIONS = {"list_has_any": {"spark": "arrays_overlap"}}
#: sqlglot's own types for DuckDB functions above, which it would otherwise render under its own name.
_SQLGLOT_FUNCTIONS = {exp.JarowinklerSimilarity: "jaro_winkler_similarity", exp.ArrayOverlaps: "list_has_any"}


class DuckDBLevel(cll.CustomLevel):
    """A custom comparison level written once, in DuckDB SQL, and rendered for each engine.

    DuckDB gets the SQL exactly as written. Another engine gets sqlglot's translation
    (Splink's ``base_dialect_str``), with the functions in ``_ENGINE_FUNCTIONS`` renamed
    to that engine's own. What sqlglot reports it cannot express raises here, where
    Splink's translation would pass DuckDB SQL through; a function sqlglot carries over
    by name shows only when the engine runs it, so the Spark tests run every level.
    """

    def __init__(self, sql_condition: str, label_for_charts: str) -> None:
        super().__init__(sql_condition, label_for_charts, base_dialect_str=LEVEL_DIALECT)

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        if sql_dialect.sql_dialect_str == LEVEL_DIALECT:
            return self.sql_condition
        tree = sqlglot.parse_one(self.sql_condition, read=SplinkDialect.from_string(LEVEL_DIALECT).sqlglot_dialect)

        def rename(node: exp.Expression) -> exp.Expression:
            # sqlglot parses some functions as its own types (JarowinklerSimilarity), others as anonymous calls.
            if isinstance(node, exp.Anonymous):
                name, args = node.name.lower(), node.expressions
            elif type(node) in _SQLGLOT_FUNCTIONS:
                name, args = _SQLGLOT_FUNCTIONS[type(node)], [node.this, node.expression]
            else:
                return node
            if name in _ENGINE_FUNCTIONS:
                return exp.Anonymous(this=getattr(sql_dialect, _ENGINE_FUNCTIONS[name]), expressions=args)
            renamed = _DIALECT_FUNCTIONS.get(name, {}).get(sql_dialect.sql_dialect_str)
            return node if renamed is None else exp.Anonymous(this=renamed, expressions=args)

        return tree.transform(rename).sql(dialect=sql_dialect.sqlglot_dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)


def fixed_u_level(level: ComparisonLevelCreator, u: float | None) -> ComparisonLevelCreator:
    """The level, with its u fixed (not sampled in training) when ``u`` is given."""
    return level if u is None else level.configure(u_probability=u, fix_u_probability=True)


def neutral_level(level: ComparisonLevelCreator, u: float | None) -> ComparisonLevelCreator:
    """The level with m fixed equal to its fixed u (no evidence either way), when ``u`` is given.

    For the surname comparison's swap levels: a swap puts a pair in the swap level of both
    name comparisons at once, one event that would otherwise be counted twice (about +13
    bits each at 200k, more than two exact names). The forename comparison carries it.
    """
    if u is None:
        return level
    return level.configure(m_probability=u, u_probability=u, fix_m_probability=True, fix_u_probability=True)
