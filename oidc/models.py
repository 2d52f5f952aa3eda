"""The provider's data: the clients INSS staff register, which portal session handed tokens to which client, and
the back-channel logouts owed to clients (an outbox, retried until delivered)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from oauth2_provider.models import AbstractApplication
from simple_history.models import HistoricalRecords


def new_sid() -> str:
    return secrets.token_urlsafe(24)


def default_allowed_scopes() -> str:
    """Every scope the provider knows: a client registered without a choice may ask for all of them (staff narrow
    it in the admin or with ``oidc_client add --scope``)."""
    from oidc.provider_settings import SCOPES

    return " ".join(SCOPES)


class Client(AbstractApplication):  # type: ignore[misc]  # django-oauth-toolkit is untyped
    """A relying party (the PAT, another INSS system): DOT's application plus what back-channel logout and the
    Portaria need. ``OAUTH2_PROVIDER_APPLICATION_MODEL = "oidc.Client"``."""

    backchannel_logout_uri = models.URLField(
        "URI de logout por canal de retaguarda",
        blank=True,
        help_text="Recebe o logout token (OpenID Connect Back-Channel Logout 1.0) quando a sessão no portal termina.",
    )
    a3_only = models.BooleanField(
        "somente certificado A3",
        default=False,
        help_text="Sessões abertas com login e senha são enviadas ao login por certificado antes de receber tokens.",
    )
    allowed_scopes = models.TextField(
        "escopos permitidos",
        default=default_allowed_scopes,
        help_text="Escopos que o cliente pode pedir, separados por espaço; um pedido com outro escopo é recusado.",
    )
    history = HistoricalRecords(excluded_fields=["client_secret"], table_name="oidc_historicalclient")

    class Meta(AbstractApplication.Meta):  # type: ignore[misc]
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "cliente OpenID Connect"
        verbose_name_plural = "clientes OpenID Connect"

    def __str__(self) -> str:
        return str(self.name or self.client_id)

    @property
    def get_absolute_url(self) -> Any:
        """Absent: django-oauth-toolkit links a client to its application-management pages, which the portal does not
        serve (staff register clients in the admin); a client has no page outside the admin (``hasattr`` is False
        for the admin's "view on site")."""
        raise AttributeError("get_absolute_url")


class SessionClient(models.Model):
    """A portal session that handed a code to a client: its ``sid`` (in the ID token and the logout token), how the
    session logged in (the claims' source), and whether it ended."""

    session_key = models.CharField("sessão", max_length=64, db_index=True)
    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE)
    # an account deleted while its logout is owed must not take the logout with it (it goes out by sid)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False)
    sid = models.CharField(max_length=64, unique=True, default=new_sid)
    facts: models.JSONField[dict[str, Any]] = models.JSONField("dados da sessão", default=dict)
    created_at = models.DateTimeField("criada em", auto_now_add=True)
    #: The session row's count of access changes when the worker last re-evaluated it (``access_generation``).
    checked_generation = models.BigIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField("encerrada em", null=True, blank=True, db_index=True)
    end_reason = models.CharField("motivo", max_length=40, blank=True)

    class Meta:
        verbose_name = "sessão com cliente"
        verbose_name_plural = "sessões com clientes"
        constraints = [models.UniqueConstraint(fields=["session_key", "client"], name="oidc_one_link_per_client")]

    def __str__(self) -> str:
        return f"{self.client} · {self.sid[:8]}"


class SessionToken(models.Model):
    """A refresh-token family (DOT's ``token_family``, kept across rotations) issued for a session and client."""

    session_client = models.ForeignKey(SessionClient, on_delete=models.CASCADE, related_name="tokens")
    token_family = models.UUIDField(unique=True)

    def __str__(self) -> str:
        return str(self.token_family)


class LogoutDelivery(models.Model):
    """A logout token owed to a client's back-channel URI, retried with backoff until delivered (or given up)."""

    session_client = models.OneToOneField(SessionClient, on_delete=models.CASCADE, related_name="delivery")
    created_at = models.DateTimeField("criado em", auto_now_add=True)
    attempts = models.PositiveIntegerField("tentativas", default=0)
    next_attempt_at = models.DateTimeField("próxima tentativa")
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField("entregue em", null=True, blank=True)
    gave_up_at = models.DateTimeField("abandonado em", null=True, blank=True)
    last_status = models.CharField("último resultado", max_length=200, blank=True)

    class Meta:
        verbose_name = "logout por canal de retaguarda"
        verbose_name_plural = "logouts por canal de retaguarda"
        indexes = [  # every host's worker looks for due rows every second: only the pending ones are indexed
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True, gave_up_at__isnull=True),
                name="oidc_logout_due",
            )
        ]

    def __str__(self) -> str:
        return str(self.session_client)


class CodeLink(models.Model):
    """The session an authorization code was issued for, until the code is exchanged (by its checksum: the code
    itself is never stored twice)."""

    code_checksum = models.CharField(max_length=64, unique=True)
    session_client = models.ForeignKey(SessionClient, on_delete=models.CASCADE, related_name="codes")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code_checksum[:12]
