"""The log of lookups: who looked up which reference, when, and what they found. Written by the view, never edited."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from support.roles import PERMISSION_CODENAME


class LookupResult(models.TextChoices):
    FOUND = "found", "Encontrada"
    UNKNOWN = "unknown", "Não encontrada"
    OUT_OF_SCOPE = "out_of_scope", "De outra superintendência (não mostrada)"
    INVALID = "invalid", "Texto que não é uma referência"


class ReferenceLookup(models.Model):
    created_at = models.DateTimeField("data e hora", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="servidor",
        null=True,
        on_delete=models.SET_NULL,
        related_name="reference_lookups",
    )
    username = models.CharField("usuário", max_length=150, help_text="Guardado também em texto, se a conta sair.")
    typed = models.CharField("texto digitado", max_length=60)
    reference = models.CharField("referência", max_length=16, blank=True, db_index=True)
    result = models.CharField("resultado", max_length=16, choices=LookupResult.choices)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = "consulta por referência"
        verbose_name_plural = "consultas por referência"
        ordering = ["-created_at"]
        permissions = [(PERMISSION_CODENAME, "Pode consultar tentativas de login por referência (suporte)")]

    def __str__(self) -> str:
        return f"{self.reference or self.typed} ({self.get_result_display()})"
