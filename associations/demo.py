"""The demo's association (``make run``; called by ``portal.demo.load_demo_data``): AAM — Associação Amazonense de
Municípios, itself a partner entity, coordinating Manaus and Parintins; its coordinator logs in with the
``coordenador-aam`` certificate. Idempotent; a member the database holds as its own (not the demo's) is left alone,
as ``portal.demo`` leaves it."""

from __future__ import annotations

from associations.models import AssociatedEntity, Association, Coordinator
from certauth.demo import DEMO_CERTIFICATES
from portal.models import Member, PartnerEntity

CODE = "AAM"
NAME = "AAM — Associação Amazonense de Municípios"
MUNICIPALITIES = ("MUN-MANAUS", "MUN-PARINTINS")
COORDINATOR = "coordenador-aam"


def load_demo_associations(entities: dict[str, PartnerEntity], *, demo_domain: str) -> Association:
    association, _ = Association.objects.update_or_create(
        code=CODE,
        defaults={"name": NAME, "uf": "AM", "contact_email": f"aam@{demo_domain}", "entity": entities.get(CODE)},
    )
    for code in MUNICIPALITIES:
        if code in entities:
            AssociatedEntity.objects.update_or_create(
                association=association, entity=entities[code], defaults={"active": True}
            )
    spec = next(c.spec for c in DEMO_CERTIFICATES if c.slug == COORDINATOR)
    member = Member.objects.filter(cpf=spec.cpf, email__endswith=f"@{demo_domain}").first()
    if member is not None:
        Coordinator.objects.update_or_create(
            member=member, association=association, defaults={"active": True, "notes": "demonstração"}
        )
    return association
