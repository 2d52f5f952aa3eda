"""Public pages of the awareness stage: the schedule, and guidance about A3 certificates."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from rollout import ics, webinars
from rollout.models import Wave, Webinar
from rollout.regions import SUPERINTENDENCIAS, Region
from rollout.schedule import midnight
from rollout.webinar_rule import BRASILIA


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


@dataclass(frozen=True)
class RegionWebinars:
    region: Region
    webinars: list[webinars.Mention]


@require_safe
def schedule_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [WaveRow(w, *wave_status(w, now)) for w in Wave.objects.select_related("superintendencia")]
    upcoming = webinars.upcoming(now)
    by_region = [
        RegionWebinars(region, [webinars.mention(w) for w in upcoming if webinars.region_of(w) in (None, region.code)])
        for region in SUPERINTENDENCIAS
    ]
    return render(
        request, "rollout/schedule.html", {"rows": rows, "webinar_regions": by_region, "any_webinar": bool(upcoming)}
    )


@require_safe
def webinar_calendar(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """ "Adicionar à agenda (.ics)": the webinar as an iCalendar file (cancelled ones too: the calendar updates)."""
    webinar = get_object_or_404(Webinar.objects.select_related("superintendencia"), uid=uid)
    response = HttpResponse(
        webinars.calendar_file(webinar, stamp=timezone.now()), content_type=f"{ics.MEDIA_TYPE}; charset=utf-8"
    )
    day = webinar.start.astimezone(BRASILIA)
    response["Content-Disposition"] = f'attachment; filename="webinar-{day:%Y-%m-%d-%Hh%M}.ics"'
    return response


@require_safe
def guidance_page(request: HttpRequest) -> HttpResponse:
    return render(request, "rollout/guidance.html")
