"""Render a step, defined once in DuckDB SQL, as Spark SQL.

sqlglot parses the step's DuckDB SQL, expands its ``*`` (with DuckDB's
``REPLACE`` and ``EXCLUDE``, which Spark lacks) against the input's columns,
and writes Spark SQL. Where sqlglot would carry a DuckDB feature over with
different meaning, or not at all, a small named rewrite below says what
DuckDB means in Spark's terms (see :data:`REWRITES`). Values stay bound
parameters (``:name``); a list is bound element by element, since Spark 3.5
binds only scalars.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.optimizer.qualify import qualify
from sqlglot.time import format_time

from linkage.codes import SQL_ENUMS
from linkage.errors import StepError
from linkage.pipeline import Step, quote_ident

#: DuckDB as the steps are written, keeping identifier case (extract columns are quoted as they appear).
_DUCKDB = "duckdb, normalization_strategy = case_sensitive"

#: The project's Python functions as Spark registers them (:mod:`linkage.spark.session`).
SOUNDEX_UDF = "mash_soundex"
STRIP_ACCENTS_UDF = "mash_strip_accents"

#: What each rewrite is for: the DuckDB feature, and why sqlglot's own rendering is not used.
REWRITES = {
    "star modifiers": "SELECT * REPLACE / EXCLUDE expanded against the input's columns (Spark 3.5 has neither).",
    "list parameters": "A list bound as ARRAY(:name__0, ...), since Spark binds only scalar parameters.",
    "= ANY(list)": "x = ANY(list) as ARRAY_CONTAINS(list, x).",
    "try_strptime": "A list of strptime formats as COALESCE(TRY_TO_TIMESTAMP(x, java_format), ...), "
    "the Java pattern as lenient about digits as DuckDB (java_date_format).",
    "regexp_full_match": "Spark has none: RLIKE with the pattern anchored as ^(?:pattern)\\z.",
    "regexp_replace": "DuckDB replaces once without 'g' (allowed only for ^-anchored patterns); "
    "backreferences \\1 become Java's $1.",
    "list_position": "DuckDB gives an INTEGER, null when absent; Spark's ARRAY_POSITION a BIGINT, 0 when absent: "
    "CAST(NULLIF(ARRAY_POSITION(..), 0) AS INT).",
    "list_extract": "ELEMENT_AT, which is null out of range as DuckDB's is.",
    "enum casts": "Spark has no enum types: CAST checks the members (RAISE_ERROR otherwise), TRY_CAST nulls others.",
    "soundex": f"The project's shared Python soundex ({SOUNDEX_UDF}), not Spark's built-in one.",
    "strip_accents": f"Spark has none: a Python UDF ({STRIP_ACCENTS_UDF}) that strips marks as DuckDB does.",
}


@dataclass(frozen=True)
class SparkSql:
    """A step rendered for Spark.

    Attributes:
        sql: Spark SQL with ``:name`` parameter markers.
        args: Values for ``spark.sql(sql, args=args)``.
    """

    sql: str
    args: dict[str, Any]


def render_spark(step: Step, input_view: str, schema: Mapping[str, Mapping[str, str]]) -> SparkSql:
    """Render one step as Spark SQL over a temporary view.

    Args:
        step: The step, as defined for DuckDB.
        input_view: The view the step reads in place of ``{input}``.
        schema: Columns (name to type) of every relation the step reads, by name:
            the input view and any lookup table.

    Returns:
        The Spark SQL and its parameter values.

    Raises:
        StepError: The step uses a DuckDB feature this renderer cannot express in Spark.
    """
    try:
        tree = sqlglot.parse_one(step.render(quote_ident(input_view)), read=_DUCKDB)
        tree = qualify(tree, schema={k: dict(v) for k, v in schema.items()}, dialect=_DUCKDB, quote_identifiers=True)
        renderer = _Renderer(step)
        tree = tree.transform(renderer.rewrite)
        sql = tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except (sqlglot.errors.SqlglotError, ValueError) as exc:
        raise StepError(step.name, f"cannot be rendered for Spark: {exc}") from exc
    return SparkSql(sql=sql, args=renderer.args)


def java_date_format(strptime_format: str) -> str:
    """A strptime format (``%d/%m/%Y``) as a Java date pattern that reads what DuckDB reads (``d/M/y``).

    DuckDB's ``%d``, ``%m`` and ``%Y`` take fewer digits when a separator follows (1/2/85);
    Java's ``dd``, ``MM`` and ``yyyy`` would not, so a numeric directive between
    separators becomes Java's variable-width letter. Directives next to each other
    (``%Y%m%d``) keep fixed widths, which is all Java can split.

    Raises:
        ValueError: The format has literal letters or Java pattern symbols, which Java would misread.
    """
    tokens = re.findall(r"%-?.|[^%]+", strptime_format)
    out = []
    for index, token in enumerate(tokens):
        if not token.startswith("%"):
            if re.search(r"[A-Za-z\[\]{}#']", token):
                raise ValueError(f"date format {strptime_format!r} has literal text Java would read as a pattern")
            out.append(token)
            continue
        neighbours = tokens[max(index - 1, 0) : index] + tokens[index + 1 : index + 2]
        if token in _VARIABLE_WIDTH and not any(n.startswith("%") for n in neighbours):
            out.append(_VARIABLE_WIDTH[token])
        else:
            out.append(format_time(token, Spark.INVERSE_TIME_MAPPING, Spark.INVERSE_TIME_TRIE) or "")
    return "".join(out)


#: Numeric strptime directives and Java's variable-width letters for them.
_VARIABLE_WIDTH = {"%d": "d", "%-d": "d", "%m": "M", "%-m": "M", "%Y": "y", "%H": "H", "%M": "m", "%S": "s"}


def java_replacement(replacement: str) -> str:
    """A DuckDB (RE2) regexp_replace replacement in Java's syntax: ``\\1`` as ``$1``, ``$`` escaped."""
    return re.sub(r"\\(\d)", r"$\1", replacement.replace("$", "\\$"))


