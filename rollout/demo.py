"""The demo's webinars (``make run``): one national, one of the Superintendência Sul (the demo's OAB-SC password
member sees it in the banner), dated from the day the demo is loaded."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from rollout.models import Superintendencia, Webinar
from rollout.webinar_rule import BRASILIA


@dataclass(frozen=True)
class DemoWebinar:
    uid: uuid.UUID  #: fixed: loading the demo again updates the same events (and calendars that imported them)
    region: str | None
    title: str
    description: str
    days_ahead: int
    time: dt.time
    duration_minutes: int
    link: str


WEBINARS: tuple[DemoWebinar, ...] = (
    DemoWebinar(
        uuid.UUID("c3f85035-0838-4a48-ba2c-b7f88ea56968"),
        None,
        "Certificado digital A3: como migrar o acesso da sua entidade",
        "O que muda com a Portaria Conjunta nº 96/2024, como adquirir e instalar o certificado A3 e como fazer o "
        "primeiro acesso. Perguntas ao final.",
        7,
        dt.time(14, 0),
        90,
        "https://webinar.demo.invalid/certificado-a3",
    ),
    DemoWebinar(
        uuid.UUID("20600a57-19b4-45cc-bb17-3a41eee15d80"),
        "sul",
        "Seccionais da OAB do Sul: dúvidas sobre a migração para o A3",
        "Encontro da Superintendência Sul com as seccionais de PR, SC e RS: prazos de cada etapa e dúvidas.",
        14,
        dt.time(10, 0),
        60,
        "https://webinar.demo.invalid/sul",
    ),
)


def load_demo_webinars(today: dt.date) -> int:
    """Create or update the demo's webinars (idempotent); how many there are."""
    regions = {s.code: s for s in Superintendencia.objects.filter(code__in=[w.region for w in WEBINARS if w.region])}
    for demo in WEBINARS:
        start = dt.datetime.combine(today + dt.timedelta(days=demo.days_ahead), demo.time, tzinfo=BRASILIA)
        Webinar.objects.update_or_create(
            uid=demo.uid,
            defaults={
                "title": demo.title,
                "description": demo.description,
                "start": start,
                "duration_minutes": demo.duration_minutes,
                "link": demo.link,
                "superintendencia": regions.get(demo.region) if demo.region else None,
                "cancelled": False,
            },
        )
    return len(WEBINARS)
