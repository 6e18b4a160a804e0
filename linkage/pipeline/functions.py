"""The project's own SQL functions, written once in Python for every engine.

DuckDB registers them as UDFs (:func:`linkage.store.register_functions`); Spark
registers the same Python functions (:mod:`linkage.spark.session`), so both
engines compute the same codes.
"""

from __future__ import annotations

import unicodedata

import jellyfish


def soundex_code(name: str | None) -> str | None:
    """The American Soundex code of a name, or None for a null or empty name.

    Args:
        name: An upper-cased, cleaned name.

    Returns:
        A letter and three digits (ROBERT -> R163), or None.
    """
    if name is None:
        return None
    return jellyfish.soundex(name) or None


def strip_accents(text: str | None) -> str | None:
    """DuckDB's ``strip_accents``, for engines that lack it: marks removed after decomposition.

    ``ZOË`` becomes ``ZOE`` and Cyrillic ``Й`` becomes ``И``, as DuckDB (utf8proc)
    does; letters with no decomposition (``Ø``, ``ß``) are kept.

    Args:
        text: Any text.

    Returns:
        The text without combining marks, recomposed, or None for None.
    """
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in _MARKS)
    return unicodedata.normalize("NFC", kept)


#: Unicode categories of combining marks (nonspacing, spacing, enclosing), as utf8proc strips them.
_MARKS = frozenset({"Mn", "Mc", "Me"})
