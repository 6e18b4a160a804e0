"""Characters that never belong in a record's values, as patterns for finding and removing them.

NUL and other control characters split a name in two when cleaning turns them into
spaces (``Jo\\0hn`` -> ``JO HN``); right-to-left overrides and other invisible
formatting characters make text display other than it reads, so a raw value could
spoof what a page shows. Zero-width joiners are kept: some scripts' names need them.
(The audit log shows such characters as escapes instead: ``linkage.audit.shown``.)
"""

from __future__ import annotations

import re

#: A character class of the characters removed: C0 and C1 controls but tab and line
#: ends, bidirectional embeddings, overrides, isolates and marks, zero-width space,
#: word joiner and byte-order mark. Written so Python's ``re`` and DuckDB's RE2 read it alike.
INVISIBLE = (
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
    "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)

#: The same characters as bytes of a UTF-8 file (a byte-order mark at the very start excepted
#: by the caller: it marks the encoding) and of a Latin-1 file, for spotting them without decoding.
INVISIBLE_BYTES = {
    "utf-8": re.compile(
        b"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]|\\xc2[\\x80-\\x9f]|\\xd8\\x9c|\\xe2\\x80[\\x8b\\x8e\\x8f\\xaa-\\xae]"
        b"|\\xe2\\x81[\\xa0\\xa6-\\xa9]|\\xef\\xbb\\xbf"
    ),
    "latin-1": re.compile(b"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]"),
}

