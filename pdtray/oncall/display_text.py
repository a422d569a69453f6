"""Text from PagerDuty made safe to show: anyone who can name a schedule, a user or an incident writes what pdtray
displays, so that text must never be read as markup or as terminal control sequences, nor swamp the screen.

Qt's tooltips and labels guess "rich text" from the text itself, freedesktop notification servers and panels read
a subset of HTML in bodies and tooltips, and a terminal obeys escape sequences. Rather than know which surface
interprets what, the characters that open markup are replaced by look-alikes that nothing interprets, and control
characters by visible escapes.
"""

from __future__ import annotations

import re
import unicodedata

#: PagerDuty's own limit for names; anything longer is not a name a person typed
NAME_LIMIT = 255
_ENTITY = re.compile(r"&(?=#?\w+;)")
#: single angle quotation marks and a fullwidth ampersand: they read the same to a person, and to no parser
_MARKUP = str.maketrans({"<": "\u2039", ">": "\u203a"})
_AMPERSAND = "\uff06"


def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls (ESC, NUL, BEL...); bidi overrides (Cf) can reorder what a reader sees
    return unicodedata.category(char) == "Cc" or char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def one_line(text: str, limit: int = NAME_LIMIT) -> str:
    """A name as one line: line breaks become spaces, other control characters a visible escape, and text past
    ``limit`` characters is cut with an ellipsis."""
    out = []
    for char in text:
        if char in "\r\n\t":
            out.append(" ")
        elif _is_control(char):
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    line = re.sub(r" {2,}", " ", "".join(out)).strip()
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def inert(text: str) -> str:
    """``text`` (line breaks kept) with nothing a markup parser can act on: ``<`` and ``>`` become single angle
    quotation marks, and an ``&`` that would start an entity a fullwidth ampersand."""
    return _ENTITY.sub(_AMPERSAND, text.translate(_MARKUP))


def for_terminal(text: str) -> str:
    """Text for a terminal: line breaks and tabs kept, every other control character (ESC, NUL, BEL, CR...)
    shown as an escape instead of being obeyed."""
    return "".join(
        char
        if char in "\n\t" or not _is_control(char)
        else (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        for char in text
    )
