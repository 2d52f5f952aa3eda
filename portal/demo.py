"""Demo partner entities and members for ``make run``, matching the demo PKI's certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from certauth.demo import DEMO_CERTIFICATES
from certauth.icp.builder import PersonSpec
from certauth.icp.numbers import mask_cpf, normalize_oab_number
from cloudauth import demo as cloud_demo
from cloudauth.models import Provider
from portal.models import EntityKind, EntityStatus, Member, Membership, OabRegistration, PartnerEntity, User
from portal.permissions import MANAGEMENT_GROUP, gex_group_names, regional_group_name
from portal.services import member_user
from rollout.demo import load_demo_webinars
from rollout.models import EntityOverride
from support.demo import load_demo_refusals
from support.roles import SUPPORT_GROUP

#: INSS staff of the demo (they enter the admin with the demo certificate of the same name).
STAFF: dict[str, tuple[str, str]] = {
    "servidor-inss": ("rafael.moreira", MANAGEMENT_GROUP),
    "servidora-sudeste-1": ("patricia.lopes", regional_group_name("Sudeste I")),
}
#: A Gerência-Executiva's staff (issue 19): "GEX Manaus — consulta", the entities of the GEX only (admin and status
#: pages). Loaded after the demo's GEXs, which make the group.
GEX_STAFF: dict[str, tuple[str, str]] = {"servidor-gex-manaus": ("marcos.araujo", gex_group_names("GEX Manaus")[0])}
#: The support desk of the demo (issue 19): the lookup by reference only (/suporte/consulta/), nothing in the admin.
SUPPORT_STAFF: dict[str, tuple[str, str]] = {"suporte-inss": ("beatriz.nascimento", SUPPORT_GROUP)}


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
        "MUN-PARINTINS",
        "Prefeitura Municipal de Parintins",
        EntityKind.MUNICIPIO,
        "AM",
        "ACT 46/2024",
        dt.date(2024, 9, 2),
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
    "coordenador-aam": ("AAM", None, True),
    "sem-autenticacao-cliente": ("MUN-MANAUS", None, True),
    "membro-inativo": ("MUN-MANAUS", None, False),
    "entidade-suspensa": ("OAB-PR", "77777PR", True),
    "oab-divergente": ("OAB-SP", "444444SP", True),
    "certificado-revogado": ("OAB-SP", "333333SP", True),
    # "cpf-invalido" and "cpf-nao-cadastrado" are deliberately not members.
}


#: The demo's rows carry e-mail addresses in this reserved domain (RFC 2606): a row with a demo key (entity code, CPF,
#: username) but another address is the database's own, and is kept as it is.
DEMO_DOMAIN = "demo.invalid"


@dataclass
class DemoLoad:
    """What ``load_demo_data`` did: demo rows created or brought back to the demo's values, and what the database
    already held under the demo's keys (not the demo's own rows), kept as it was and named for one line."""

    entities: int = 0
    members: int = 0
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"Demonstração: {self.entities} entidades, {self.members} membros."
        if self.kept:
            line += " Mantido o que o banco já tinha e colide com a demonstração: " + "; ".join(self.kept) + "."
        return line


def _demo_owned(email: str) -> bool:
    return email.endswith(f"@{DEMO_DOMAIN}") or email.endswith(f".{DEMO_DOMAIN}")


@transaction.atomic
def load_demo_data(*, today: dt.date | None = None, register_psc: bool = True) -> DemoLoad:
    """Create or update the demo entities, members, staff and schedule extension (idempotent). Rows the database
    already holds under the same keys but that are not the demo's — a partner entity with a demo code, a member with
    a demo CPF, an OAB registration a demo lawyer would take — are kept as they are, and so is everything of the demo
    that would need them. ``register_psc``: offer the demo PSC (otherwise a registered one is disabled)."""
    load = DemoLoad()
    entities = _load_entities(load)
    by_slug = {c.slug: c for c in DEMO_CERTIFICATES}
    for slug, (entity_codes, oab, active) in MEMBERS.items():
        spec = by_slug[slug].spec
        member = _load_member(
            load, spec.cpf, spec.name.title(), f"{slug}@{DEMO_DOMAIN}", active, entity_codes, entities
        )
        if member is not None and oab:
            _load_oab(load, member, oab)
    for demo in PASSWORD_MEMBERS:
        member = _load_member(load, demo.cpf, demo.name, f"{demo.cpf}@{DEMO_DOMAIN}", True, demo.entity, entities)
        if member is not None:
            user = member_user(member)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    if "OAB-SC" in entities:
        EntityOverride.objects.update_or_create(
            entity=entities["OAB-SC"],
            defaults={
                "cutover_on": (today or timezone.localdate()) + dt.timedelta(days=EXTENSION_DAYS),
                "reason": "demonstração: prazo prorrogado para a troca dos tokens da seccional",
            },
        )
    for slug, (username, group) in (STAFF | SUPPORT_STAFF).items():
        _load_staff(load, username, by_slug[slug].spec, group)
    load_demo_refusals(now=timezone.now())  # refusals with known references, for the support desk's lookup
    load_demo_webinars(today or timezone.localdate())
    from rollout.demo_gex import load_demo_gexs  # the Gerências-Executivas (issue 19 §1)

    load_demo_gexs(entities, demo_domain=DEMO_DOMAIN)
    for slug, (username, group) in GEX_STAFF.items():
        _load_staff(load, username, by_slug[slug].spec, group)
    from managers.demo import load_demo_managers  # the entity managers (issue 19): /gestao/

    load_demo_managers(entities, demo_domain=DEMO_DOMAIN)
    from associations.demo import load_demo_associations  # the associations' coordinators (issue 19): /associacao/

    load_demo_associations(entities, demo_domain=DEMO_DOMAIN)
    if register_psc:
        cloud_demo.register(settings.DEMO_PSC_PORT)
    else:
        Provider.objects.filter(slug=cloud_demo.SLUG).update(enabled=False)
    return load


def _load_entities(load: DemoLoad) -> dict[str, PartnerEntity]:
    """The demo's entities by code (those the database holds as its own are left out)."""
    loaded = {}
    for e in ENTITIES:
        email = f"contato@{e.code.lower()}.{DEMO_DOMAIN}"
        existing = PartnerEntity.objects.filter(code=e.code).first()
        if existing is not None and not _demo_owned(existing.contact_email):
            load.kept.append(f"entidade {e.code} (e os membros de demonstração dela)")
            continue
        fields = dict(
            name=e.name,
            kind=e.kind,
            uf=e.uf,
            act_number=e.act_number,
            act_signed_on=e.act_signed_on,
            status=e.status,
            contact_email=email,
        )
        with _kept_on_conflict(load, f"entidade {e.code}"):
            loaded[e.code], _ = PartnerEntity.objects.update_or_create(code=e.code, defaults=fields)
            load.entities += 1
    return loaded


