"""Staff changes the status pages' snapshot does not show yet, noted in the same transaction as the change
(``TallyChange``): members and memberships by member, entities by entity (see ``portal.status.tally``).

Logins write nothing here: a login saves no member (``portal.services.record_member_login`` is one UPDATE) and the
pages find the members who logged in in the audit. A save that only records a login is skipped for the same reason.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from portal.models import Member, Membership, PartnerEntity
from portal.status.tally_models import TallyChange

#: Fields a login writes (the audit has the login): saving only these changes nothing the pages would miss.
LOGIN_FIELDS = frozenset(
    {"user", "first_a3_login_at", "last_certificate_login_at", "last_password_login_at", "certificate_not_after"}
)


def _note(*, member_id: int | None = None, entity_id: int | None = None) -> None:
    TallyChange.objects.create(at=timezone.now(), member_id=member_id, entity_id=entity_id)


@receiver(post_save, sender=Member, dispatch_uid="portal.status.member_saved")
def _member_saved(sender: Any, instance: Member, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if kwargs.get("raw") or (fields is not None and set(fields) <= LOGIN_FIELDS):
        return
    _note(member_id=instance.pk)


@receiver(post_delete, sender=Member, dispatch_uid="portal.status.member_deleted")
def _member_deleted(sender: Any, instance: Member, **kwargs: Any) -> None:
    _note(member_id=instance.pk)


@receiver(post_save, sender=Membership, dispatch_uid="portal.status.membership_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="portal.status.membership_deleted")
def _membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        _note(member_id=instance.member_id)


@receiver(post_save, sender=PartnerEntity, dispatch_uid="portal.status.entity_saved")
@receiver(post_delete, sender=PartnerEntity, dispatch_uid="portal.status.entity_deleted")
def _entity_changed(sender: Any, instance: PartnerEntity, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        _note(entity_id=instance.pk)
