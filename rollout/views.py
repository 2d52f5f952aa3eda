"""Public pages of the awareness stage: the schedule, and guidance about A3 certificates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from rollout.models import Wave
from rollout.schedule import midnight


@dataclass(frozen=True)
class WaveRow:
    wave: Wave
    status: str
    status_code: str


def wave_status(wave: Wave, now: dt.datetime) -> tuple[str, str]:
    if wave.window_start is None or wave.window_end is None:
        return f"A definir ({wave.undefined_reason})" if wave.undefined_reason else "A definir", "a-definir"
    if now >= midnight(wave.window_end + dt.timedelta(days=1)):
        return "Concluída: certificado A3 obrigatório", "concluida"
    if now >= midnight(wave.window_start):
        return "Em andamento", "em-andamento"
    return "Prevista", "prevista"


@require_safe
def schedule_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [WaveRow(w, *wave_status(w, now)) for w in Wave.objects.select_related("superintendencia")]
    return render(request, "rollout/schedule.html", {"rows": rows})


@require_safe
def guidance_page(request: HttpRequest) -> HttpResponse:
    return render(request, "rollout/guidance.html")
