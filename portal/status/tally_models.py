"""The status pages' maintained figures: a snapshot of every counted membership and its sum per entity, plus the
changes staff made since (see ``portal.status.tally`` for how the pages combine them).

Plain integer columns, no foreign keys: a snapshot describes the members and entities as they were when it was
taken, and must neither block nor follow a later deletion (the pages subtract what a deleted member counted).
"""

from __future__ import annotations

from django.db import models


class TallySnapshot(models.Model):
    """One generation of the maintained figures: the rows of ``EntityTally`` and ``MembershipMark`` with its id were
    all taken at ``taken_at`` (in one transaction). The pages read the latest one."""

    taken_at = models.DateTimeField("tirado em")
    #: Instants kept in the tallies' lists are those that can count for this long after ``taken_at``.
    valid_seconds = models.PositiveIntegerField("válido por (s)")
    memberships = models.PositiveIntegerField("vínculos contados", default=0)
    seconds = models.FloatField("duração (s)", default=0.0)

    class Meta:
        app_label = "portal"
        verbose_name = "retrato do acompanhamento"
        verbose_name_plural = "retratos do acompanhamento"

    def __str__(self) -> str:
        return f"{self.pk} ({self.taken_at:%d/%m/%Y %H:%M})"


class EntityTally(models.Model):
    """One entity's figures when the snapshot was taken: sums of its counted memberships (active membership, active
    member, active entity). Any grouping of entities (superintendência, GEX, association) sums these rows."""

    snapshot = models.PositiveIntegerField("retrato")
    entity_id = models.PositiveBigIntegerField("entidade")
    members = models.PositiveIntegerField("membros", default=0)
    members_a3 = models.PositiveIntegerField("com login A3", default=0)
    members_never = models.PositiveIntegerField("nunca entraram", default=0)
    last_password_login_at = models.DateTimeField("último login com senha", null=True, blank=True)
    #: Members' last password logins that may still be "recent" while the snapshot is valid: how many are recent
    #: during its whole validity, then those at the window's edge, whose count moves with the clock (µs since the
    #: epoch): ``"<count>;<instant>,…"`` (``tally_math.encode``).
    password_logins = models.TextField("logins com senha recentes", blank=True, default="")
    #: Members' certificate expiries that may fall within the "expiring soon" window while the snapshot is valid
    #: (the same form: how many fall within it during the whole validity, then those at its edges).
    certificate_expiries = models.TextField("validades próximas", blank=True, default="")

    class Meta:
        app_label = "portal"
        verbose_name = "números de entidade"
        verbose_name_plural = "números de entidades"
        constraints = [models.UniqueConstraint(fields=["snapshot", "entity_id"], name="portal_entitytally_unique")]

    def __str__(self) -> str:
        return f"{self.snapshot}/{self.entity_id}: {self.members}"


class MembershipMark(models.Model):
    """What one counted membership contributed to its entity's tally when the snapshot was taken: the pages subtract
    it when the member changed since (a login, an edit, a deletion) and add what the member counts now."""

    snapshot = models.PositiveIntegerField("retrato")
    member_id = models.PositiveBigIntegerField("membro")
    entity_id = models.PositiveBigIntegerField("entidade")
    a3 = models.BooleanField("com login A3")
    never = models.BooleanField("nunca entrou")
    last_password_login_at = models.DateTimeField("último login com senha", null=True, blank=True)
    certificate_not_after = models.DateTimeField("validade do último certificado", null=True, blank=True)

    class Meta:
        app_label = "portal"
        verbose_name = "vínculo no retrato"
        verbose_name_plural = "vínculos no retrato"
        indexes = [models.Index(fields=["member_id", "snapshot"], name="portal_mark_member")]

    def __str__(self) -> str:
        return f"{self.snapshot}/{self.member_id}@{self.entity_id}"


class TallyChange(models.Model):
    """A change staff made that the snapshot does not show: a member (edited, deleted, a membership added, moved or
    deactivated, an import) or an entity (created, suspended, moved to another UF). Written by
    ``portal.status.receivers``; logins are found in the audit instead (they write no row here)."""

    at = models.DateTimeField("em", db_index=True)
    member_id = models.PositiveBigIntegerField("membro", null=True, blank=True)
    entity_id = models.PositiveBigIntegerField("entidade", null=True, blank=True)

    class Meta:
        app_label = "portal"
        verbose_name = "alteração para o acompanhamento"
        verbose_name_plural = "alterações para o acompanhamento"

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} membro {self.member_id or '-'} entidade {self.entity_id or '-'}"
