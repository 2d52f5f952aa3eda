"""Demo partner entities and members for ``make run``, matching the demo PKI's certificates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from certauth.demo import DEMO_CERTIFICATES
from cloudauth import demo as cloud_demo
from portal.models import EntityKind, EntityStatus, Member, Membership, OabRegistration, PartnerEntity, User
from portal.permissions import MANAGEMENT_GROUP, regional_group_name
from portal.services import member_user
from rollout.models import EntityOverride

#: INSS staff of the demo (they enter the admin with the demo certificate of the same name).
STAFF: dict[str, tuple[str, str]] = {
    "servidor-inss": ("rafael.moreira", MANAGEMENT_GROUP),
    "servidora-sudeste-1": ("patricia.lopes", regional_group_name("Sudeste I")),
}


@dataclass(frozen=True)
class DemoEntity:
    code: str
    name: str
    kind: str
    uf: str
    act_number: str
    act_signed_on: dt.date
    status: str = EntityStatus.ACTIVE


ENTITIES = (
    DemoEntity("OAB-SP", "OAB — Seção São Paulo", EntityKind.OAB, "SP", "ACT 12/2023", dt.date(2023, 3, 1)),
    DemoEntity("OAB-RJ", "OAB — Seção Rio de Janeiro", EntityKind.OAB, "RJ", "ACT 31/2023", dt.date(2023, 5, 9)),
    DemoEntity(
        "OAB-PR",
        "OAB — Seção Paraná",
        EntityKind.OAB,
        "PR",
        "ACT 08/2022",
        dt.date(2022, 8, 15),
        EntityStatus.SUSPENDED,
    ),
    DemoEntity(
        "MUN-MANAUS", "Prefeitura Municipal de Manaus", EntityKind.MUNICIPIO, "AM", "ACT 44/2024", dt.date(2024, 9, 2)
    ),
    DemoEntity(
        "AAM", "Associação Amazonense de Municípios", EntityKind.OUTRA, "AM", "ACT 45/2024", dt.date(2024, 9, 2)
    ),
    # The schedule in the demo: RS has no date yet (Anexo I); SC's wave ended, but the INSS extended its date.
    DemoEntity("OAB-RS", "OAB — Seção Rio Grande do Sul", EntityKind.OAB, "RS", "ACT 19/2022", dt.date(2022, 4, 20)),
    DemoEntity("OAB-SC", "OAB — Seção Santa Catarina", EntityKind.OAB, "SC", "ACT 27/2023", dt.date(2023, 2, 6)),
)

#: Password of the demo's legacy (password) accounts.
DEMO_PASSWORD = "senha-demo-2024"  # noqa: S105  # demo only, printed by make run
#: SC's demo extension: A3 mandatory this many days after the demo data is loaded.
EXTENSION_DAYS = 45


@dataclass(frozen=True)
class PasswordMember:
    name: str
    cpf: str
    entity: str
    outcome: str


#: Members who still log in with CPF + password (no demo certificate), one per phase of the schedule.
PASSWORD_MEMBERS = (
    PasswordMember("Carlos Pereira", "12398745619", "OAB-SP", "PASSWORD_RETIRED: SP exige A3 desde 17/05/2024"),
    PasswordMember("Lúcia Fernandes", "31415926590", "OAB-RS", "entra com senha: data do RS a definir"),
    PasswordMember(
        "Fábio Nunes", "27182818205", "OAB-SC", f"entra com senha e vê o aviso: A3 obrigatório em {EXTENSION_DAYS} dias"
    ),
)

#: certificate slug → (entity codes, OAB registration on file, member active)
MEMBERS: dict[str, tuple[str, str | None, bool]] = {
    "advogada-oab-sp": ("OAB-SP", "123456SP", True),
    "advogado-perfil-novo": ("OAB-RJ", "98765RJ", True),
    "operadora-municipal": ("MUN-MANAUS AAM", None, True),
    "certificado-a1": ("OAB-SP", None, True),
    "certificado-vencido": ("OAB-SP", None, True),
    "ainda-nao-valido": ("OAB-SP", None, True),
    "raiz-nao-confiavel": ("OAB-SP", None, True),
    "sem-autenticacao-cliente": ("MUN-MANAUS", None, True),
    "membro-inativo": ("MUN-MANAUS", None, False),
    "entidade-suspensa": ("OAB-PR", "77777PR", True),
    "oab-divergente": ("OAB-SP", "444444SP", True),
    "certificado-revogado": ("OAB-SP", "333333SP", True),
    # "cpf-invalido" and "cpf-nao-cadastrado" are deliberately not members.
}


@transaction.atomic
def load_demo_data(*, today: dt.date | None = None) -> tuple[int, int]:
    """Create or update the demo entities and members (idempotent). Returns (entities, members)."""
    entities = {}
    for e in ENTITIES:
        entities[e.code], _ = PartnerEntity.objects.update_or_create(
            code=e.code,
            defaults=dict(
                name=e.name,
                kind=e.kind,
                uf=e.uf,
                act_number=e.act_number,
                act_signed_on=e.act_signed_on,
                status=e.status,
                contact_email=f"contato@{e.code.lower()}.demo.invalid",
            ),
        )
    by_slug = {c.slug: c for c in DEMO_CERTIFICATES}
    for slug, (entity_codes, oab, active) in MEMBERS.items():
        spec = by_slug[slug].spec
        member, _ = Member.objects.update_or_create(
            cpf=spec.cpf,
            defaults=dict(name=spec.name.title(), email=f"{slug}@demo.invalid", active=active),
        )
        for entity_code in entity_codes.split():
            Membership.objects.update_or_create(member=member, entity=entities[entity_code], defaults={"active": True})
        if oab:
            OabRegistration.objects.update_or_create(member=member, number=oab[:-2], uf=oab[-2:])
    for demo in PASSWORD_MEMBERS:
        member, _ = Member.objects.update_or_create(
            cpf=demo.cpf, defaults=dict(name=demo.name, email=f"{demo.cpf}@demo.invalid", active=True)
        )
        Membership.objects.update_or_create(member=member, entity=entities[demo.entity], defaults={"active": True})
        user = member_user(member)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    today = today or timezone.localdate()
    EntityOverride.objects.update_or_create(
        entity=entities["OAB-SC"],
        defaults={
            "cutover_on": today + dt.timedelta(days=EXTENSION_DAYS),
            "reason": "demonstração: prazo prorrogado para a troca dos tokens da seccional",
        },
    )
    for slug, (username, group) in STAFF.items():
        spec = by_slug[slug].spec
        first, _, last = spec.name.title().partition(" ")
        staff, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "cpf": spec.cpf,
                "is_staff": True,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@inss.demo.invalid",
            },
        )
        staff.set_unusable_password()
        staff.save()
        staff.groups.set([Group.objects.get(name=group)])
    cloud_demo.register(settings.DEMO_PSC_PORT)
    return len(ENTITIES), len(MEMBERS) + len(PASSWORD_MEMBERS)
