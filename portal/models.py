"""Partner entities (ACT), their members, and the user accounts members log in with."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.decorators import display
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models.functions import Lower
from localflavor.br.models import BRStateField
from simple_history.models import HistoricalRecords

from certauth.icp.numbers import is_valid_cpf, mask_cpf, mask_cpfs, normalize_cpf, normalize_oab_number
from rollout.regions import region_for_uf


def validate_email_list(value: str) -> None:
    for address in split_emails(value):
        validate_email(address)


def validate_cpf(value: str) -> None:
    if not is_valid_cpf(normalize_cpf(value)):
        raise ValidationError("CPF inválido.", code="invalid_cpf")


class User(AbstractUser):  # type: ignore[django-manager-missing]  # oidc.Client.user (django-oauth-toolkit, untyped)
    """Accounts of INSS staff and of members (a member's username is their CPF).

    ``cpf`` is set for INSS staff, who enter the admin with their own A3 certificate (members are found through
    :class:`Member`)."""

    cpf = models.CharField("CPF", max_length=11, unique=True, null=True, blank=True, validators=[validate_cpf])

    class Meta:
        verbose_name = "usuário"
        verbose_name_plural = "usuários"

    def __str__(self) -> str:
        """How pages name the account (the admin's columns, histories, audit): a member's is their CPF, masked."""
        return mask_cpfs(self.get_username())


class EntityKind(models.TextChoices):
    OAB = "oab", "Seccional da OAB"
    MUNICIPIO = "municipio", "Município"
    OUTRA = "outra", "Outra entidade"


class EntityStatus(models.TextChoices):
    ACTIVE = "active", "Ativa"
    SUSPENDED = "suspended", "Suspensa"
    ENDED = "ended", "Encerrada"


class PartnerEntity(models.Model):
    """A body with a Technical Cooperation Agreement (ACT) with the INSS."""

    code = models.CharField("código", max_length=40, unique=True)
    name = models.CharField("nome", max_length=200)
    kind = models.CharField("tipo", max_length=12, choices=EntityKind.choices)
    uf = BRStateField("UF")
    act_number = models.CharField("número do ACT", max_length=60, blank=True)
    act_signed_on = models.DateField("assinatura do ACT", null=True, blank=True)
    act_ends_on = models.DateField("término do ACT", null=True, blank=True)
    status = models.CharField("situação", max_length=10, choices=EntityStatus.choices, default=EntityStatus.ACTIVE)
    gex = models.ForeignKey(
        "rollout.GerenciaExecutiva",
        verbose_name="gerência-executiva",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entities",
    )
    contact_email = models.EmailField("e-mail de contato", blank=True)
    other_emails = models.CharField(
        "outros e-mails",
        max_length=500,
        blank=True,
        validators=[validate_email_list],
        help_text="Separados por vírgula.",
    )
    phone = models.CharField("telefone", max_length=40, blank=True)
    notes = models.TextField("observações", blank=True)
    created_at = models.DateTimeField("criada em", auto_now_add=True)
    updated_at = models.DateTimeField("atualizada em", auto_now=True)
    history = HistoricalRecords(verbose_name="histórico da entidade")

    class Meta:
        verbose_name = "entidade parceira"
        verbose_name_plural = "entidades parceiras"
        permissions = [("view_migration_status", "Pode acompanhar a migração para o certificado A3")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == EntityStatus.ACTIVE

    def clean(self) -> None:
        super().clean()
        if self.gex is not None and self.uf:
            region = self.gex.superintendencia
            if self.uf.upper() not in region.ufs:
                raise ValidationError(
                    {"gex": f"A {self.gex} pertence à {region}, que não abrange a UF {self.uf.upper()}."}
                )

    @property
    @display(description="superintendência")  # the admin's column and field label (not "Superintendencia")
    def superintendencia(self) -> str:
        """Derived from the UF (Anexo I), for every kind of entity."""
        region = region_for_uf(self.uf)
        return region.name if region else ""

    @property
    def contact_emails(self) -> list[str]:
        return [e for e in [self.contact_email, *split_emails(self.other_emails)] if e]


class Member(models.Model):
    """A person who acts for one or more partner entities (a lawyer, a municipal operator…)."""

    cpf = models.CharField("CPF", max_length=11, unique=True, validators=[validate_cpf])
    name = models.CharField("nome", max_length=200)
    email = models.EmailField("e-mail", blank=True)
    active = models.BooleanField("ativo", default=True)
    user = models.OneToOneField(
        User, verbose_name="usuário", null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    entities = models.ManyToManyField(PartnerEntity, through="Membership", related_name="members")
    first_a3_login_at = models.DateTimeField("primeiro login com A3", null=True, blank=True, db_index=True)
    last_certificate_login_at = models.DateTimeField("último login com certificado", null=True, blank=True)
    last_password_login_at = models.DateTimeField("último login com senha", null=True, blank=True)
    #: Expiry of the certificate of the member's last certificate login (renewal reminders and flags).
    certificate_not_after = models.DateTimeField("validade do último certificado usado", null=True, blank=True)
    created_at = models.DateTimeField("criado em", auto_now_add=True)
    history = HistoricalRecords(
        verbose_name="histórico do membro",
        excluded_fields=[
            "first_a3_login_at",
            "last_certificate_login_at",
            "last_password_login_at",
            "certificate_not_after",  # bookkeeping, not changes
        ],
    )

    class Meta:
        verbose_name = "membro"
        verbose_name_plural = "membros"
        ordering = ["name"]
        permissions = [("export_personal_data", "Pode exportar dados pessoais de membros (LGPD)")]

    def __str__(self) -> str:
        return f"{self.name} ({mask_cpf(self.cpf)})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if self.user_id is not None:  # the login account shows the member's current name and e-mail
            first, _, last = self.name.partition(" ")
            User.objects.filter(pk=self.user_id).update(first_name=first[:150], last_name=last[:150], email=self.email)

    def clean(self) -> None:
        self.cpf = normalize_cpf(self.cpf)

    @property
    def masked_cpf(self) -> str:
        return mask_cpf(self.cpf)


class OabRegistration(models.Model):
    """An OAB registration of a member: number without leading zeros + UF of the section."""

    member = models.ForeignKey(
        Member, verbose_name="membro", on_delete=models.CASCADE, related_name="oab_registrations"
    )
    number = models.CharField("número", max_length=10)
    uf = BRStateField("UF")
    main = models.BooleanField("principal", default=True)
    history = HistoricalRecords(verbose_name="histórico da inscrição")

    class Meta:
        verbose_name = "inscrição na OAB"
        verbose_name_plural = "inscrições na OAB"
        constraints = [models.UniqueConstraint(Lower("number"), "uf", name="portal_oab_unique_number_uf")]

    def __str__(self) -> str:
        return f"{self.number}/{self.uf}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.number = normalize_oab_number(self.number)
        self.uf = self.uf.upper()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def matches(self, number: str, uf: str) -> bool:
        return normalize_oab_number(number) == normalize_oab_number(self.number) and uf.upper() == self.uf


class Membership(models.Model):
    member = models.ForeignKey(Member, verbose_name="membro", on_delete=models.CASCADE, related_name="memberships")
    entity = models.ForeignKey(
        PartnerEntity, verbose_name="entidade", on_delete=models.CASCADE, related_name="memberships"
    )
    active = models.BooleanField("ativo", default=True)
    history = HistoricalRecords(verbose_name="histórico do vínculo")

    class Meta:
        verbose_name = "vínculo"
        verbose_name_plural = "vínculos"
        constraints = [models.UniqueConstraint("member", "entity", name="portal_membership_unique")]

    def __str__(self) -> str:
        return f"{self.member} — {self.entity}"


class EntitySelection(models.Model):
    """Which entity a member acts for in a session: chosen after login (or the only one), and each switch."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="entity_selections")
    entity = models.ForeignKey(PartnerEntity, on_delete=models.CASCADE, related_name="selections")
    login_reference = models.CharField("referência do login", max_length=16, blank=True, db_index=True)
    selected_at = models.DateTimeField("escolhida em", auto_now_add=True)

    class Meta:
        verbose_name = "escolha de entidade"
        verbose_name_plural = "escolhas de entidade"
        ordering = ["-selected_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.entity}"


def split_emails(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class DayStat(models.Model):
    """One day's (Brasília time) count of one kind of event in one superintendência, consolidated from the audit and
    the member records once the day is over (past days never change): the status pages' charts read these instead
    of millions of audit rows. ``region`` is a superintendência code, or "" when the event has no entity."""

    class Kind(models.TextChoices):
        LOGIN = "login", "login aceito (por método)"
        REJECTION = "rejection", "tentativa recusada (por código)"
        FIRST_A3 = "first_a3", "primeiro login com A3"

    day = models.DateField("dia")
    region = models.CharField("superintendência", max_length=40, blank=True)
    kind = models.CharField("tipo", max_length=12, choices=Kind.choices)
    key = models.CharField("chave", max_length=32, blank=True)
    count = models.PositiveIntegerField("quantidade")

    class Meta:
        verbose_name = "estatística diária"
        verbose_name_plural = "estatísticas diárias"
        constraints = [models.UniqueConstraint(fields=["day", "region", "kind", "key"], name="portal_daystat_unique")]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.region or '-'} {self.kind} {self.key}: {self.count}"


class DayStatDone(models.Model):
    """The days already consolidated (a day without any event has no DayStat row but is done all the same)."""

    day = models.DateField("dia", primary_key=True)
    done_at = models.DateTimeField("consolidado em", auto_now_add=True)

    class Meta:
        verbose_name = "dia consolidado"
        verbose_name_plural = "dias consolidados"

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"


class PortalSession(AbstractBaseSession):
    """Django's database session, findable by the user it belongs to (``portal.sessions.SessionStore``).

    ``user`` and ``logged_in_at`` are copied from the session's data whenever it is saved. ``access_changed_at`` and
    ``end_requested_at`` are written only by ``portal.session_access`` — never by a save of the session — when staff
    change something the session's access depends on (member, membership, entity, schedule, account), or end it:
    the middlewares re-evaluate (or end) the session at its next request.
    """

    # No database constraint: a session may outlive its account for a moment (Django answers it as anonymous).
    user = models.ForeignKey(
        User,
        verbose_name="usuário",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    logged_in_at = models.DateTimeField("entrada", null=True, blank=True)
    #: Key ids of the ACs that issued the certificates of a certificate session's path (space-separated): a new CRL
    #: of one of them marks the session (``access_changed_at``), which re-checks its path at its next request.
    path_issuers = models.CharField("ACs do caminho", max_length=600, blank=True, default="")
    access_changed_at = models.DateTimeField("acesso alterado em", null=True, blank=True)
    #: Counts those changes: a middleware re-evaluates the session when the count differs from the one it saw at its
    #: last check — a count, not an instant, so a change committed after a concurrent check is never missed.
    access_generation = models.PositiveIntegerField("alterações de acesso", default=0)
    #: Staff ended this session (``portal.session_access.end_sessions``): it ends at its next request.
    end_requested_at = models.DateTimeField("encerramento pedido em", null=True, blank=True)

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        from portal.sessions import SessionStore

        return SessionStore

    class Meta(AbstractBaseSession.Meta):
        db_table = "portal_session"
        verbose_name = "sessão"
        verbose_name_plural = "sessões"


from portal.status.tally_models import EntityTally, MembershipMark, TallyChange, TallySnapshot  # noqa: E402, F401
