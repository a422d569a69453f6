"""What a token may look like, checked before it is sent: apart from the client so that the settings dialog can
check a pasted token without loading the network stack."""

from __future__ import annotations

import unicodedata

from pdtray.pagerduty.errors import MalformedTokenError


def check_token(token: str) -> str:
    """The token without surrounding space, or MalformedTokenError naming the first character no token has.

    PagerDuty's keys are printable ASCII; a zero-width space or a line break pasted with one would otherwise fail
    deep in the HTTP library (or be taken for a server problem). The message names the character, never the token.
    """
    stripped = token.strip()
    for position, char in enumerate(stripped, start=1):
        if not (char.isascii() and char.isprintable()):
            name = unicodedata.name(char, f"U+{ord(char):04X}").lower()
            raise MalformedTokenError(
                f"The API token contains a character that no PagerDuty token has ({name}, character {position}); "
                "it was probably copied along with the token. Paste the token again, or type it."
            )
    return stripped
