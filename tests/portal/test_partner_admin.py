"""The admin for INSS staff: certificate entry, group permissions and regional scope, masking, history, bulk
actions, CSV/XLSX import with preview and row errors, export gated by the LGPD permission."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from certauth.models import LoginAttempt
from portal.models import Member, Membership, PartnerEntity
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, regional_group_name
from tests.conftest import LAWYER

SUDESTE_1 = regional_group_name("Sudeste I")  # SP


@pytest.fixture
def partners(entity_factory, member_factory):
    sp = entity_factory(code="OAB-SP", name="OAB SP", uf="SP")
    rj = entity_factory(code="OAB-RJ", name="OAB RJ", uf="RJ")
    maria = member_factory(LAWYER.cpf, name="Maria Souza", entity=sp, oab="123456SP")
    joao = member_factory("08301661305", name="João Pereira", entity=rj)
    return {"sp": sp, "rj": rj, "maria": maria, "joao": joao}


@pytest.fixture
def manager(staff_factory, staff_login):
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


@pytest.fixture
def regional(staff_factory, staff_login):
    return staff_login(staff_factory("78778932807", groups=(SUDESTE_1,)))


def page(client: Client, url: str, **params: object) -> str:
    response = client.get(url, params, secure=True)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- entering the admin -------------------------------------------------------------------------------------------


def test_staff_enter_the_admin_with_their_certificate_and_a_password_is_refused(staff_factory, staff_login, client):
    staff = staff_factory(groups=(MANAGEMENT_GROUP,))
    staff.set_password("a-long-password-123")
    staff.save()
    login_page = client.get("/admin/login/", secure=True)
    assert "Entrar com certificado digital" in login_page.content.decode()
    assert "next=%2Fadmin%2F" in login_page.content.decode()
    refused = client.post("/admin/login/", {"username": staff.username, "password": "a-long-password-123"}, secure=True)
    assert refused.status_code == 403
    assert client.get("/admin/", secure=True).status_code == 302
    assert staff_login(staff).get("/admin/", secure=True).status_code == 200


def test_a_password_session_does_not_open_the_admin(staff_factory, client):
    staff = staff_factory(superuser=True)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/", secure=True).status_code == 302


def test_password_login_can_be_allowed_explicitly(staff_factory, client, settings):
    settings.PORTAL_STAFF_PASSWORD_LOGIN = True
    staff = staff_factory(superuser=True)
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/", secure=True).status_code == 200


def test_a_members_certificate_does_not_open_the_admin(partners, login_with, proxy_client):
    login_with(LAWYER)
    assert proxy_client.get("/admin/", secure=True).status_code == 302


# --- permissions of each group ------------------------------------------------------------------------------------


def test_management_edits_entities_and_members_everywhere(manager, partners):
    listing = page(manager, "/admin/portal/partnerentity/")
    assert "OAB-SP" in listing and "OAB-RJ" in listing
    rj = partners["rj"]
    form = page(manager, f"/admin/portal/partnerentity/{rj.pk}/change/")
    assert 'name="_save"' in form
    response = manager.post(
        f"/admin/portal/partnerentity/{rj.pk}/change/",
        {
            "code": rj.code,
            "name": "OAB Rio",
            "kind": "oab",
            "uf": "RJ",
            "status": "active",
            "act_number": "",
            "contact_email": "",
            "other_emails": "",
            "phone": "",
            "notes": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
        secure=True,
    )
    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*"[^<]*<li>([^<]+)', response.content.decode())
    assert PartnerEntity.objects.get(pk=rj.pk).name == "OAB Rio"


def partner_rows() -> list[object]:
    """Every row a write through the admin could touch: entities, members, memberships, admin log."""
    return [
        list(PartnerEntity.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        LogEntry.objects.count(),
    ]


def test_regional_staff_see_only_their_superintendencias_entities_read_only(
    regional, partners, login_with, proxy_client
):
    listing = page(regional, "/admin/portal/partnerentity/")
    assert "OAB-SP" in listing and "OAB-RJ" not in listing
    sp, rj, maria = partners["sp"], partners["rj"], partners["maria"]
    assert 'name="_save"' not in page(regional, f"/admin/portal/partnerentity/{sp.pk}/change/")
    assert regional.get(f"/admin/portal/partnerentity/{rj.pk}/change/", secure=True).status_code == 302  # not found
    members = page(regional, "/admin/portal/member/")
    assert "Maria Souza" in members and "João Pereira" not in members
    assert regional.get("/admin/portal/partnerentity/import/", secure=True).status_code == 403
    assert login_with(LAWYER).status_code == 302  # Maria has an open session (what the session actions would end)
    before = partner_rows()

    # Every write the admin offers someone, tried by the read-only group on its own region's rows: refused, and
    # nothing changes — no row, no admin log entry, no session ended.
    def refused(url: str, data: dict[str, object]) -> None:
        assert regional.post(url, data, secure=True).status_code == 403, url

    entity, member = f"/admin/portal/partnerentity/{sp.pk}/", f"/admin/portal/member/{maria.pk}/"
    refused(f"{entity}change/", {"code": sp.code, "name": "x", "kind": "oab", "uf": "SP", "status": "suspended"})
    refused("/admin/portal/partnerentity/add/", {"code": "OAB-XX", "name": "x", "kind": "oab", "uf": "SP"})
    refused(f"{entity}delete/", {"post": "yes"})
    refused(f"{member}change/", {"cpf": "78778932807", "name": "x", "email": "x@atacante.example", "active": ""})
    refused(f"{member}delete/", {"post": "yes"})
    for changelist, pk, actions in (
        ("/admin/portal/partnerentity/", sp.pk, ("suspend", "reactivate", "end_member_sessions", "delete_selected")),
        ("/admin/portal/member/", maria.pk, ("end_sessions", "delete_selected")),
    ):
        for action in actions:  # not offered to this group: Django answers "no action" (or 403) and does nothing
            bulk = {"action": action, "_selected_action": [pk], "post": "yes"}
            assert regional.post(changelist, bulk, secure=True).status_code in (200, 302, 403), action

    assert partner_rows() == before
    assert proxy_client.get("/painel/", secure=True).status_code == 200, "Maria's session was ended"


def test_regional_staff_see_only_the_login_attempts_of_their_region(regional, partners, login_with, pki):
    login_with(LAWYER)
    login_with(LAWYER.but(cpf="08301661305", oab=None))
    audit = page(regional, "/admin/certauth/loginattempt/")
    maria = LoginAttempt.objects.get(cpf=LAWYER.cpf)
    joao = LoginAttempt.objects.get(cpf="08301661305")
    assert maria.reference in audit and joao.reference not in audit


def test_national_viewers_read_everything_but_export_no_personal_data(staff_factory, staff_login, partners):
    viewer = staff_login(staff_factory(groups=(NATIONAL_VIEW_GROUP,)))
    listing = page(viewer, "/admin/portal/partnerentity/")
    assert "OAB-SP" in listing and "OAB-RJ" in listing
    assert viewer.get("/admin/portal/partnerentity/export/", secure=True).status_code == 200
    assert viewer.get("/admin/portal/member/export/", secure=True).status_code == 403


# --- LGPD: masking and export -------------------------------------------------------------------------------------


def test_cpf_is_masked_in_member_and_audit_lists(manager, partners, login_with):
    login_with(LAWYER)
    for url in ("/admin/portal/member/", "/admin/certauth/loginattempt/"):
        listing = page(manager, url)
        assert "***.018.159-**" in listing
        assert LAWYER.cpf not in listing and "526.018.159-06" not in listing


def test_member_search_by_cpf_with_or_without_punctuation_and_by_oab(manager, partners):
    for term in ("526.018.159-06", LAWYER.cpf, "0123456", "123456"):
        assert "Maria Souza" in page(manager, "/admin/portal/member/", q=term), term


def test_management_exports_members_as_xlsx_in_the_import_format(manager, partners):
    response = manager.post("/admin/portal/member/export/", {"format": "1", "resource": ""}, secure=True)
    assert response.status_code == 200, response.content[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["entity_code", "cpf", "name", "email", "oab_number", "oab_uf"]
    assert ["OAB-SP", LAWYER.cpf, "Maria Souza", "", "123456", "SP"] in rows


# --- import in the admin, with preview and row-level errors -------------------------------------------------------


def upload(client: Client, url: str, content: str) -> str:
    file = io.BytesIO(content.encode())
    file.name = "dados.csv"
    response = client.post(url, {"import_file": file, "format": "0", "resource": ""}, secure=True)
    assert response.status_code == 200
    return response.content.decode()


def test_admin_import_previews_then_imports_after_confirmation(manager):
    preview = upload(
        manager,
        "/admin/portal/partnerentity/import/",
        "code,name,kind,uf,act_number,act_signed_on,contact_email\nN1,Nova,municipio,BA,,,\n",
    )
    assert "N1" in preview and not PartnerEntity.objects.filter(code="N1").exists()
    confirm = {name: value for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', preview)}
    done = manager.post("/admin/portal/partnerentity/process_import/", confirm, secure=True)
    assert done.status_code == 302
    assert PartnerEntity.objects.get(code="N1").superintendencia == "Nordeste"


def test_admin_import_shows_row_errors_and_offers_no_confirmation(manager, partners):
    preview = upload(
        manager,
        "/admin/portal/member/import/",
        "entity_code,cpf,name,email,oab_number,oab_uf\nOAB-SP,11122233344,Fulano,,,\n",
    )
    assert "CPF inválido" in preview
    assert "process_import" not in preview
    assert not Member.objects.filter(name="Fulano").exists()


# --- history and bulk actions -------------------------------------------------------------------------------------


def test_changes_keep_a_history_of_who_changed_what_and_when(manager, partners):
    sp = partners["sp"]
    manager.post("/admin/portal/partnerentity/", {"action": "suspend", "_selected_action": [sp.pk]}, secure=True)
    sp.refresh_from_db()
    assert sp.status == "suspended"
    record = sp.history.first()
    assert record.history_user.cpf == "50752917080"
    assert record.history_change_reason == "suspensão em lote"
    history = page(manager, f"/admin/portal/partnerentity/{sp.pk}/history/")
    assert "suspensão em lote" in history


def test_bulk_reactivation(manager, entity_factory):
    suspended = [entity_factory(status="suspended") for _ in range(3)]
    manager.post(
        "/admin/portal/partnerentity/",
        {"action": "reactivate", "_selected_action": [e.pk for e in suspended]},
        secure=True,
    )
    assert set(PartnerEntity.objects.values_list("status", flat=True)) == {"active"}


def test_superintendencia_and_migration_filters(manager, partners, login_with):
    login_with(LAWYER)  # Maria (OAB-SP) logs in with A3: OAB-SP is migrated
    nordeste = page(manager, "/admin/portal/partnerentity/", superintendencia="sudeste-1")
    assert "OAB-SP" in nordeste and "OAB-RJ" not in nordeste
    migrated = page(manager, "/admin/portal/partnerentity/", migrada="sim")
    assert "OAB-SP" in migrated and "OAB-RJ" not in migrated
    not_yet = page(manager, "/admin/portal/partnerentity/", migrada="nao")
    assert "OAB-RJ" in not_yet and "OAB-SP" not in not_yet