def _load_member(
    load: DemoLoad,
    cpf: str,
    name: str,
    email: str,
    active: bool,
    entity_codes: str,
    entities: dict[str, PartnerEntity],
) -> Member | None:
    """A demo member and their memberships; None if the CPF is the database's own member, or if none of the member's
    entities is the demo's."""
    codes = [code for code in entity_codes.split() if code in entities]
    if not codes:
        return None  # their entities are the database's own (already named)
    existing = Member.objects.filter(cpf=cpf).first()
    if existing is not None and not _demo_owned(existing.email):
        load.kept.append(f"membro {mask_cpf(cpf)}")
        return None
    loaded = None
    with _kept_on_conflict(load, f"membro {mask_cpf(cpf)}"):
        member, _ = Member.objects.update_or_create(cpf=cpf, defaults=dict(name=name, email=email, active=active))
        for code in codes:
            Membership.objects.update_or_create(member=member, entity=entities[code], defaults={"active": True})
        loaded = member  # only once all of it is in
        load.members += 1
    return loaded


def _load_oab(load: DemoLoad, member: Member, oab: str) -> None:
    number, uf = normalize_oab_number(oab[:-2]), oab[-2:]
    holder = OabRegistration.objects.filter(number__iexact=number, uf=uf).exclude(member=member).first()
    if holder is not None:
        load.kept.append(f"inscrição OAB {number}/{uf} (de outro membro)")
        return
    with _kept_on_conflict(load, f"inscrição OAB {number}/{uf}"):
        OabRegistration.objects.update_or_create(member=member, number=number, uf=uf)


def _load_staff(load: DemoLoad, username: str, spec: PersonSpec, group: str) -> None:
    existing = User.objects.filter(username=username).first()
    if existing is not None and not _demo_owned(existing.email):
        load.kept.append(f"usuário {username}")
        return
    if User.objects.filter(cpf=spec.cpf).exclude(username=username).exists():
        load.kept.append(f"usuário com o CPF {mask_cpf(spec.cpf)}")
        return
    first, _, last = spec.name.title().partition(" ")
    with _kept_on_conflict(load, f"usuário {username}"):
        staff, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "cpf": spec.cpf,
                "is_staff": True,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@inss.{DEMO_DOMAIN}",
            },
        )
        staff.set_unusable_password()
        staff.save()
        staff.groups.set([Group.objects.get(name=group)])


@contextmanager
def _kept_on_conflict(load: DemoLoad, what: str) -> Iterator[None]:
    """Any other conflict with a row of the database (a unique constraint): that demo row is not loaded, the
    database keeps its own, and the summary names it."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        load.kept.append(f"{what} (conflito no banco)")
