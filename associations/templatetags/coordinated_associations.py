"""``{% coordinated_associations_of user as associations %}``: the associations the user coordinates (the
dashboard's link)."""

from __future__ import annotations

from typing import Any

from django import template

from associations.access import coordinated_associations
from associations.models import Association

register = template.Library()


@register.simple_tag
def coordinated_associations_of(user: Any) -> list[Association]:
    return list(coordinated_associations(user))
