"""The cutover rule of Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024 (pure: no Django, the instant is an argument).

Rules (DESIGN.md, all in America/Sao_Paulo):
- An entity's cutover instant is 00:00 of the day after the last day of its wave's window, or 00:00 of the date
  staff set in an override for that entity (earlier or later: an override always wins).
- Before the cutover, password and A3 both work; from it on, A3 only.
- A wave without dates (RS, climate emergency) keeps password access until staff set them ("a definir").
- Anexo I covers OAB sections by UF; staff may add waves for other kinds. An entity no wave covers keeps password
  access until one does.
- An entity whose ACT was signed on or after 16/05/2024 (the Portaria's publication) is A3-only from its first
  day (Art. 1 § 2), unless staff set an override for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")
#: Publication of the Portaria: ACTs signed from this day on are A3-only from the start (Art. 1 § 2).
PORTARIA_PUBLISHED_ON = dt.date(2024, 5, 16)


class Phase(StrEnum):
    NOT_SCHEDULED = "not_scheduled"  #: no wave covers the entity yet: password still allowed
    UNDEFINED = "undefined"  #: its wave has no dates yet ("a definir")
    AWARENESS = "awareness"  #: before the migration window
    WINDOW = "window"  #: during the window
    A3_MANDATORY = "a3_mandatory"  #: from the cutover on
    A3_ONLY = "a3_only"  #: ACT signed after the Portaria: A3 from the first day

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Phase.NOT_SCHEDULED: "sem cronograma",
    Phase.UNDEFINED: "a definir",
    Phase.AWARENESS: "divulgação",
    Phase.WINDOW: "em migração",
    Phase.A3_MANDATORY: "A3 obrigatório",
    Phase.A3_ONLY: "somente A3 (ACT posterior à Portaria)",
}


@dataclass(frozen=True, slots=True)
class Wave:
    name: str
    kinds: tuple[str, ...]
    ufs: tuple[str, ...]
    window_start: dt.date | None
    window_end: dt.date | None
    undefined_reason: str = ""

    @property
    def defined(self) -> bool:
        return self.window_start is not None and self.window_end is not None

    @property
    def cutover_at(self) -> dt.datetime | None:
        return midnight(self.window_end + dt.timedelta(days=1)) if self.window_end is not None else None

    def covers(self, kind: str, uf: str) -> bool:
        return kind in self.kinds and uf in self.ufs


@dataclass(frozen=True, slots=True)
class Override:
    cutover_on: dt.date
    reason: str


@dataclass(frozen=True, slots=True)
class Entity:
    kind: str
    uf: str
    act_signed_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Decision:
    phase: Phase
    password_allowed: bool
    cutover_at: dt.datetime | None  #: aware, Brasília time; None while undefined or unscheduled
    why: str
    wave: str = ""
    a3_allowed: bool = True  #: an A3 certificate always works
    #: The cutover is a date staff set for this entity (an override), not its wave's: its members are told so.
    own_date: bool = False

    def days_left(self, at: dt.datetime) -> int | None:
        """Whole days from ``at`` (Brasília date) to the cutover day; None without a cutover."""
        if self.cutover_at is None:
            return None
        return (self.cutover_at.astimezone(BRASILIA).date() - at.astimezone(BRASILIA).date()).days


def midnight(day: dt.date) -> dt.datetime:
    """00:00 of ``day`` in Brasília time."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=BRASILIA)


def covering_wave(entity: Entity, waves: Iterable[Wave]) -> Wave | None:
    """The wave that covers the entity's kind and UF (the earliest defined one if several do)."""
    matching = [w for w in waves if w.covers(entity.kind, entity.uf)]
    matching.sort(key=lambda w: (w.window_end is None, w.window_end or dt.date.max, w.name))
    return matching[0] if matching else None


def decide(entity: Entity, wave: Wave | None, override: Override | None, *, at: dt.datetime) -> Decision:
    if at.tzinfo is None:
        raise ValueError("'at' must be timezone-aware")
    wave_name = wave.name if wave else ""
    if override is not None:
        cutover = midnight(override.cutover_on)
        why = f"Data definida para esta entidade pelo INSS: {_date(cutover)} ({override.reason})."
        return replace(_around(cutover, wave, at, why, wave_name), own_date=True)
    if entity.act_signed_on is not None and entity.act_signed_on >= PORTARIA_PUBLISHED_ON:
        return Decision(
            Phase.A3_ONLY,
            False,
            midnight(entity.act_signed_on),
            f"ACT assinado em {entity.act_signed_on:%d/%m/%Y}, após a Portaria: acesso somente com certificado "
            "A3 desde o início (Art. 1º, § 2º).",
            wave_name,
        )
    if wave is None:
        return Decision(
            Phase.NOT_SCHEDULED,
            True,
            None,
            "A entidade ainda não está em nenhuma etapa do cronograma de migração.",
            wave_name,
        )
    wave_cutover = wave.cutover_at
    if not wave.defined or wave_cutover is None:
        reason = f" ({wave.undefined_reason})" if wave.undefined_reason else ""
        return Decision(Phase.UNDEFINED, True, None, f"Data da migração a definir{reason}.", wave_name)
    why = (
        f"{wave.name}: janela de {_day(wave.window_start)} a {_day(wave.window_end)}; "
        f"certificado A3 obrigatório a partir de {_date(wave_cutover)}."
    )
    return _around(wave_cutover, wave, at, why, wave_name)


def earliest_cutover(decisions: Iterable[Decision]) -> dt.datetime | None:
    """The first cutover among these decisions (None if none has one)."""
    return min((d.cutover_at for d in decisions if d.cutover_at is not None), default=None)


def earliest_decision(decisions: Iterable[Decision]) -> Decision | None:
    """The decision with the first cutover among these (None if none has one)."""
    dated = [d for d in decisions if d.cutover_at is not None]
    return min(dated, key=lambda d: d.cutover_at or dt.datetime.max.replace(tzinfo=dt.UTC), default=None)


def _around(cutover: dt.datetime, wave: Wave | None, at: dt.datetime, why: str, wave_name: str) -> Decision:
    if at >= cutover:
        return Decision(Phase.A3_MANDATORY, False, cutover, why, wave_name)
    if wave is not None and wave.window_start is not None and at >= midnight(wave.window_start):
        return Decision(Phase.WINDOW, True, cutover, why, wave_name)
    return Decision(Phase.AWARENESS, True, cutover, why, wave_name)


def _date(instant: dt.datetime) -> str:
    return instant.astimezone(BRASILIA).strftime("%d/%m/%Y")


def _day(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"
