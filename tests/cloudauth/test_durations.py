"""Durations as the cloud login's pages say them: the choice page's promise and the waiting page's countdown."""

from __future__ import annotations

import pytest

from cloudauth.durations import countdown_text, spoken_duration


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (300, "5 minutos"),
        (120, "2 minutos"),
        (60, "1 minuto"),
        (90, "1 minuto e 30 segundos"),
        (61, "1 minuto e 1 segundo"),
        (45, "45 segundos"),
    ],
)
def test_spoken_durations(seconds: int, spoken: str) -> None:
    assert spoken_duration(seconds) == spoken


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(120, "2 min 00 s"), (119, "1 min 59 s"), (60, "1 min 00 s"), (59, "59 s"), (1, "1 s"), (0, "0 s")],
)
def test_countdown_texts(seconds: int, shown: str) -> None:
    assert countdown_text(seconds) == shown
