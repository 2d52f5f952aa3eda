"""The audit of login attempts: one row per attempt, accepted or refused, never edited."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from certauth.icp.errors import Reason


class LoginMethod(models.TextChoices):
    CERTIFICATE = "certificate", "Certificado digital A3 (token ou cartão)"
    PASSWORD = "password", "CPF e senha"
    CLOUD = "cloud", "Certificado digital A3 em nuvem"


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", "Aceita"
    REJECTED = "rejected", "Recusada"


class LoginAttempt(models.Model):
    reference = models.CharField("referência", max_length=16, unique=True)
    created_at = models.DateTimeField("data e hora", default=timezone.now, db_index=True)
    method = models.CharField("método", max_length=16, choices=LoginMethod.choices)
    outcome = models.CharField("resultado", max_length=10, choices=Outcome.choices)
    code = models.CharField(
        "código", max_length=32, blank=True, choices=[(r.value, r.value) for r in Reason], db_index=True
    )
    detail = models.TextField("detalhe", blank=True)

    cpf = models.CharField(
        "CPF",
        max_length=11,
        blank=True,
        db_index=True,
        help_text="Em tentativas recusadas, o CPF que o certificado declara (não verificado).",
    )
    holder_name = models.CharField("nome no certificado", max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="usuário",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_attempts",
    )
    organization_code = models.CharField("código da entidade", max_length=40, blank=True, db_index=True)
    organization_name = models.CharField("entidade", max_length=200, blank=True)

    cert_serial = models.CharField("número de série", max_length=80, blank=True, db_index=True)
    cert_subject = models.CharField("titular (DN)", max_length=1000, blank=True)
    cert_issuer = models.CharField("emissor (DN)", max_length=1000, blank=True)
    cert_fingerprint = models.CharField("impressão digital SHA-256", max_length=64, blank=True, db_index=True)
    cert_not_after = models.DateTimeField("validade do certificado", null=True, blank=True)
    cert_policy = models.CharField("política", max_length=64, blank=True)

    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("navegador", max_length=400, blank=True)
    proxy_request_id = models.CharField("id da requisição no nginx", max_length=64, blank=True)
    proxy_verify = models.CharField("verificação do nginx", max_length=200, blank=True)

    class Meta:
        verbose_name = "tentativa de login"
        verbose_name_plural = "tentativas de login"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["outcome", "created_at"], name="certauth_outcome_time")]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_outcome_display()} {self.code}".strip()
