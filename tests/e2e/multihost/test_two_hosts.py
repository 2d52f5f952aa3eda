"""Two portal hosts (two nginx + gunicorn stacks) on one PostgreSQL: a session made on one is honoured by the other,
and access ended on one ends it on the other, at its very next request there, with the refusal page and its code."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from portal.permissions import MANAGEMENT_GROUP
from tests.e2e.conftest import Browser, assert_rejection_page, element_text
from tests.e2e.multihost.conftest import TwoHosts
from tests.e2e.test_load import valid_cpf

pytestmark = [pytest.mark.e2e]


def logged_in_on_a(two_hosts: TwoHosts, workdir: Path, cpf: str, name: str) -> Browser:
    """A member's browser after a certificate login on host A (whose dashboard shows them)."""
    certificate = two_hosts.add_member(cpf, name)
    workdir.mkdir(parents=True, exist_ok=True)
    browser = Browser(two_hosts.a, workdir, certificate)
    login = browser.login()
    assert login.status == 302 and login.header("Location") == f"{two_hosts.a.portal}/painel/", login
    dashboard = browser.get(f"{two_hosts.a.portal}/painel/")
    assert element_text(dashboard.body, "nome-membro") == name, dashboard
    return browser


def assert_anonymous(browser: Browser) -> None:
    response = browser.get(f"{browser.stack.portal}/painel/")
    assert response.status == 302 and response.header("Location") == "/?next=/painel/", response


def test_the_two_hosts_share_one_database_and_the_same_secrets(two_hosts):
    a, b = (host.stack.env for host in two_hosts.hosts())
    assert a["DATABASE_URL"] == b["DATABASE_URL"] == two_hosts.database_url
    assert two_hosts.database_url.startswith("postgres://")
    for name in ("SECRET_KEY", "CERTAUTH_PROXY_SECRET", "OIDC_SIGNING_KEY_FILE", "PORTAL_BASE_URL"):
        assert a[name] and a[name] == b[name], name
    assert Path(a["OIDC_SIGNING_KEY_FILE"]).is_file()
    assert len({two_hosts.a.portal_port, two_hosts.b.portal_port, two_hosts.a.login_port, two_hosts.b.login_port}) == 4
    took = two_hosts.timings
    print(f"\ntwo_hosts ready in {took['total']:.1f} s (migrated after {took['migrate']:.1f} s)")


def test_a_certificate_login_on_host_a_is_honoured_on_host_b(two_hosts, tmp_path):
    browser = logged_in_on_a(two_hosts, tmp_path, valid_cpf(111_222_333), "Ana Paula Moreira")
    on_b = browser.on(two_hosts.b)

    dashboard = on_b.get(f"{two_hosts.b.portal}/painel/")

    assert dashboard.status == 200, dashboard
    assert element_text(dashboard.body, "nome-membro") == "Ana Paula Moreira", dashboard
    assert [row["outcome"] for row in two_hosts.attempts(cpf=valid_cpf(111_222_333))] == ["accepted"]


def test_a_browser_without_the_cookie_is_anonymous_on_host_b(two_hosts, tmp_path):
    logged_in_on_a(two_hosts, tmp_path / "member", valid_cpf(111_222_334), "Bruno Teixeira")
    (tmp_path / "stranger").mkdir()
    assert_anonymous(Browser(two_hosts.b, tmp_path / "stranger"))


def test_deactivating_the_member_on_the_database_ends_the_session_on_host_b(two_hosts, tmp_path):
    browser = logged_in_on_a(two_hosts, tmp_path, valid_cpf(111_222_335), "Carla Nunes")
    on_b = browser.on(two_hosts.b)
    assert on_b.get(f"{two_hosts.b.portal}/painel/").status == 200

    cpf = valid_cpf(111_222_335)
    saved = time.monotonic()
    two_hosts.orm(f"from portal.models import Member\nm = Member.objects.get(cpf={cpf!r})\nm.active = False\nm.save()")
    response = on_b.get(f"{two_hosts.b.portal}/painel/")
    elapsed = time.monotonic() - saved

    reference = assert_rejection_page(response, "MEMBER_INACTIVE")
    rows = two_hosts.attempts(code="MEMBER_INACTIVE")
    assert [row["reference"] for row in rows] == [reference], rows
    assert "Sessão encerrada" in rows[0]["detail"]
    assert_anonymous(browser)  # ended for host A too: the session row is gone
    assert_anonymous(on_b)
    print(f"\nsave on the database → refusal page on host B: {elapsed * 1000:.0f} ms (through the ORM shell)")


def test_staff_ending_the_sessions_in_host_a_admin_ends_the_session_on_host_b(two_hosts, tmp_path):
    cpf = valid_cpf(111_222_336)
    member = logged_in_on_a(two_hosts, tmp_path / "member", cpf, "Daniel Couto").on(two_hosts.b)
    assert member.get(f"{two_hosts.b.portal}/painel/").status == 200
    staff = staff_browser_on_a(two_hosts, tmp_path / "staff", valid_cpf(222_333_444))
    member_pk = two_hosts.orm(f"from portal.models import Member\nresult = Member.objects.get(cpf={cpf!r}).pk")

    changelist = f"{two_hosts.a.portal}/admin/portal/member/"
    page = staff.get(changelist)
    assert page.status == 200, page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert token, page
    done = staff.post(
        changelist,
        data=f"csrfmiddlewaretoken={token.group(1)}&action=end_sessions&_selected_action={member_pk}",
        headers=[("Referer", changelist), ("Content-Type", "application/x-www-form-urlencoded")],
    )
    assert done.status == 302, done
    assert "1 sessão encerrada" in staff.get(changelist).body

    reference = assert_rejection_page(member.get(f"{two_hosts.b.portal}/painel/"), "SESSION_ENDED")
    assert [row["reference"] for row in two_hosts.attempts(code="SESSION_ENDED")] == [reference]
    assert_anonymous(member)
    assert_anonymous(member.on(two_hosts.a))


def staff_browser_on_a(two_hosts: TwoHosts, workdir: Path, cpf: str) -> Browser:
    """An INSS staff member (entity management group) signed in on host A's admin with their own A3 certificate."""
    two_hosts.orm(
        "from django.contrib.auth.models import Group\nfrom portal.models import User\n"
        f"u = User.objects.create_user(username='servidor-{cpf}', cpf={cpf!r}, is_staff=True, first_name='Servidor')\n"
        f"u.groups.add(Group.objects.get(name={MANAGEMENT_GROUP!r}))\n"
    )
    from certauth.icp.builder import PersonSpec

    certificate = two_hosts.pki.issue(PersonSpec("SERVIDOR", cpf), two_hosts.pki.final)
    workdir.mkdir(parents=True, exist_ok=True)
    browser = Browser(two_hosts.a, workdir, certificate)
    login = browser.get(f"{two_hosts.a.login_url}?next=/admin/")
    assert login.status == 302 and (login.header("Location") or "").endswith("/admin/"), login
    return browser
