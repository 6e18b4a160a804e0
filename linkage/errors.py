"""Errors that name where the problem is: file, YAML key, row, column or SQL step."""

from __future__ import annotations

import re

# A quoted literal in an engine's message: the value it could not convert or parse.
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


class MashError(Exception):
    """Base class for errors reported to the user without a traceback."""


class ConfigError(MashError):
    """A config file is missing, unparseable or invalid.

    Attributes:
        path: The YAML file.
        key: Dotted YAML key that is wrong, if known (``event.role.values``).
    """

    def __init__(self, path: str, message: str, key: str | None = None) -> None:
        self.path = path
        self.key = key
        where = f"{path}: key '{key}'" if key else path
        super().__init__(f"{where}: {message}")


class ExtractError(MashError):
    """A source extract cannot be read as its config describes.

    Attributes:
        file: The extract file.
        source: The source name from its config.
        key: The YAML key of the source config involved, if any.
        column: The extract column involved, if any.
        row: The 1-based data row involved, if any.
    """

    def __init__(
        self,
        file: str,
        message: str,
        *,
        source: str | None = None,
        key: str | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        self.file = file
        self.source = source
        self.key = key
        self.column = column
        self.row = row
        parts = [file]
        if source:
            parts.append(f"source '{source}'")
        if key:
            parts.append(f"key '{key}'")
        if column:
            parts.append(f"column '{column}'")
        if row is not None:
            parts.append(f"row {row}")
        super().__init__(", ".join(parts) + f": {message}")


class StepError(MashError):
    """A named SQL step failed.

    Attributes:
        step: Name of the step that failed.
    """

    def __init__(self, step: str, message: str) -> None:
        self.step = step
        super().__init__(f"SQL step '{step}' failed: {message}")

    @classmethod
    def from_engine(cls, step: str, error: BaseException) -> StepError:
        """The error an engine (DuckDB, Spark) raised for a step, by the first line of its message.

        Engines follow that line with query plans, stack traces and the row they failed
        on, which belong in the chained exception, not in the message a user reads. The
        line itself can quote a value ("Could not convert string 'WENDY'"): quoted
        literals are replaced by ``…``, file paths excepted.
        """
        message = str(error).strip()
        return cls(step, without_values(message.splitlines()[0] if message else str(error)))


def without_values(message: str) -> str:
    """An engine's message with every quoted literal but a file path replaced by ``…``.

    Errors go to the terminal, the run history and the admin pages; they name files,
    keys, columns, steps and row numbers, never a value from a record.
    """
    return _QUOTED.sub(lambda m: m.group(0) if _is_path(m.group(0)[1:-1]) else m.group(0)[0] + "…" + m.group(0)[0], message)


def _is_path(text: str) -> bool:
    return text.startswith(("/", "./", "../"))
