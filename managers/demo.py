"""The demo's entity managers (``make run``; called by ``portal.demo.load_demo_data``): the OAB-SP lawyer manages
her section, the municipal operator her municipality. Idempotent; a member the database holds as its own (not the
demo's) is left alone, as ``portal.demo`` leaves it."""

from __future__ import annotations

from certauth.demo import DEMO_CERTIFICATES
from managers.models import EntityManager
from portal.models import Member, PartnerEntity

#: certificate slug → the entity code it manages
MANAGERS = {"advogada-oab-sp": "OAB-SP", "operadora-municipal": "MUN-MANAUS"}


def load_demo_managers(entities: dict[str, PartnerEntity], *, demo_domain: str) -> int:
    """Name the demo's managers; how many appointments are in place."""
    by_slug = {c.slug: c.spec for c in DEMO_CERTIFICATES}
    loaded = 0
    for slug, code in MANAGERS.items():
        member = Member.objects.filter(cpf=by_slug[slug].cpf, email__endswith=f"@{demo_domain}").first()
        if member is None or code not in entities:
            continue
        EntityManager.objects.update_or_create(
            member=member, entity=entities[code], defaults={"active": True, "notes": "demonstração"}
        )
        loaded += 1
    return loaded
