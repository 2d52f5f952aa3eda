"""Fixtures of the rollout tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from rollout.models import Superintendencia, Webinar


@pytest.fixture
def webinar_factory(db: None) -> Callable[..., Webinar]:
    """``webinar_factory(start, region=None, **fields)``: a webinar of that superintendência (its code; None:
    national), one hour long unless told."""

    def make(start: dt.datetime, region: str | None = None, **fields: Any) -> Webinar:
        defaults: dict[str, Any] = dict(
            title=f"Webinar {region or 'nacional'} {start:%d/%m %H:%M}",
            duration_minutes=60,
            link="https://webinar.inss.gov.br/sala",
            superintendencia=Superintendencia.objects.get(code=region) if region else None,
        )
        return Webinar.objects.create(start=start, **{**defaults, **fields})

    return make
