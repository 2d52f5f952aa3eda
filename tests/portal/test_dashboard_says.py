"""The dashboard says the right thing: the issuer by name, the login method once, where the work happens (the
Portal de Atendimento), the entity's own A3 date, staff's way to the admin and the status pages, and to every
password user that the A3 certificate is coming."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from django.conf import settings
from django.test import Client
from django.utils import timezone

from portal.permissions import NATIONAL_VIEW_GROUP
from rollout.models import EntityOverride
from tests.conftest import LAWYER
from tests.portal.test_password_login import PASSWORD

BRT = ZoneInfo("America/Sao_Paulo")
JUNE = dt.datetime(2024, 6, 1, 10, 0, tzinfo=BRT)
PAT = "https://atendimento.inss.gov.br"
OWN_DATE = "(data específica da sua entidade, definida pelo INSS)"
OWN_DATE_NOTE = f'<small class="fatos__observacao">{OWN_DATE}</small>'

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())


def dd(page: str, id_: str) -> str | None:
    found = re.search(rf'<dd id="{id_}">(.*?)</dd>', page)
    return found.group(1) if found else None


def password_dashboard(time_machine, at: dt.datetime = JUNE) -> tuple[Client, str]:
    client = Client(HTTP_HOST=settings.PORTAL_HOSTNAME)
    time_machine.move_to(at, tick=False)
    response = client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": PASSWORD}, secure=True)
    assert response.status_code == 302, response.get("X-Error-Code")
    return client, text(client.get("/painel/", secure=True))


# ---------------------------------------------------------------------------------------------- certificate session


@pytest.fixture
def certificate_dashboard(proxy_client, login_with, member_factory, pki):
    member_factory(oab="0123456SP")
    assert login_with(LAWYER).status_code == 302
    return text(proxy_client.get("/painel/", secure=True))


def test_the_issuer_is_shown_by_its_name_not_its_distinguished_name(certificate_dashboard, pki):
    issuer_cn = pki.oab.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert dd(certificate_dashboard, "emissor") == issuer_cn == "AC Teste OAB"
    assert "CN=" not in certificate_dashboard and "O=ICP-Brasil" not in certificate_dashboard


def test_the_login_method_says_a3_once(certificate_dashboard):
    assert dd(certificate_dashboard, "metodo") == "Certificado digital A3 (token ou cartão)"
    assert "(A3)" not in certificate_dashboard


def pat_button(page: str) -> str:
    """The dashboard's "Acessar o Portal de Atendimento" button (its opening tag)."""
    found = re.search(r'<a [^>]*id="link-pat">(?:<i [^>]*></i>)?Acessar o Portal de Atendimento</a>', page)
    assert found, "no Acessar o Portal de Atendimento button"
    return found.group(0)


def test_a_member_is_sent_to_the_portal_de_atendimento_by_the_first_button(certificate_dashboard):
    button = pat_button(certificate_dashboard)
    assert f'href="{PAT}"' in button and "br-button primary" in button
    # The main next step: right under the greeting, before the facts of the session.
    assert certificate_dashboard.index(button) < certificate_dashboard.index('<dl class="fatos')


def test_the_portal_de_atendimento_link_follows_the_setting(proxy_client, login_with, member_factory, settings):
    settings.PORTAL_PAT_URL = "https://pat.exemplo.gov.br/"
    member_factory(oab="0123456SP")
    login_with(LAWYER)
    page = text(proxy_client.get("/painel/", secure=True))
    assert 'href="https://pat.exemplo.gov.br/"' in pat_button(page) and f'href="{PAT}"' not in page


def test_without_a_portal_de_atendimento_address_the_step_is_said(proxy_client, login_with, member_factory, settings):
    settings.PORTAL_PAT_URL = ""
    member_factory(oab="0123456SP")
    login_with(LAWYER)
    page = text(proxy_client.get("/painel/", secure=True))
    assert 'id="link-pat"' not in page
    assert "Acesse os serviços do Portal de Atendimento do INSS pelo menu da sua entidade." in page


def test_a_certificate_member_sees_the_entitys_date(certificate_dashboard):
    assert dd(certificate_dashboard, "a3-obrigatorio") == "desde 17/05/2024"  # SP's wave (Anexo I)
    assert 'id="aviso-a3"' not in certificate_dashboard, "the password notice is for password sessions"


def test_a_certificate_member_of_an_entity_with_its_own_date_sees_it(
    proxy_client, login_with, member_factory, entity_factory
):
    entity = entity_factory(uf="SC")
    later = timezone.now().astimezone(BRT).date() + dt.timedelta(days=45)
    EntityOverride.objects.create(entity=entity, cutover_on=later, reason="prorrogação")
    member_factory(oab="0123456SP", entity=entity)
    login_with(LAWYER)
    page = text(proxy_client.get("/painel/", secure=True))
    assert dd(page, "a3-obrigatorio") == f"a partir de {later:%d/%m/%Y} {OWN_DATE_NOTE}"


