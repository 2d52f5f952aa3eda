"""The PSC registry (managed by staff in the admin), the cloud login flows in progress, and the rate limits' lock
rows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cloudauth import sealing
from cloudauth.conf import settings
from cloudauth.psc.adapters import ADAPTERS
from cloudauth.psc.client import PscConfig


def _validate_base_url(value: str) -> None:
    if not value.startswith("https://") and not (settings.ALLOW_HTTP and value.startswith("http://")):
        raise ValidationError("O endereço do prestador deve usar https://.")
    if "?" in value or "#" in value:
        raise ValidationError("Informe só o endereço base, sem parâmetros.")


class Provider(models.Model):
    """A PSC (Prestador de Serviço de Confiança) whose API v0 the portal calls for cloud A3 logins."""

    slug = models.SlugField(
        "nome curto",
        max_length=30,
        unique=True,
        help_text="Ex.: vidaas, birdid, neoid. O login é registrado como x509_<nome curto>, como no gov.br.",
    )
    name = models.CharField("nome exibido", max_length=80, help_text="Ex.: VIDaaS (Valid).")
    base_url = models.CharField(
        "endereço base",
        max_length=200,
        validators=[_validate_base_url],
        help_text="Ex.: https://certificado.vidaas.com.br (sem /v0/oauth).",
    )
    path_prefix = models.CharField(
        "prefixo do caminho",
        max_length=120,
        blank=True,
        help_text="Parte antes de /v0/oauth (NeoID: /psc). Em branco: o padrão do adaptador.",
    )
    adapter = models.CharField(
        "adaptador",
        max_length=20,
        choices=[(key, adapter.label) for key, adapter in ADAPTERS.items()],
        default="padrao",
        help_text="Desvios deste prestador em relação ao padrão (codificação do hash, pedido de token, notificação).",
    )
    client_id = models.CharField("client_id", max_length=200)
    #: Sealed (``cloudauth.sealing``): never stored, nor shown, in clear.
    client_secret = models.CharField("client_secret", max_length=1000)
    enabled = models.BooleanField("ativo", default=True)
    position = models.PositiveSmallIntegerField("ordem de exibição", default=0)
    updated_at = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        verbose_name = "prestador de serviço de confiança (PSC)"
        verbose_name_plural = "prestadores de serviço de confiança (PSC)"
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def amr(self) -> str:
        return f"x509_{self.slug}"

    @property
    def offers_push(self) -> bool:
        """Approval by a notification on the phone (the adapter's push), besides the redirect."""
        return ADAPTERS[self.adapter].push

    def config(self) -> PscConfig:
        """The PSC's configuration for the client (``sealing.UnreadableSecret`` if its secret cannot be opened)."""
        return PscConfig(
            slug=self.slug,
            name=self.name,
            base_url=self.base_url,
            client_id=self.client_id,
            client_secret=sealing.unseal(self.client_secret),
            adapter=ADAPTERS[self.adapter],
            path_prefix=self.path_prefix or None,
        )


class CloudLogin(models.Model):
    """One cloud login in progress: the CPF typed, what discovery found, then the challenge for the chosen PSC.

    Bound to the pre-login session (a random value kept in the session; its SHA-256 here), used once.
    The rows also count the attempts for the rate limits (``cloudauth.ratelimit``; ``source`` says who started it:
    a known browser, or an address), and are deleted after a day.
    """

    public_id = models.CharField(max_length=32, unique=True)
    binding_digest = models.CharField(max_length=64)
    cpf = models.CharField("CPF", max_length=11, db_index=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True, db_index=True)
    source = models.CharField("origem (limites)", max_length=80, blank=True, db_index=True)
    created_at = models.DateTimeField("início", default=timezone.now, db_index=True)
    expires_at = models.DateTimeField("expira em")
    offered = models.JSONField("resultado da localização", default=list, blank=True)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField("state (OAuth)", max_length=64, unique=True, null=True, blank=True)
    code_verifier = models.CharField(max_length=128, blank=True)
    nonce = models.CharField(max_length=32, blank=True)
    challenge_issued_at = models.DateTimeField(null=True, blank=True)
    push_code = models.CharField(max_length=200, blank=True)
    push_deadline = models.DateTimeField(null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField("concluído em", null=True, blank=True)
    #: Where the login brings the user back (a safe ``next``, checked again when used); kept here, on the server,
    #: through the round trip to the PSC, which never sees it. The length: ``portal.next_url.MAX_LENGTH``.
    next_url = models.CharField("destino após o login", max_length=2048, blank=True, default="")

    class Meta:
        verbose_name = "login em nuvem em andamento"
        verbose_name_plural = "logins em nuvem em andamento"

    def __str__(self) -> str:
        return self.public_id


class RateLimitLock(models.Model):
    """One row per rate-limit key (a CPF, an address), locked by every start that counts under that key: the count
    and the new flow's insert then happen one start at a time (``cloudauth.ratelimit``). The key is a SHA-256
    digest (no CPF or address in clear); rows untouched for a day are deleted."""

    key = models.CharField(max_length=64, primary_key=True)
    touched_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "trava de limite de tentativas"
        verbose_name_plural = "travas de limite de tentativas"

    def __str__(self) -> str:
        return self.key
