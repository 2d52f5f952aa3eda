"""The machine note every bench prints at its start and end: cores and load average (figures are only comparable
with the load they were measured under; this machine is often shared)."""

from __future__ import annotations

import os
import platform
import sys


def note(when: str) -> str:
    """One line: ``máquina (início): 2 núcleos, carga média 0.76 0.59 0.86 (1/5/15 min), Python 3.11.2, Linux``."""
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    python = ".".join(str(part) for part in sys.version_info[:3])
    system = platform.system()
    return f"machine ({when}): {os.cpu_count()} cores, load average {load} (1/5/15 min), Python {python}, {system}"
