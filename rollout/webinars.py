"""Webinars for the pages, the banner and the reminders: read once, chosen by ``rollout.webinar_rule``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.db.models import Q, QuerySet
from django.urls import reverse

from rollout import ics, webinar_rule
from rollout.models import Webinar
from rollout.regions import region_for_uf

#: A webinar lasts at most this long (the model's validator): older starts cannot still be under way.
LONGEST = dt.timedelta(minutes=480)


@dataclass(frozen=True, slots=True)
class Mention:
    """What a reader is told about one webinar."""

    title: str
    when: str  #: "10/03/2027, 14h00 (horário de Brasília)"
    duration: str  #: "1h30"
    link: str
    calendar_url: str  #: the ``.ics`` file (a path on pages, an absolute address in e-mails)
    national: bool
    cancelled: bool
    description: str = ""


def upcoming(at: dt.datetime, *, regions: Iterable[str] | None = None) -> list[Webinar]:
    """Webinars not yet ended at ``at``, by start (one query); only national ones and those of ``regions`` if given."""
    queryset: QuerySet[Webinar] = Webinar.objects.filter(start__gt=at - LONGEST).select_related("superintendencia")
    if regions is not None:
        queryset = queryset.filter(Q(superintendencia__isnull=True) | Q(superintendencia__code__in=list(regions)))
    return [w for w in queryset.order_by("start", "title", "pk") if w.start + w.duration > at]


def next_for(webinars: Iterable[Webinar], regions: Iterable[str], at: dt.datetime) -> Webinar | None:
    """The webinar to mention to a reader of these superintendências (regional first, else national; never a
    cancelled or past one)."""
    by_key = {str(w.uid): w for w in webinars}
    chosen = webinar_rule.next_for((w.as_event() for w in by_key.values()), regions, at)
    return by_key[chosen.key] if chosen else None


def region_of(webinar: Webinar) -> str | None:
    """The webinar's superintendência's code; None for a national one."""
    return webinar.superintendencia.code if webinar.superintendencia is not None else None


def regions_of_ufs(ufs: Iterable[str]) -> list[str]:
    """The superintendências' codes of these UFs (Anexo I: each UF belongs to one)."""
    return sorted({region.code for uf in ufs if (region := region_for_uf(uf)) is not None})


def calendar_path(webinar: Webinar) -> str:
    return reverse("portal:webinar_calendar", args=(webinar.uid,))


def mention(webinar: Webinar, *, absolute: bool = False) -> Mention:
    path = calendar_path(webinar)
    base = str(django_settings.PORTAL_BASE_URL).rstrip("/") if absolute else ""
    return Mention(
        title=webinar.title,
        when=webinar_rule.brasilia_label(webinar.start),
        duration=webinar_rule.duration_label(webinar.duration),
        link=webinar.link,
        calendar_url=base + path,
        national=webinar.superintendencia_id is None,
        cancelled=webinar.cancelled,
        description=webinar.description,
    )


def calendar_file(webinar: Webinar, *, stamp: dt.datetime) -> bytes:
    """The webinar as an iCalendar file (``STATUS:CANCELLED`` once cancelled, with the same UID)."""
    scope = str(webinar.superintendencia) if webinar.superintendencia_id is not None else "Nacional"
    lines = [
        webinar.description.strip(),
        f"Abrangência: {scope}.",
        f"Horário: {webinar_rule.brasilia_label(webinar.start)}.",
        f"Link: {webinar.link}",
    ]
    if webinar.cancelled:
        lines.insert(0, "PALESTRA CANCELADA.")
    event = ics.CalendarEvent(
        uid=str(webinar.uid),
        sequence=webinar.sequence,
        start=webinar.start,
        end=webinar.start + webinar.duration,
        summary=f"Cancelada: {webinar.title}" if webinar.cancelled else webinar.title,
        description="\n".join(line for line in lines if line),
        url=webinar.link,
        cancelled=webinar.cancelled,
    )
    return ics.calendar(event, stamp=stamp)
