"""Errors that name where the problem is: file, YAML key, row, column or SQL step."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

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


def described(error: BaseException) -> str:
    """An error as the terminal, the run history and the admin pages may show it.

    A :class:`MashError`'s message is written to name files, keys, columns and rows,
    never values, so it is kept, as are an operating-system error's reason and file
    (a full disk). Any other error is a fault in the code or a library, whose message
    may quote whatever it was handling (a name, a date of birth): only its type and
    where it was raised are given.

    Args:
        error: The error.

    Returns:
        ``Type: message`` for a MashError (``Type: reason: file`` for an OSError); for
        any other error its type, place and a note that its message is withheld.
    """
    if isinstance(error, MashError):
        return f"{type(error).__name__}: {error}"
    if isinstance(error, OSError) and error.strerror:
        # The system's words for it and the file involved: a full disk, a missing directory.
        return f"{type(error).__name__}: {error.strerror}" + (f": {error.filename}" if error.filename else "")
    if isinstance(error, KeyboardInterrupt):
        return "interrupted (Ctrl+C)"
    where = raised_at(error)
    return (
        f"unexpected {type(error).__name__}{f' in {where}' if where else ''}; its message is not shown, "
        "as it may quote a record"
    )


def raised_at(error: BaseException) -> str | None:
    """Where an error was raised: the innermost frame in this project's code (``linkage/x.py:12 in f``), else the innermost."""
    stack = traceback.extract_tb(error.__traceback__)
    if not stack:
        return None
    ours = [f for f in stack if _project_file(f.filename)]
    frame = (ours or stack)[-1]
    return f"{_short(frame.filename)}:{frame.lineno} in {frame.name}"


def frames(error: BaseException) -> list[str]:
    """Every frame of an error's traceback (file, line, function and the code line), without its message."""
    return [f"{_short(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()}" for f in traceback.extract_tb(error.__traceback__)]


_PROJECT = Path(__file__).resolve().parents[1]


def _project_file(filename: str) -> bool:
    path = Path(filename).resolve()
    return path.is_relative_to(_PROJECT) and ".venv" not in path.parts and "site-packages" not in path.parts


def _short(filename: str) -> str:
    path = Path(filename).resolve()
    return str(path.relative_to(_PROJECT)) if _project_file(filename) else path.name
