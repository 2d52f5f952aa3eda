"""Open password sessions follow schedule changes at their next request (``portal.session_access``); a
Gerência-Executiva gets its staff groups when saved (``portal.groups.ensure_gex_groups``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.models import Member
from portal.session_access import members_users, request_recheck
from rollout.models import EntityOverride, GerenciaExecutiva, Wave


@receiver(post_save, sender=Wave, dispatch_uid="rollout.recheck_wave")
@receiver(post_delete, sender=Wave, dispatch_uid="rollout.recheck_wave_deleted")
def _wave_changed(sender: Any, instance: Wave, **kwargs: Any) -> None:
    # A wave covers UFs and kinds of entities: rare enough to simply re-check every open session.
    request_recheck(everyone=True)


@receiver(post_save, sender=EntityOverride, dispatch_uid="rollout.recheck_override")
@receiver(post_delete, sender=EntityOverride, dispatch_uid="rollout.recheck_override_deleted")
def _override_changed(sender: Any, instance: EntityOverride, **kwargs: Any) -> None:
    request_recheck(user_ids=members_users(Member.objects.filter(memberships__entity_id=instance.entity_id)))


@receiver(post_save, sender=GerenciaExecutiva, dispatch_uid="rollout.gex_groups")
def _gex_saved(sender: Any, instance: GerenciaExecutiva, raw: bool = False, **kwargs: Any) -> None:
    # Its staff groups ("GEX <nome> — consulta" and "— gestão") exist as soon as it does, and follow its name.
    if not raw:
        from portal.groups import ensure_gex_groups

        ensure_gex_groups(instance)
