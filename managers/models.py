"""Entity managers (gestores): members a partner entity names to keep its member list in the portal, and the
reminders they send (at most one a day to each member)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from portal.models import Member, PartnerEntity, User


class EntityManager(models.Model):
    """A member named manager of a partner entity by INSS staff (``managers.admin``).

    The appointment counts only while it is active, the member active, their membership in the entity active and
    the entity active (``managers.access``)."""

    member = models.ForeignKey(Member, verbose_name="membro", on_delete=models.CASCADE, related_name="managed")
    entity = models.ForeignKey(
        PartnerEntity, verbose_name="entidade", on_delete=models.CASCADE, related_name="managers"
    )
    active = models.BooleanField("ativo", default=True)
    appointed_by = models.ForeignKey(
        User, verbose_name="nomeado por", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointed_at = models.DateTimeField("nomeado em", default=timezone.now)
    notes = models.CharField("observações", max_length=300, blank=True)
    history = HistoricalRecords(verbose_name="histórico do gestor")

    class Meta:
        verbose_name = "gestor da entidade"
        verbose_name_plural = "gestores das entidades"
        ordering = ["entity__name", "member__name"]
        constraints = [models.UniqueConstraint("member", "entity", name="managers_manager_unique")]

    def __str__(self) -> str:
        return f"{self.member} — gestor de {self.entity}"


class MemberReminder(models.Model):
    """A reminder e-mail a manager sent to a member (to log in with A3, or to renew a certificate): one a day."""

    member = models.ForeignKey(Member, verbose_name="membro", on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey(PartnerEntity, verbose_name="entidade", on_delete=models.CASCADE, related_name="+")
    sent_by = models.ForeignKey(
        User, verbose_name="enviado por", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The day in Brasília: the unique constraint is the rate limit (two managers clicking at once send one).
    sent_on = models.DateField("dia")
    sent_at = models.DateTimeField("enviado em", default=timezone.now)

    class Meta:
        verbose_name = "lembrete de gestor"
        verbose_name_plural = "lembretes de gestores"
        constraints = [models.UniqueConstraint("member", "sent_on", name="managers_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.member} — {self.sent_on:%d/%m/%Y}"
