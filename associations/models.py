"""Associations that coordinate partner entities (issue 19 §2): an association of municipalities (e.g. AAM) groups
its municipalities under its ACT; its coordinators — members with their own A3 certificate — follow their migration
(``associations.views``), export who has not logged in with A3 yet and get the before-cutover summaries of all of
them in one e-mail (``associations.digest``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.models import Member, PartnerEntity, User


class Association(models.Model):
    """An association of partner entities; it may itself be a partner entity (``entity``)."""

    code = models.CharField("código", max_length=40, unique=True)
    name = models.CharField("nome", max_length=200)
    #: Blank: a national association (only national staff see it in the admin).
    uf = models.CharField("UF", max_length=2, blank=True)
    contact_email = models.EmailField("e-mail de contato", blank=True)
    entity = models.OneToOneField(
        PartnerEntity,
        verbose_name="entidade parceira que a associação também é",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="as_association",
    )
    entities = models.ManyToManyField(
        PartnerEntity, through="AssociatedEntity", related_name="associations", verbose_name="entidades"
    )
    history = HistoricalRecords(verbose_name="histórico da associação")

    class Meta:
        verbose_name = "associação"
        verbose_name_plural = "associações"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssociatedEntity(models.Model):
    """A partner entity the association coordinates (ended by deactivation: the history keeps who and when)."""

    association = models.ForeignKey(
        Association, verbose_name="associação", on_delete=models.CASCADE, related_name="links"
    )
    entity = models.ForeignKey(
        PartnerEntity, verbose_name="entidade", on_delete=models.CASCADE, related_name="association_links"
    )
    active = models.BooleanField("ativa", default=True)
    added_at = models.DateTimeField("incluída em", default=timezone.now)
    history = HistoricalRecords(verbose_name="histórico da entidade associada")

    class Meta:
        verbose_name = "entidade associada"
        verbose_name_plural = "entidades associadas"
        ordering = ["entity__name"]
        constraints = [models.UniqueConstraint("association", "entity", name="associations_entity_unique")]

    def __str__(self) -> str:
        return f"{self.entity} — {self.association}"


class Coordinator(models.Model):
    """A member named coordinator of an association by INSS staff: counts while active and the member active, and
    only in a session made with an A3 certificate (``associations.access``)."""

    member = models.ForeignKey(Member, verbose_name="membro", on_delete=models.CASCADE, related_name="coordinations")
    association = models.ForeignKey(
        Association, verbose_name="associação", on_delete=models.CASCADE, related_name="coordinators"
    )
    active = models.BooleanField("ativo", default=True)
    appointed_by = models.ForeignKey(
        User, verbose_name="nomeado por", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointed_at = models.DateTimeField("nomeado em", default=timezone.now)
    notes = models.CharField("observações", max_length=300, blank=True)
    history = HistoricalRecords(verbose_name="histórico do coordenador")

    class Meta:
        verbose_name = "coordenador de associação"
        verbose_name_plural = "coordenadores de associações"
        ordering = ["association__name", "member__name"]
        constraints = [models.UniqueConstraint("member", "association", name="associations_coordinator_unique")]

    def __str__(self) -> str:
        return f"{self.member} — coordenador de {self.association}"

    def clean(self) -> None:
        # A coordinator is bound like a member: an existing, active one (the certificate login finds them by CPF).
        if self.member_id is not None and self.active and not self.member.active:
            raise ValidationError({"member": "O coordenador deve ser um membro ativo."})


class DigestSent(models.Model):
    """The association's before-cutover summary sent to one address on one day (Brasília): the unique constraint
    makes ``manage.py associations remind`` idempotent per day."""

    association = models.ForeignKey(Association, verbose_name="associação", on_delete=models.CASCADE, related_name="+")
    recipient = models.EmailField("destinatário")
    sent_on = models.DateField("dia")
    sent_at = models.DateTimeField("enviado em", default=timezone.now)
    entities = models.PositiveIntegerField("entidades no resumo", default=0)
    #: The (entity code, reminder step) pairs this summary covered, "CODE:step" separated by spaces: the next day's
    #: summary goes out only when an entity reached a step not covered yet (no daily e-mail without news).
    covered = models.TextField("etapas cobertas", blank=True)

    class Meta:
        verbose_name = "resumo enviado à associação"
        verbose_name_plural = "resumos enviados às associações"
        constraints = [
            models.UniqueConstraint("association", "recipient", "sent_on", name="associations_digest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.association} → {self.recipient} ({self.sent_on:%d/%m/%Y})"
