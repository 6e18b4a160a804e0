"""A flag's parameters in plain words: people by name and DOB, dates as dd/mm/yyyy, no JSON.

Flags store their parameters as JSON (what the rule counted and the thresholds it
used); an analyst reads them as one line each, with every person id that appears
in them replaced by the person's name and DOB (the id kept beside it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def person_ids_in(parameters: Any) -> list[str]:
    """Every person id named in a flag's parameters (under a ``person_id`` key, at any depth), in order of appearance."""
    return list(dict.fromkeys(_ids(parameters)))


def _ids(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "person_id" and isinstance(item, str):
                yield item
            else:
                yield from _ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ids(item)


def parameter_lines(parameters: Mapping[str, Any], people: Mapping[str, str]) -> list[str]:
    """One Markdown line per parameter: ``**incidents**: 8``, dates dd/mm/yyyy, people named.

    Args:
        parameters: A flag's parameters.
        people: Person id to how to name them (``linkage.explore.people_named``).

    Returns:
        The lines, in the parameters' order.
    """
    return [f"**{_label(key)}**: {_value(value, people)}" for key, value in parameters.items()]


def _label(key: str) -> str:
    return key.replace("_", " ")


def _value(value: Any, people: Mapping[str, str]) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        return value.replace("_", " ")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        if "person_id" in value:
            return _person(value, people)
        return ", ".join(f"{_label(k)} {_value(v, people)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        if not value:
            return "none"
        if all(isinstance(v, Mapping) and "person_id" in v for v in value):
            return "; ".join(_person(v, people) for v in value)
        return ", ".join(_value(v, people) for v in value)
    return str(value)


def _person(entry: Mapping[str, Any], people: Mapping[str, str]) -> str:
    pid = entry["person_id"]
    rest = "; ".join(f"{_label(k)}: {_value(v, people)}" for k, v in entry.items() if k != "person_id")
    who = f"{people.get(pid, 'a person no longer in the results')} [{pid}]"
    return f"{who} ({rest})" if rest else who