class _Renderer:
    """The rewrites of :data:`REWRITES`, applied node by node, collecting parameter values."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.args: dict[str, Any] = {}

    def rewrite(self, node: exp.Expression) -> exp.Expression:
        new = self._rewrite(node)
        if new is not node:
            # sqlglot's transform does not walk into a replacement, so its children are rewritten here.
            for child in list(new.iter_expressions()):
                child.replace(child.transform(self.rewrite, copy=False))
        return new

    def _rewrite(self, node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder):
            return self._placeholder(node)
        if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
            return exp.ArrayContains(this=_unparen(node.expression.this), expression=node.this)
        if isinstance(node, exp.RegexpFullMatch):
            anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), node.expression, exp.Literal.string(")\\z")])
            return exp.RegexpLike(this=node.this, expression=anchored)
        if isinstance(node, exp.RegexpReplace):
            return self._regexp_replace(node)
        if isinstance(node, exp.Soundex):
            return exp.Anonymous(this=SOUNDEX_UDF, expressions=[node.this])
        if isinstance(node, (exp.Cast, exp.TryCast)) and node.to.this == exp.DataType.Type.USERDEFINED:
            return self._enum_cast(node)
        if isinstance(node, exp.Anonymous):
            return self._function(node)
        return node

    def _placeholder(self, node: exp.Placeholder) -> exp.Expression:
        name = node.name
        if name in self.args:
            return node
        if name not in self.step.params:
            raise ValueError(f"parameter ${name} has no value")
        value = self.step.params[name]
        if isinstance(value, (list, tuple)):
            names = [f"{name}__{i}" for i in range(len(value))]
            self.args.update({n: _scalar(v) for n, v in zip(names, value, strict=True)})
            return exp.Array(expressions=[exp.Placeholder(this=n) for n in names])
        self.args[name] = _scalar(value)
        return node

    def _function(self, node: exp.Anonymous) -> exp.Expression:
        name = node.name.lower()
        args = node.expressions
        if name == "strip_accents":
            return exp.Anonymous(this=STRIP_ACCENTS_UDF, expressions=args)
        if name == "list_position":
            position = exp.Anonymous(this="ARRAY_POSITION", expressions=args)
            found = exp.Nullif(this=position, expression=exp.Literal.number(0))
            return exp.Cast(this=found, to=exp.DataType.build("INT"))
        if name == "list_extract":
            return exp.Anonymous(this="ELEMENT_AT", expressions=args)
        if name == "try_strptime":
            return self._try_strptime(*args)
        return node

    def _try_strptime(self, text: exp.Expression, formats: exp.Expression) -> exp.Expression:
        if isinstance(formats, exp.Placeholder) and formats.name in self.step.params:
            value = self.step.params[formats.name]
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            base = formats.name
        elif isinstance(formats, exp.Literal) and formats.is_string:
            values, base = [formats.name], "_format"
        else:
            raise ValueError("try_strptime needs its formats as a parameter or a string")
        parsed = []
        for i, fmt in enumerate(values):
            name = f"{base}__{i}"
            self.args[name] = java_date_format(fmt)
            parsed.append(exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[text.copy(), exp.Placeholder(this=name)]))
        return exp.Coalesce(this=parsed[0], expressions=parsed[1:]) if len(parsed) > 1 else parsed[0]

    def _regexp_replace(self, node: exp.RegexpReplace) -> exp.Expression:
        modifiers = node.args.get("modifiers")
        flags = modifiers.name if isinstance(modifiers, exp.Literal) else ("" if modifiers is None else None)
        if flags not in ("", "g"):
            raise ValueError("regexp_replace options other than 'g' are not rendered")
        if flags == "" and not self._text(node.expression).startswith("^"):
            raise ValueError("regexp_replace without 'g' replaces once in DuckDB; Spark replaces every match")
        replacement = node.args["replacement"]
        if isinstance(replacement, exp.Literal):
            replacement = exp.Literal.string(java_replacement(replacement.name))
        elif isinstance(replacement, exp.Placeholder):
            self.args[replacement.name] = java_replacement(str(self.step.params[replacement.name]))
        else:
            raise ValueError("regexp_replace needs its replacement as a parameter or a string")
        return exp.RegexpReplace(this=node.this, expression=node.expression, replacement=replacement)

    def _text(self, node: exp.Expression) -> str:
        """A string literal's or string parameter's value."""
        if isinstance(node, exp.Placeholder):
            return str(self.step.params.get(node.name, ""))
        return node.name if isinstance(node, exp.Literal) else ""

    def _enum_cast(self, node: exp.Cast) -> exp.Expression:
        type_name = node.to.args["kind"].name if isinstance(node.to.args.get("kind"), exp.Expression) else str(node.to.args.get("kind"))
        if type_name not in SQL_ENUMS:
            raise ValueError(f"unknown type {type_name}")
        value = node.this
        members = [exp.Literal.string(m.value) for m in SQL_ENUMS[type_name]]
        known = exp.In(this=value.copy(), expressions=members)
        case = exp.Case().when(known, value.copy())
        if isinstance(node, exp.TryCast):
            return case
        # A failed enum cast is an error in DuckDB, so it is one here; the message names the step, not the value.
        message = exp.Literal.string(f"{self.step.name}: a value is not one of the {type_name} values")
        return case.when(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())), exp.Anonymous(this="RAISE_ERROR", expressions=[message]))


def _unparen(node: exp.Expression) -> exp.Expression:
    return node.this if isinstance(node, exp.Paren) else node


def _scalar(value: Any) -> Any:
    """A parameter value as Spark binds it (an enum member as its text)."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, (str, int, float, bool, datetime.date)):
        return value
    raise ValueError(f"a parameter of type {type(value).__name__} cannot be bound in Spark")
