"""Reading a reference as a person types it from a screenshot (pure: no Django).

References are ten characters of Crockford's base32 shown as ``7KQ2M-9XD3F`` (``certauth.audit.new_reference``).
A ticket may quote one in lower case, with spaces, without the dash, or with a letter misread for a digit: Crockford's
decoding rules read ``O`` as ``0`` and ``I``/``L`` as ``1`` (those letters are never in a reference)."""

from __future__ import annotations

import re

_ALPHABET = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")
LENGTH = 10
#: Longest text the form accepts (a pasted line with spaces around the reference).
MAX_INPUT = 60


def normalize(typed: str) -> str | None:
    """``"7kq2m 9xd3f"`` → ``"7KQ2M-9XD3F"``; ``None`` when the text cannot be a reference."""
    if len(typed) > MAX_INPUT:
        return None
    raw = _SEPARATORS.sub("", typed).upper().translate(_MISREAD)
    if len(raw) != LENGTH or not set(raw) <= _ALPHABET:
        return None
    return f"{raw[:5]}-{raw[5:]}"


def shown(typed: str) -> str:
    """What was typed, cut and stripped for a page or the lookup log (never trusted as anything else)."""
    return typed.strip()[:MAX_INPUT]