# ---------------------------------------------------------------------------------------------- staff


def test_staff_see_links_to_the_admin_and_the_status_pages(staff_factory, staff_login):
    client = staff_login(staff_factory(groups=(NATIONAL_VIEW_GROUP,)))
    page = text(client.get("/painel/", secure=True))
    assert '<a href="/admin/" id="link-admin">Administração do portal</a>' in page
    assert '<a href="/acompanhamento/" id="link-acompanhamento">Acompanhamento da migração</a>' in page
    assert 'id="link-pat"' not in page, "staff do not act for an entity"


def test_staff_without_the_status_permission_see_only_the_admin_link(staff_factory, staff_login):
    page = text(staff_login(staff_factory()).get("/painel/", secure=True))
    assert 'id="link-admin"' in page and 'id="link-acompanhamento"' not in page


def test_members_see_no_staff_links(certificate_dashboard):
    assert 'id="link-admin"' not in certificate_dashboard and "Área do INSS" not in certificate_dashboard


# ---------------------------------------------------------------------------------------------- password session


def test_a_password_user_without_a_date_is_told_that_a3_is_coming(password_member, time_machine):
    password_member(uf="RS")  # Anexo I: RS "a definir" (climate emergency)
    _, page = password_dashboard(time_machine)
    notice = re.search(r'<div class="br-message warning" id="aviso-a3">(.*?)</div> </div>', page).group(1)
    assert "Você entrou com CPF e senha, mas este acesso será encerrado" in notice
    assert "o certificado digital A3 será obrigatório para todas as entidades parceiras do INSS" in notice
    assert "A data da sua entidade ainda será definida pelo INSS" in notice
    assert '<a href="/orientacoes/">Saiba como obter o certificado</a>' in notice
    assert dd(page, "a3-obrigatorio").startswith("Data da migração a definir")


def test_a_password_user_with_a_date_is_told_it_before_the_banner_shows(password_member, time_machine):
    password_member(uf="RJ")  # Anexo I: RJ's window ends 21/06/2024, A3 from 22/06: 164 days after 10/01
    _, page = password_dashboard(time_machine, dt.datetime(2024, 1, 10, 10, 0, tzinfo=BRT))
    assert 'id="aviso-migracao"' not in page, "more than ROLLOUT_BANNER_DAYS before the date"
    assert (
        "para a sua entidade, o certificado digital A3 será obrigatório a partir de <strong>22/06/2024</strong>. "
        in page
    )
    assert dd(page, "a3-obrigatorio") == "a partir de 22/06/2024"
    assert OWN_DATE not in page


def test_with_the_banner_shown_the_dashboard_does_not_say_it_twice(password_member, time_machine):
    password_member(uf="RJ")
    _, page = password_dashboard(time_machine)  # 21 days before 22/06/2024
    assert "faltam 21 dias" in page
    assert 'id="aviso-a3"' not in page
    assert dd(page, "a3-obrigatorio") == "a partir de 22/06/2024"


def test_a_password_user_whose_entity_has_its_own_date_is_told_so_in_the_banner_and_the_dashboard(
    password_member, entity_factory, time_machine
):
    """SC's wave ended (the public schedule says "Concluída"), but the INSS extended this entity's date."""
    entity = entity_factory(uf="SC", name="OAB SC")
    EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2024, 9, 30), reason="prorrogação")
    password_member(entity=entity)
    at = dt.datetime(2024, 8, 20, 10, 0, tzinfo=BRT)  # after SC's window (22/07 to 02/08/2024)
    client, page = password_dashboard(time_machine, at)
    banner = re.search(r'id="aviso-migracao">(.*?)</div>', page).group(1)
    assert f"a partir de <strong>30/09/2024</strong> {OWN_DATE} — faltam 41 dias." in banner
    assert dd(page, "a3-obrigatorio") == f"a partir de 30/09/2024 {OWN_DATE_NOTE}"
    schedule = text(client.get("/cronograma/", secure=True))
    assert OWN_DATE in schedule, "the banner is on every page"
    assert "O INSS pode definir uma data específica para uma entidade" in schedule


def test_the_banner_learns_of_an_own_date_set_during_the_session(password_member, entity_factory, time_machine):
    entity = entity_factory(uf="RJ")
    password_member(entity=entity)
    client, page = password_dashboard(time_machine)
    assert OWN_DATE not in page
    EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2024, 7, 15), reason="prorrogação")
    page = text(client.get("/painel/", secure=True))
    assert f"a partir de <strong>15/07/2024</strong> {OWN_DATE} — faltam" in page
