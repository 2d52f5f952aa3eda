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
    provider = models.CharField(
        "prestador (PSC)",
        max_length=40,
        blank=True,
        help_text="Login com certificado em nuvem: o prestador de serviço de confiança que guarda a chave.",
    )
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
    revocation_status = models.CharField("revogação", max_length=16, blank=True)
    revocation_detail = models.CharField("detalhe da revogação", max_length=500, blank=True)
    revoked_at = models.DateTimeField("revogado em", null=True, blank=True)
    revocation_reason = models.CharField("motivo da revogação", max_length=24, blank=True)

    proxy_request_id = models.CharField("id da requisição no nginx", max_length=64, blank=True)
    proxy_verify = models.CharField("verificação do nginx", max_length=200, blank=True)
    fetched_issuers = models.CharField(
        "ACs obtidas pelo endereço AIA",
        max_length=1000,
        blank=True,
        help_text="ACs do caminho que não estavam no repositório de confiança e foram baixadas durante este login.",
    )

    class Meta:
        verbose_name = "tentativa de login"
        verbose_name_plural = "tentativas de login"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["outcome", "created_at"], name="certauth_outcome_time")]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_outcome_display()} {self.code}".strip()


class CrlIssuer(models.Model):
    """A CA whose CRL the store holds or wants: identified by its key, with the URLs learned for its CRL."""

    key_id = models.CharField("identificador da chave (SHA-256)", max_length=64, unique=True)
    name = models.CharField("AC", max_length=1000)
    urls = models.JSONField("endereços da LCR", default=list, blank=True)
    current = models.OneToOneField(
        "Crl", verbose_name="LCR vigente", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_attempt_at = models.DateTimeField("última tentativa de atualização", null=True, blank=True)
    last_error = models.TextField("último erro", blank=True)

    class Meta:
        verbose_name = "AC emissora de LCR"
        verbose_name_plural = "ACs emissoras de LCR"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CrlState(models.TextChoices):
    LOADING = "loading", "Carregando"
    CURRENT = "current", "Vigente"
    SUPERSEDED = "superseded", "Substituída"


class Crl(models.Model):
    """One verified CRL of an issuer. Its entries are :class:`RevokedSerial` rows, written in batches while the
    CRL is ``loading``; it becomes the issuer's ``current`` CRL in one short transaction."""

    issuer = models.ForeignKey(CrlIssuer, verbose_name="AC", on_delete=models.CASCADE, related_name="crls")
    number = models.CharField("número da LCR", max_length=60, blank=True)  # up to 20 octets: kept as decimal text
    this_update = models.DateTimeField("emitida em")
    next_update = models.DateTimeField("próxima atualização", null=True, blank=True)
    entries = models.PositiveIntegerField("certificados revogados")
    sha256 = models.CharField("SHA-256 do arquivo", max_length=64)
    source = models.CharField("origem", max_length=500)
    loaded_at = models.DateTimeField("carregada em", default=timezone.now)
    state = models.CharField("situação", max_length=12, choices=CrlState.choices, default=CrlState.LOADING)

    class Meta:
        verbose_name = "LCR"
        verbose_name_plural = "LCRs"

    def __str__(self) -> str:
        return f"LCR {self.number or '?'} de {self.issuer}"

    @property
    def number_value(self) -> int | None:
        return int(self.number) if self.number else None


class CrlFile(models.Model):
    """The CRL as published (DER), kept beside its index: the revocation date and reason of a listed serial are
    read from it when a revoked certificate is met — rare — so that loading a CRL indexes serials only."""

    crl = models.OneToOneField(Crl, on_delete=models.CASCADE, primary_key=True, related_name="file")
    der = models.BinaryField()

    class Meta:
        verbose_name = "arquivo de LCR"
        verbose_name_plural = "arquivos de LCR"

    def __str__(self) -> str:
        return f"arquivo da {self.crl}"


class RevokedSerial(models.Model):
    """One serial listed by a CRL. Written and deleted in bulk with SQL (a CRL may hold a million of them)."""

    # No index of its own: the (crl, serial) index below serves every query by crl.
    crl = models.ForeignKey(Crl, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    serial = models.CharField(max_length=48)  # upper-case hex, no leading zeros (as CertificateFacts.serial_hex)

    class Meta:
        indexes = [models.Index(fields=["crl", "serial"], name="certauth_revoked_lookup")]

    def __str__(self) -> str:
        return self.serial


class TrustSource(models.TextChoices):
    SEED = "seed", "Pasta distribuída com o portal"
    IMPORT = "import", "Importação do conjunto do ITI"
    AIA = "aia", "Obtida pelo endereço AIA"


class TrustedAuthority(models.Model):
    """An AC (intermediate CA) added to the trust store without a release. Roots are never stored here: they come
    from the settings only. A retired AC keeps its row (``removed_at``) so the history stays readable."""

    der = models.BinaryField("certificado (DER)")
    fingerprint = models.CharField("impressão digital SHA-256", max_length=64, unique=True)
    subject = models.CharField("AC", max_length=1000)
    issuer = models.CharField("emitida por", max_length=1000)
    key_id = models.CharField("identificador da chave", max_length=64, db_index=True)
    issuer_key_id = models.CharField("identificador da chave da emissora", max_length=64, blank=True)
    not_before = models.DateTimeField("válida desde")
    not_after = models.DateTimeField("válida até", db_index=True)
    source = models.CharField("origem", max_length=8, choices=TrustSource.choices)
    added_at = models.DateTimeField("incluída em", default=timezone.now)
    removed_at = models.DateTimeField("retirada em", null=True, blank=True)
    crl_urls = models.JSONField("endereços de LCR", default=list, blank=True)

    class Meta:
        verbose_name = "AC do repositório de confiança"
        verbose_name_plural = "ACs do repositório de confiança"
        ordering = ["subject"]

    def __str__(self) -> str:
        return self.subject


class TrustStoreImport(models.Model):
    """One run of ``manage.py trust_store import`` that changed (or tried to change) the store."""

    created_at = models.DateTimeField("data e hora", default=timezone.now, db_index=True)
    source = models.CharField("origem", max_length=1000)
    ok = models.BooleanField("concluída", default=True)
    added = models.PositiveIntegerField("incluídas", default=0)
    expired = models.PositiveIntegerField("vencidas", default=0)
    removed = models.PositiveIntegerField("retiradas", default=0)
    refused = models.PositiveIntegerField("recusadas", default=0)
    report = models.TextField("relatório", blank=True)

    class Meta:
        verbose_name = "importação do repositório de confiança"
        verbose_name_plural = "importações do repositório de confiança"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        name = self.source.rstrip("/").rsplit("/", 1)[-1][:60]  # the file, not the whole address (narrow screens)
        return f"Importação de {timezone.localtime(self.created_at):%d/%m/%Y %H:%M} ({name})"


class TrustStoreGeneration(models.Model):
    """One row: a count bumped by every change of the stored ACs. Each worker compares it with the one its
    validator was built from (at most every ``CERTAUTH_TRUST_STORE_RECHECK_SECONDS``) and rebuilds when it moved."""

    value = models.PositiveBigIntegerField("geração", default=0)
    changed_at = models.DateTimeField("alterada em", default=timezone.now)

    class Meta:
        verbose_name = "geração do repositório de confiança"
        verbose_name_plural = "geração do repositório de confiança"

    def __str__(self) -> str:
        return f"geração {self.value}"
