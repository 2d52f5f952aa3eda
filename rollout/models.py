"""The schedule as data: superintendências, waves (Anexo I and any added later), per-entity overrides."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from simple_history.models import HistoricalRecords

from rollout import schedule, webinar_rule

KINDS = ("oab", "municipio", "outra")


def default_kinds() -> list[str]:
    return ["oab"]


class Superintendencia(models.Model):
    code = models.SlugField("código", max_length=40, unique=True)
    name = models.CharField("nome", max_length=80, unique=True)
    ufs = models.JSONField("UFs", default=list)
    #: Staff of this regional office see (read-only) only its entities.
    consulta_group = models.OneToOneField(
        Group,
        verbose_name="grupo de consulta",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superintendencia",
    )

    class Meta:
        verbose_name = "superintendência"
        verbose_name_plural = "superintendências"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"Superintendência {self.name}"


class GerenciaExecutiva(models.Model):
    """A Gerência-Executiva (GEX): a level under a superintendência that, in its area, notifies the entities of the
    schedule (Art. 4). Loaded by staff (the admin, ``manage.py import_gex``); entities name theirs (``gex``)."""

    code = models.SlugField("código", max_length=40, unique=True)
    name = models.CharField("nome", max_length=120, unique=True)
    superintendencia = models.ForeignKey(
        Superintendencia, verbose_name="superintendência", on_delete=models.PROTECT, related_name="gerencias"
    )
    contact_email = models.EmailField("e-mail de contato", blank=True)
    #: Its staff: read-only, and management of its entities and their members (``portal.groups``).
    consulta_group = models.OneToOneField(
        Group,
        verbose_name="grupo de consulta",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="gex_consulta",
    )
    gestao_group = models.OneToOneField(
        Group,
        verbose_name="grupo de gestão",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="gex_gestao",
    )
    history = HistoricalRecords(
        verbose_name="histórico da gerência-executiva", excluded_fields=["consulta_group", "gestao_group"]
    )

    class Meta:
        verbose_name = "gerência-executiva"
        verbose_name_plural = "gerências-executivas"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Wave(models.Model):
    """A stage of the migration schedule: which kinds of entity of which UFs, and their window."""

    number = models.PositiveSmallIntegerField("etapa")
    name = models.CharField("nome", max_length=120)
    superintendencia = models.ForeignKey(
        Superintendencia, verbose_name="superintendência", on_delete=models.PROTECT, related_name="waves"
    )
    kinds = models.JSONField("tipos de entidade", default=default_kinds)
    ufs = models.JSONField("UFs", default=list)
    window_start = models.DateField("início da janela", null=True, blank=True)
    window_end = models.DateField("fim da janela", null=True, blank=True)
    undefined_reason = models.CharField(
        "motivo de estar a definir",
        max_length=200,
        blank=True,
        help_text="Obrigatório quando a janela ainda não tem datas (ex.: emergência climática no RS).",
    )
    notes = models.TextField("observações", blank=True)
    history = HistoricalRecords(verbose_name="histórico da etapa")

    class Meta:
        verbose_name = "etapa do cronograma"
        verbose_name_plural = "etapas do cronograma"
        ordering = ["number", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.window_start is None) != (self.window_end is None):
            raise ValidationError("Informe o início e o fim da janela, ou nenhum dos dois (a definir).")
        if self.window_start and self.window_end and self.window_start > self.window_end:
            raise ValidationError({"window_end": "O fim da janela não pode ser anterior ao início."})
        if self.window_start is None and not self.undefined_reason:
            raise ValidationError({"undefined_reason": "Sem datas, informe o motivo (a definir)."})
        unknown = set(self.kinds or []) - set(KINDS)
        if not self.kinds or unknown:
            raise ValidationError({"kinds": f"Tipos de entidade válidos: {', '.join(KINDS)}."})
        if self.superintendencia_id is not None:
            outside = set(self.ufs or []) - set(self.superintendencia.ufs)
            if not self.ufs or outside:
                raise ValidationError(
                    {"ufs": f"UFs da {self.superintendencia}: {', '.join(self.superintendencia.ufs)}."}
                )

    def as_rule(self) -> schedule.Wave:
        return schedule.Wave(
            name=self.name,
            kinds=tuple(self.kinds),
            ufs=tuple(self.ufs),
            window_start=self.window_start,
            window_end=self.window_end,
            undefined_reason=self.undefined_reason,
        )


class EntityOverride(models.Model):
    """A cutover date set for one entity (earlier or later than its wave's), with why and by whom."""

    entity = models.OneToOneField(
        "portal.PartnerEntity", verbose_name="entidade", on_delete=models.CASCADE, related_name="cutover_override"
    )
    cutover_on = models.DateField(
        "certificado A3 obrigatório a partir de", help_text="A partir de 00:00 (horário de Brasília) desta data."
    )
    reason = models.CharField("motivo", max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="concedida por",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField("registrada em", auto_now=True)
    history = HistoricalRecords(verbose_name="histórico da exceção")

    class Meta:
        verbose_name = "data específica de entidade"
        verbose_name_plural = "datas específicas de entidades"

    def __str__(self) -> str:
        return f"{self.entity}: A3 obrigatório a partir de {self.cutover_on:%d/%m/%Y}"

    def as_rule(self) -> schedule.Override:
        return schedule.Override(cutover_on=self.cutover_on, reason=self.reason)


class Reminder(models.Model):
    """One e-mail of ``manage.py rollout remind`` that was sent (recorded right after its sending succeeded).

    The same reminder (kind, step, entity, member, recipient, target date) is never sent twice. The uniqueness is
    enforced by three partial constraints, one per shape a reminder takes (entity contact: no member; certificate
    expiry: no entity; member of an entity: both), because SQL treats NULLs as distinct in a unique constraint."""

    class Kind(models.TextChoices):
        BEFORE_CUTOVER = "before_cutover", "aviso antes da data do A3 obrigatório"
        AFTER_CUTOVER = "after_cutover", "aviso de acesso com senha encerrado"
        CERTIFICATE_EXPIRY = "certificate_expiry", "aviso de certificado perto do vencimento"

    kind = models.CharField("tipo", max_length=20, choices=Kind.choices)
    step_days = models.PositiveSmallIntegerField(
        "etapa (dias antes)", default=0, help_text="Dias antes da data do A3 obrigatório; 0 nos demais avisos."
    )
    entity = models.ForeignKey(
        "portal.PartnerEntity",
        verbose_name="entidade",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    member = models.ForeignKey(
        "portal.Member", verbose_name="membro", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.EmailField("destinatário")
    target_date = models.DateField(
        "data de referência", help_text="Data do A3 obrigatório ou do vencimento do certificado (Brasília)."
    )
    sent_at = models.DateTimeField("enviado em")

    class Meta:
        verbose_name = "lembrete enviado"
        verbose_name_plural = "lembretes enviados"
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "step_days", "entity", "member", "recipient", "target_date"],
                condition=models.Q(entity__isnull=False, member__isnull=False),
                name="rollout_reminder_unique_member_of_entity",
            ),
            models.UniqueConstraint(
                fields=["kind", "step_days", "entity", "recipient", "target_date"],
                condition=models.Q(member__isnull=True),
                name="rollout_reminder_unique_entity_contact",
            ),
            models.UniqueConstraint(
                fields=["kind", "step_days", "member", "recipient", "target_date"],
                condition=models.Q(entity__isnull=True),
                name="rollout_reminder_unique_member",
            ),
            models.CheckConstraint(
                condition=models.Q(entity__isnull=False) | models.Q(member__isnull=False),
                name="rollout_reminder_entity_or_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.recipient} ({self.target_date:%d/%m/%Y})"


class Webinar(models.Model):
    """An awareness event (Art. 5 I of the Portaria): national, or for one superintendência.

    ``uid`` names the event in calendar files for its whole life; ``sequence`` grows at every save, so that a
    calendar importing the file again (a new time, a cancellation) updates the entry it has.

    A Gerência-Executiva level (issue 19 §1) would add a nullable ``gex`` foreign key beside ``superintendencia``
    (the GEX's superintendência checked in ``clean``), ``as_event`` would carry it, and ``webinar_rule.next_for``
    would try the reader's GEX before the superintendência and the national events."""

    uid = models.UUIDField("identificador", default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField("título", max_length=150)
    start = models.DateTimeField("início", help_text="Data e hora no horário de Brasília.")
    duration_minutes = models.PositiveSmallIntegerField(
        "duração (minutos)", default=60, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    link = models.URLField(
        "link da transmissão",
        max_length=500,
        validators=[URLValidator(schemes=["https"], message="Informe um link https:// válido.")],
        help_text="Somente https://.",
    )
    superintendencia = models.ForeignKey(
        Superintendencia,
        verbose_name="superintendência",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webinars",
        help_text="Em branco: palestra nacional, divulgada para todas as superintendências.",
    )
    description = models.TextField("descrição", blank=True)
    cancelled = models.BooleanField(
        "cancelada", default=False, help_text="Continua na página, marcada como cancelada, e sai dos avisos."
    )
    sequence = models.PositiveIntegerField("revisão", default=0, editable=False)
    history = HistoricalRecords(verbose_name="histórico da palestra")

    class Meta:
        verbose_name = "palestra on-line (webinar)"
        verbose_name_plural = "palestras on-line (webinars)"
        ordering = ["start", "title"]

    def __str__(self) -> str:
        return f"{self.title} — {webinar_rule.brasilia_label(self.start)}" if self.start else self.title

    def save(self, *args: object, **kwargs: object) -> None:
        """Every save of an existing event is a new revision (a restored old version included)."""
        if self.pk is not None:
            stored = Webinar.objects.filter(pk=self.pk).values_list("sequence", flat=True).first()
            if stored is not None:
                self.sequence = max(stored, self.sequence) + 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)

    def as_event(self) -> webinar_rule.Event:
        return webinar_rule.Event(
            key=str(self.uid),
            title=self.title,
            start=self.start,
            duration=self.duration,
            link=self.link,
            region=self.superintendencia.code if self.superintendencia_id is not None else None,  # type: ignore[union-attr]
            cancelled=self.cancelled,
        )
