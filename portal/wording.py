"""Counted nouns in Portuguese that agree with the number (pure): "1 entidade suspensa", "2 entidades suspensas",
never "entidade(s) suspensa(s)"."""

from __future__ import annotations


def counted(number: int, singular: str, plural: str, *, none: str = "") -> str:
    """``counted(1, "entidade suspensa", "entidades suspensas")`` → "1 entidade suspensa"; ``none`` (if given)
    instead of "0 …"."""
    if number == 0 and none:
        return none
    return f"{number} {singular if number == 1 else plural}"
