"""Back-channel logouts owed to clients, and the session links they come from, in the admin: read-only for
superusers and the national groups, with the member's CPF masked and no session key shown; "Tentar agora" for
superusers and the management group; the superintendências' groups do not see them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from certauth.icp.numbers import mask_cpf
from oidc import clients
from oidc.models import LogoutDelivery, SessionClient
from portal.models import User
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, regional_group_name
from tests.conftest import LAWYER

REGIONAL_CPF, NATIONAL_CPF, SUPERUSER_CPF = "78778932807", "12398745619", "11144477735"
LIST_URL = "/admin/oidc/logoutdelivery/"
LINKS_URL = "/admin/oidc/sessionclient/"


@pytest.fixture
def staff(staff_factory: Any, staff_login: Any) -> dict[str, HttpClient]:
    return {
        "gestao": staff_login(staff_factory(groups=(MANAGEMENT_GROUP,))),
        "consulta": staff_login(staff_factory(NATIONAL_CPF, groups=(NATIONAL_VIEW_GROUP,))),
        "regional": staff_login(staff_factory(REGIONAL_CPF, groups=(regional_group_name("Sudeste I"),))),
        "superusuario": staff_login(staff_factory(SUPERUSER_CPF, superuser=True)),
    }


@pytest.fixture
def deliveries(db: None) -> dict[str, LogoutDelivery]:
    client = clients.register(clients.ClientSpec(name="PAT", redirect_uris=("https://pat.exemplo.gov.br/r",))).client
    user = User.objects.create_user(username=LAWYER.cpf)
    later, now = timezone.now() + dt.timedelta(minutes=4), timezone.now()

    def owed(key: str, **fields: Any) -> LogoutDelivery:
        link = SessionClient.objects.create(
            session_key=f"chave-secreta-{key}", client=client, user=user, ended_at=now, end_reason="LOGOUT"
        )
        return LogoutDelivery.objects.create(session_client=link, **fields)

    return {
        "pending": owed("a", next_attempt_at=later, attempts=3, last_status="HTTP 503"),
        "given_up": owed("b", next_attempt_at=later, attempts=20, gave_up_at=now, last_status="conexão recusada"),
        "delivered": owed("c", next_attempt_at=later, attempts=1, delivered_at=now, last_status="HTTP 200"),
    }


@pytest.mark.parametrize("who", ["gestao", "consulta", "superusuario"])
def test_national_staff_read_the_deliveries_with_the_cpf_masked_and_no_session_key(
    staff: dict[str, HttpClient], deliveries: dict[str, LogoutDelivery], who: str
) -> None:
    for url in (LIST_URL, f"{LIST_URL}{deliveries['pending'].pk}/change/", LINKS_URL):
        response = staff[who].get(url, secure=True)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert mask_cpf(LAWYER.cpf) in page and LAWYER.cpf not in page, url
        assert "chave-secreta" not in page, url
    listed = staff[who].get(LIST_URL, secure=True).content.decode()
    for shown in ("PAT", "HTTP 503", "conexão recusada", "pendente", "abandonado", "entregue"):
        assert shown in listed, shown


def test_a_delivery_whose_account_is_gone_is_still_listed(
    staff: dict[str, HttpClient], deliveries: dict[str, LogoutDelivery]
) -> None:
    """A session link keeps its user id without a constraint: the account may be gone while its logout is owed."""
    pending = deliveries["pending"]
    SessionClient.objects.filter(pk=pending.session_client_id).update(user_id=987654)
    for url in (
        LIST_URL,
        f"{LIST_URL}{pending.pk}/change/",
        LINKS_URL,
        f"{LINKS_URL}{pending.session_client_id}/change/",
    ):
        response = staff["gestao"].get(url, secure=True)
        assert response.status_code == 200, url
        assert "conta removida" in response.content.decode(), url
    assert staff["gestao"].get(LIST_URL, secure=True).context["cl"].result_count == 3


def test_the_superintendencias_do_not_see_the_deliveries(
    staff: dict[str, HttpClient], deliveries: dict[str, LogoutDelivery]
) -> None:
    regional = staff["regional"]
    for url in (LIST_URL, f"{LIST_URL}{deliveries['pending'].pk}/change/", LINKS_URL, "/admin/oidc/"):
        assert regional.get(url, secure=True).status_code in {403, 404}, url
    assert "/admin/oidc/" not in regional.get("/admin/", secure=True).content.decode()


def test_nobody_changes_or_deletes_a_delivery_by_hand(
    staff: dict[str, HttpClient], deliveries: dict[str, LogoutDelivery]
) -> None:
    pending = deliveries["pending"]
    for who in ("gestao", "superusuario"):
        change = staff[who].post(f"{LIST_URL}{pending.pk}/change/", {"attempts": "0"}, secure=True)
        delete = staff[who].post(f"{LIST_URL}{pending.pk}/delete/", {"post": "yes"}, secure=True)
        assert (change.status_code, delete.status_code) == (403, 403), who
    assert LogoutDelivery.objects.get(pk=pending.pk).attempts == 3


def _retry(client: HttpClient, *rows: LogoutDelivery) -> Any:
    data = {"action": "retry_now", "_selected_action": [r.pk for r in rows], "index": "0"}
    return client.post(LIST_URL, data, secure=True, follow=True)


def test_try_now_makes_pending_and_given_up_deliveries_due_and_leaves_a_delivered_one(
    staff: dict[str, HttpClient], deliveries: dict[str, LogoutDelivery]
) -> None:
    before = timezone.now()
    response = _retry(staff["gestao"], *deliveries.values())
    assert "2 entregas agendadas para agora; 1 já entregue ficou como estava." in response.content.decode()
    pending, given_up, delivered = (LogoutDelivery.objects.get(pk=d.pk) for d in deliveries.values())
    assert before <= pending.next_attempt_at <= timezone.now()
    assert before <= given_up.next_attempt_at <= timezone.now() and given_up.gave_up_at is None
    assert delivered.next_attempt_at == deliveries["delivered"].next_attempt_at
    assert delivered.delivered_at is not None


def test_the_national_viewing_group_may_not_try_now(
    staff: dict[str, HttpClient], deliveries: dict[str, LogoutDelivery]
) -> None:
    page = staff["consulta"].get(LIST_URL, secure=True).content.decode()
    assert "retry_now" not in page
    _retry(staff["consulta"], deliveries["pending"])
    assert LogoutDelivery.objects.get(pk=deliveries["pending"].pk).next_attempt_at == (
        deliveries["pending"].next_attempt_at
    )


def test_a_delivery_is_found_by_the_members_whole_cpf_with_or_without_punctuation(
    staff: dict[str, HttpClient], deliveries: dict[str, LogoutDelivery]
) -> None:
    punctuated = f"{LAWYER.cpf[:3]}.{LAWYER.cpf[3:6]}.{LAWYER.cpf[6:9]}-{LAWYER.cpf[9:]}"
    for term in (LAWYER.cpf, punctuated):
        response = staff["gestao"].get(LIST_URL, {"q": term}, secure=True)
        assert response.context["cl"].result_count == 3, term
    assert staff["gestao"].get(LIST_URL, {"q": "00000000000"}, secure=True).context["cl"].result_count == 0
