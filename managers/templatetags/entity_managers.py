"""``{% managed_entities_of user as entities %}``: the entities the user manages (the dashboard's link)."""

from __future__ import annotations

from typing import Any

from django import template

from managers.access import managed_entities
from portal.models import PartnerEntity

register = template.Library()


@register.simple_tag
def managed_entities_of(user: Any) -> list[PartnerEntity]:
    return list(managed_entities(user))
