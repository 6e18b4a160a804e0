"""Characters that never belong in a record's values, as patterns for finding and removing them.

NUL and other control characters split a name in two when cleaning turns them into
spaces (``Jo\\0hn`` -> ``JO HN``); right-to-left overrides and other invisible
formatting characters make text display other than it reads, so an audit entry or a
raw value could spoof what a page shows. Soft hyphens, invisible operators, tag
characters and Hangul fillers are invisible too, and would split or pad a name. Zero-width
joiners and non-joiners are kept: names in some scripts need them. Tab and line ends
are not in the set: they are whitespace, read as a space between words. (The audit log
shows such characters as escapes instead: ``linkage.accountability.audit.shown``.)
"""

from __future__ import annotations

import re

#: A character class of the characters removed: C0 and C1 controls but tab and line
#: ends; bidirectional embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F,
#: U+202A-U+202E, U+2066-U+2069); zero-width space, word joiner, invisible operators
#: (U+2060-U+2064), deprecated format characters (U+206A-U+206F) and byte-order mark;
#: soft hyphen, combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
#: Mongolian vowel separator, interlinear annotation marks and tag characters (U+E0001,
#: U+E0020-U+E007F). Written so Python's ``re`` and DuckDB's RE2 read it alike.
INVISIBLE = (
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)

#: The same characters as bytes of a UTF-8 file (a byte-order mark at the very start excepted
#: by the caller: it marks the encoding) and of a Latin-1 file, for spotting them without decoding.
INVISIBLE_BYTES = {
    "utf-8": re.compile(
        b"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]|\\xc2[\\x80-\\x9f\\xad]|\\xcd\\x8f|\\xd8\\x9c|\\xe1\\x85[\\x9f\\xa0]"
        b"|\\xe1\\x9e[\\xb4\\xb5]|\\xe1\\xa0\\x8e|\\xe2\\x80[\\x8b\\x8e\\x8f\\xaa-\\xae]|\\xe2\\x81[\\xa0-\\xa4\\xa6-\\xaf]"
        b"|\\xe3\\x85\\xa4|\\xef\\xbb\\xbf|\\xef\\xbe\\xa0|\\xef\\xbf[\\xb9-\\xbb]"
        b"|\\xf3\\xa0\\x80[\\x81\\xa0-\\xbf]|\\xf3\\xa0\\x81[\\x80-\\xbf]"
    ),
    "latin-1": re.compile(b"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\xad]"),
}

