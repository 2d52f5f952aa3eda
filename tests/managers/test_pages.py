"""A manager, in a certificate session, keeps their entity's member list: list, add, deactivate, reactivate, remind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from certauth.icp.errors import Reason
from managers.models import EntityManager, MemberReminder
from portal.models import Member, Membership, OabRegistration
from tests.conftest import LAWYER
from tests.managers.conftest import MANAGER_B, MEMBER_A, valid_cpf

pytestmark = pytest.mark.django_db

NEW_CPF = valid_cpf(320000001)


def test_the_list_shows_the_entitys_members_and_their_a3_situation(world, certificate_client):
    client = certificate_client(LAWYER)
    page = client.get("/gestao/OAB-A/", secure=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert world.member_a.name in text and world.member_a.masked_cpf in text
    assert world.member_b.name not in text, "another entity's member"
    assert "Ainda não entrou com A3" in text


def test_the_index_goes_to_the_only_entity_managed(world, certificate_client):
    response = certificate_client(LAWYER).get("/gestao/", secure=True)
    assert response.status_code == 302 and response["Location"] == "/gestao/OAB-A/"


def test_a_manager_of_several_entities_chooses_one(world, certificate_client):
    Membership.objects.create(member=world.manager_a, entity=world.entity_b)
    EntityManager.objects.create(member=world.manager_a, entity=world.entity_b)
    client = certificate_client(LAWYER)
    client.post("/entidade/", {"entity": world.entity_b.pk, "next": "/painel/"}, secure=True)
    assert client.get("/gestao/", secure=True)["Location"] == "/gestao/MUN-B/", "the entity the session acts for"
    page = client.get("/gestao/?escolher=1", secure=True).content.decode()
    assert 'href="/gestao/OAB-A/"' in page and 'href="/gestao/MUN-B/"' in page


def test_search_finds_by_exact_cpf_and_by_name(world, certificate_client):
    client = certificate_client(LAWYER)
    by_cpf = client.get("/gestao/OAB-A/", {"q": MEMBER_A.cpf}, secure=True).content.decode()
    assert world.member_a.name in by_cpf and world.manager_a.name not in by_cpf.split("<tbody>")[1]
    by_name = client.get("/gestao/OAB-A/", {"q": "ana membro"}, secure=True).content.decode()
    assert world.member_a.name in by_name


def test_adding_a_member_records_who_and_emails_them(world, certificate_client, django_capture_on_commit_callbacks):
    client = certificate_client(LAWYER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/gestao/OAB-A/incluir/",
            {
                "cpf": "320.000.001-" + NEW_CPF[-2:],
                "name": "Carla  Nova",
                "email": "carla@exemplo.org.br",
                "oab_number": "0055555",
                "oab_uf": "SP",
            },
            secure=True,
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    member = Member.objects.get(cpf=NEW_CPF)
    assert member.name == "Carla Nova"
    assert Membership.objects.get(member=member).entity == world.entity_a
    assert OabRegistration.objects.get(member=member).number == "55555"
    history = member.history.get()
    assert history.history_user_id == Member.objects.get(pk=world.manager_a.pk).user_id, "the manager's account"
    assert history.history_change_reason == "gestor de OAB-A: inclusão"
    (message,) = mail.outbox
    assert message.to == ["carla@exemplo.org.br"]
    assert "OAB — Seção A" in message.subject
    assert "https://listaars.iti.gov.br" in message.body and "Certificado Digital ACT" in message.body


def test_a_bad_cpf_is_refused_in_portuguese_and_nothing_is_written(world, certificate_client):
    client = certificate_client(LAWYER)
    before = Member.objects.count()
    response = client.post(
        "/gestao/OAB-A/incluir/",
        {
            "cpf": NEW_CPF[:-1] + str((int(NEW_CPF[-1]) + 1) % 10),
            "name": "X",
            "email": "x@exemplo.org.br",
            "oab_number": "1",
            "oab_uf": "SP",
        },
        secure=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "CPF inválido: confira os dígitos verificadores." in page
    assert 'id="resumo-erros"' in page and 'href="#id_cpf"' in page
    assert Member.objects.count() == before and not mail.outbox


def test_an_oab_section_requires_the_oab_registration(world, certificate_client):
    response = certificate_client(LAWYER).post(
        "/gestao/OAB-A/incluir/", {"cpf": NEW_CPF, "name": "Sem OAB", "email": "s@exemplo.org.br"}, secure=True
    )
    assert "Informe a inscrição na OAB (número e UF)." in response.content.decode()
    assert not Member.objects.filter(cpf=NEW_CPF).exists()


def test_a_member_of_another_entity_is_added_without_touching_their_data(world, certificate_client):
    client = certificate_client(MANAGER_B)
    response = client.post(
        "/gestao/MUN-B/incluir/",
        {"cpf": MEMBER_A.cpf, "name": "Outro Nome", "email": "outro@exemplo.org.br"},
        secure=True,
    )
    assert response.status_code == 302
    world.member_a.refresh_from_db()
    assert world.member_a.name == MEMBER_A.name.title(), "entity A sees this member too"
    assert Membership.objects.filter(member=world.member_a, entity=world.entity_b, active=True).exists()


def test_deactivating_ends_the_members_open_session_at_its_next_request(world, certificate_client):
    members_session = certificate_client(MEMBER_A)
    assert members_session.get("/painel/", secure=True).status_code == 200
    manager = certificate_client(LAWYER)
    response = manager.post(f"/gestao/OAB-A/membros/{world.member_a.pk}/desativar/", secure=True)
    assert response.status_code == 302
    membership = Membership.objects.get(member=world.member_a, entity=world.entity_a)
    assert not membership.active
    assert membership.history.first().history_user_id == Member.objects.get(pk=world.manager_a.pk).user_id
    refused = members_session.get("/painel/", secure=True)
    assert refused.status_code == 403
    assert refused["X-Error-Code"] == Reason.ENTITY_INACTIVE.value


def test_reactivating_brings_the_member_back(world, certificate_client):
    Membership.objects.filter(member=world.member_a).update(active=False)
    manager = certificate_client(LAWYER)
    assert manager.post(f"/gestao/OAB-A/membros/{world.member_a.pk}/reativar/", secure=True).status_code == 302
    assert Membership.objects.get(member=world.member_a, entity=world.entity_a).active


def test_a_manager_cannot_deactivate_themselves(world, certificate_client):
    manager = certificate_client(LAWYER)
    manager.post(f"/gestao/OAB-A/membros/{world.manager_a.pk}/desativar/", secure=True)
    assert Membership.objects.get(member=world.manager_a, entity=world.entity_a).active


def test_a_member_staff_deactivated_stays_so(world, certificate_client):
    Member.objects.filter(pk=world.member_a.pk).update(active=False)
    Membership.objects.filter(member=world.member_a).update(active=False)
    manager = certificate_client(LAWYER)
    page = manager.post(f"/gestao/OAB-A/membros/{world.member_a.pk}/reativar/", secure=True, follow=True)
    assert "só a Superintendência pode reativá-lo" in page.content.decode()
    assert not Membership.objects.get(member=world.member_a, entity=world.entity_a).active


def test_a_reminder_goes_once_a_day(world, certificate_client, django_capture_on_commit_callbacks):
    manager = certificate_client(LAWYER)
    url = f"/gestao/OAB-A/membros/{world.member_a.pk}/lembrete/"
    with django_capture_on_commit_callbacks(execute=True):
        first = manager.post(url, secure=True, follow=True).content.decode()
        assert "Lembrete enviado para" in first
        second = manager.post(url, secure=True, follow=True).content.decode()
    assert "já recebeu um lembrete hoje" in second
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.member_a.email]
    assert "ainda não entrou" in mail.outbox[0].body
    assert MemberReminder.objects.count() == 1


def test_the_dashboard_links_managers_only(world, certificate_client):
    manager_page = certificate_client(LAWYER).get("/painel/", secure=True).content.decode()
    assert "Gerenciar membros da entidade" in manager_page
    member_page = certificate_client(MEMBER_A).get("/painel/", secure=True).content.decode()
    assert "Gerenciar membros da entidade" not in member_page


def test_the_list_pages_and_keeps_the_search_across_pages(world, certificate_client, settings):
    settings.MANAGERS_PAGE_SIZE = 2
    for n in range(3):
        member = Member.objects.create(cpf=valid_cpf(321000001 + n), name=f"Zeca Paginado {n}")
        Membership.objects.create(member=member, entity=world.entity_a)
    client = certificate_client(LAWYER)
    first = client.get("/gestao/OAB-A/", {"q": "zeca"}, secure=True).content.decode()
    assert "Zeca Paginado 0" in first and "Zeca Paginado 2" not in first
    assert 'href="?q=zeca&amp;pagina=2"' in first
    second = client.get("/gestao/OAB-A/", {"q": "zeca", "pagina": "2"}, secure=True).content.decode()
    assert "Zeca Paginado 2" in second and "Zeca Paginado 0" not in second


def test_the_filters_find_who_has_no_a3_yet_and_whose_certificate_expires_soon(world, certificate_client):
    now = timezone.now()
    Member.objects.filter(pk=world.manager_a.pk).update(
        first_a3_login_at=now, certificate_not_after=now + dt.timedelta(days=400)
    )
    Member.objects.filter(pk=world.member_a.pk).update(
        first_a3_login_at=now, certificate_not_after=now + dt.timedelta(days=10)
    )
    client = certificate_client(LAWYER)

    def names(situation: str) -> set[str]:
        page = client.get("/gestao/OAB-A/", {"situacao": situation}, secure=True).content.decode()
        body = page.split("<tbody>")[1].split("</tbody>")[0]
        return {m.name for m in (world.manager_a, world.member_a) if m.name in body}

    assert names("vencendo") == {world.member_a.name}
    assert names("em-dia") == {world.manager_a.name}  # her login just now set a new expiry: still far
    assert names("sem-a3") == set()
