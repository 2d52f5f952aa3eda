"""Durations as people read them (pt-BR): "2 minutos" in a sentence, "1 min 59 s" on a countdown."""

from __future__ import annotations


def spoken_duration(seconds: int) -> str:
    """``120`` → "2 minutos", ``60`` → "1 minuto", ``90`` → "1 minuto e 30 segundos", ``45`` → "45 segundos"."""
    minutes, rest = divmod(max(0, seconds), 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minuto" if minutes == 1 else f"{minutes} minutos")
    if rest or not minutes:
        parts.append(f"{rest} segundo" if rest == 1 else f"{rest} segundos")
    return " e ".join(parts)


def countdown_text(seconds: int) -> str:
    """``119`` → "1 min 59 s", ``45`` → "45 s" (the waiting page's script writes the same)."""
    minutes, rest = divmod(max(0, seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"
