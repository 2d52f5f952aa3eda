"""Security properties of the legacy CPF + password login (``/entrar/senha/``) and of the admin's door.

Extends ``test_password_login.py`` (which covers the lockout one attempt after another, the identical pages for a
wrong password and an unknown CPF, and the schedule) with: the lockout under parallel attempts, the same password
hashing work (hence time) for a registered vs an unknown CPF with the real (Argon2) hasher, session fixation, CSRF,
and who may enter ``/admin/``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from importlib import import_module

import argon2
import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import Argon2PasswordHasher, MD5PasswordHasher, get_hashers
from django.db import connections
from django.test import Client

from certauth.models import LoginAttempt, LoginMethod, Outcome
from portal.models import Member, PartnerEntity, User
from tests.conftest import LAWYER

PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105
URL = "/entrar/senha/"
OTHER_CPF = "11144477735"  # valid check digits
UNKNOWN_CPF = "39053344705"  # valid check digits, nobody's
SLOW_HASHER = f"{__name__}.SlowHasher"


class SlowHasher(MD5PasswordHasher):
    """The tests' fast hasher, made to take as long as a production password check (Argon2 takes 0.1–0.4 s) without
    Argon2's 100 MiB per check: parallel logins then overlap the way they do in production. Counts its checks."""

    algorithm = "slow_md5_for_tests"
    seconds = 0.5
    checks = 0
    _lock = threading.Lock()

    def verify(self, password: str, encoded: str) -> bool:
        with SlowHasher._lock:
            type(self).checks += 1
        time.sleep(self.seconds)
        return super().verify(password, encoded)


def browser(**extra) -> Client:
    """A browser on the portal host (requests pass ``secure=True``)."""
    return Client(HTTP_HOST=django_settings.PORTAL_HOSTNAME, **extra)


@pytest.fixture
def password_member(entity_factory, member_factory):
    """A member of an RS entity (Anexo I: no date yet, so password login is allowed at any instant)."""

    def make(cpf: str = LAWYER.cpf, *, entity: PartnerEntity | None = None, name: str = "Maria da Silva") -> Member:
        member = member_factory(cpf, name=name, entity=entity or entity_factory(uf="RS"))
        member.user = User.objects.create_user(username=cpf, cpf=cpf, password=PASSWORD)
        member.save()
        return member

    return make


def post(client: Client, cpf: str = LAWYER.cpf, password: str = PASSWORD, **extra):
    return client.post(URL, {"cpf": cpf, "password": password}, secure=True, **extra)


def session_store(key: str | None = None):
    return import_module(django_settings.SESSION_ENGINE).SessionStore(key)


def dashboard_name(client: Client) -> str | None:
    """The name on the dashboard, or None when the dashboard sends the visitor away (not logged in)."""
    response = client.get("/painel/", secure=True)
    if response.status_code == 302:
        return None
    assert response.status_code == 200, response.status_code
    match = re.search(r'id="nome-membro">([^<]*)<', response.content.decode())
    assert match, response.content.decode()[:500]
    return match.group(1)


# --------------------------------------------------------------------------------------------- lockout, in parallel

PARALLEL = 20


def parallel_posts(passwords: list[str], addresses: list[str]) -> list[tuple[int, str | None]]:
    """POST every password at the same instant (one thread and browser each, released by a barrier)."""
    barrier = threading.Barrier(len(passwords))
    answers: list[tuple[int, str | None] | None] = [None] * len(passwords)
    errors: list[tuple[int, BaseException]] = []

    def attempt(n: int) -> None:
        try:
            client = browser()
            barrier.wait(timeout=30)
            response = post(client, password=passwords[n], REMOTE_ADDR=addresses[n])
            answers[n] = (response.status_code, response.get("X-Error-Code"))
        except BaseException as exc:  # noqa: BLE001  (reported by the caller, with the attempt's number)
            errors.append((n, exc))
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an attempt hung"
    # E.g. OperationalError("database is locked"): an attempt neither counted nor audited. The settings prevent it on
    # sqlite (WAL, BEGIN IMMEDIATE, a 20 s busy timeout): writers wait for each other instead of failing.
    assert errors == [], errors
    assert None not in answers
    return answers  # type: ignore[return-value]


ADDRESSES = {
    "from one address": lambda n: ["203.0.113.50"] * n,  # the same axes row, updated by every attempt
    "from twenty addresses": lambda n: [f"203.0.113.{i + 1}" for i in range(n)],  # a botnet: a row per address
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("hasher", ["fast hasher", "slow hasher"])
@pytest.mark.parametrize("sources", list(ADDRESSES))
def test_the_lockout_holds_under_parallel_wrong_passwords_and_every_attempt_is_audited(
    sources, hasher, password_member, settings
):
    """Twenty browsers post wrong passwords for one CPF at the same instant. No attempt is lost — not from
    django-axes' failure count, not from the audit — none fails with a database error, and afterwards the right
    password is refused with LOCKED_OUT. (With the slow hasher every check overlaps every other one.)"""
    if hasher == "slow hasher":
        settings.PASSWORD_HASHERS = [SLOW_HASHER]
    member = password_member()
    assert member.user.password.startswith("slow_md5" if hasher == "slow hasher" else "md5$")
    addresses = ADDRESSES[sources](PARALLEL)

    answers = parallel_posts([f"errada-{n}" for n in range(PARALLEL)], addresses)

    assert set(answers) <= {(401, None), (403, "LOCKED_OUT")}, answers  # never a 302, never a 500
    generic = answers.count((401, None))
    locked_answers = answers.count((403, "LOCKED_OUT"))
    assert generic + locked_answers == PARALLEL
    # At most limit − 1 attempts get the generic answer: the one that records the limit-th failure is told LOCKED_OUT.
    assert generic <= settings.AXES_FAILURE_LIMIT - 1, answers
    # django-axes counted every failure (an update lost between parallel transactions would show here); failures
    # during a lockout count too (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT, on by default).
    failures = AccessAttempt.objects.filter(username=LAWYER.cpf).values_list("failures_since_start", flat=True)
    assert sum(failures) == PARALLEL, list(failures)
    assert len(failures) == len(set(addresses)), "one axes row per (CPF, address, browser)"

    # The right password, now, from yet another address: refused.
    locked = post(browser(), REMOTE_ADDR="198.51.100.9")
    assert (locked.status_code, locked["X-Error-Code"]) == (403, "LOCKED_OUT")
    assert SESSION_KEY not in locked.wsgi_request.session

    rows = list(LoginAttempt.objects.filter(method=LoginMethod.PASSWORD))
    assert len(rows) == PARALLEL + 1, "one audit row per attempt"
    assert len({r.reference for r in rows}) == PARALLEL + 1
    assert {(r.outcome, r.cpf, r.user_id) for r in rows} == {(Outcome.REJECTED, LAWYER.cpf, None)}
    assert sum(r.code == "PASSWORD_INVALID" for r in rows) == generic
    assert sum(r.code == "LOCKED_OUT" for r in rows) == locked_answers + 1
    assert sorted(r.ip for r in rows) == sorted([*addresses, "198.51.100.9"])
    assert not LoginAttempt.objects.filter(outcome=Outcome.ACCEPTED).exists()
    member.refresh_from_db()
    assert member.last_password_login_at is None

    # django-axes keeps the query and POST data of failures: never the passwords tried (often typos of the real one).
    stored = [f"{a.get_data} {a.post_data}" for a in AccessAttempt.objects.all()]
    stored += [f"{f.username} {f.user_agent} {f.path_info}" for f in AccessFailureLog.objects.all()]
    assert stored and not [s for s in stored if "errada-" in s or PASSWORD in s], stored


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_burst_of_parallel_guesses_gets_no_more_password_checks_than_the_failure_limit(password_member, settings):
    """Serially, a locked CPF's password is never checked again (AxesStandaloneBackend refuses first): only the first
    AXES_FAILURE_LIMIT wrong guesses are ever compared with the hash. Parallel guesses must not buy more."""
    settings.PASSWORD_HASHERS = [SLOW_HASHER]
    password_member()
    hasher = type(get_hashers()[0])
    hasher.checks = 0

    answers = parallel_posts([f"palpite-{n}" for n in range(PARALLEL)], ADDRESSES["from twenty addresses"](PARALLEL))

    assert (302, None) not in answers
    assert hasher.checks <= settings.AXES_FAILURE_LIMIT, f"{hasher.checks} guesses were checked against the hash"


# ------------------------------------------------------------------------------------------------------- timing


class CountingArgon2(Argon2PasswordHasher):
    """The production hasher (real Argon2id, Django's parameters), recording each Argon2 computation it runs with
    the parameters that set its cost. Same ``algorithm`` as Django's, so it also verifies the stored hashes."""

    work: list[tuple[str, tuple[int, ...]]] = []

    @staticmethod
    def cost(params: argon2.Parameters) -> tuple[int, ...]:
        return (params.type.value, params.version, params.time_cost, params.memory_cost, params.parallelism)

    def encode(self, password: str, salt: str) -> str:
        type(self).work.append(("encode", self.cost(self.params())))
        return str(super().encode(password, salt))

    def verify(self, password: str, encoded: str) -> bool:
        type(self).work.append(("verify", self.cost(self.decode(encoded)["params"])))
        return bool(super().verify(password, encoded))


def _argon2_work(client: Client, cpf: str, password: str) -> list[tuple[str, tuple[int, ...]]]:
    CountingArgon2.work = []
    response = post(client, cpf, password)
    assert response.status_code == 401, response.status_code
    return CountingArgon2.work


@pytest.mark.django_db
def test_a_wrong_password_for_a_registered_cpf_costs_the_same_argon2_work_as_one_for_an_unknown_cpf(
    password_member, settings, monkeypatch
):
    """Timing must not tell whether a CPF is registered. The time of a wrong guess is the Argon2 computation it runs
    (~0.1–0.4 s; everything else is a few milliseconds): a registered CPF verifies its stored hash, and Django's
    ModelBackend hashes the password once for an unknown CPF too. Counted, not timed (a timing ratio is noise on a
    loaded machine): each answer runs exactly one Argon2id computation, of the same cost (type, version, time,
    memory, parallelism).

    The test can fail, and checks that it can: with the dummy hash removed (``User.set_password`` made a no-op, which
    is what ModelBackend calls for an unknown user) an unknown CPF runs no Argon2 at all — 20–60× faster.
    """
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingArgon2"]
    settings.AXES_FAILURE_LIMIT = 10**6  # count the password check, not the lockout answer
    member = password_member()
    assert member.user.password.startswith("argon2$argon2id$"), "the registered CPF's password is an Argon2 hash"
    client = browser()

    registered = _argon2_work(client, LAWYER.cpf, "errada-1")
    unknown = _argon2_work(client, UNKNOWN_CPF, "errada-1")

    production = CountingArgon2.cost(CountingArgon2().params())
    assert registered == [("verify", production)], registered
    assert unknown == [("encode", production)], unknown

    # The detector's own check: without the dummy hash for unknown users the same count sees the difference.
    monkeypatch.setattr(User, "set_password", lambda self, raw_password: None)
    assert _argon2_work(client, UNKNOWN_CPF, "sem-hash") == [], "this test could not see a missing dummy hash"


# --------------------------------------------------------------------------------------------- session fixation


def _planted_key(kind: str) -> str:
    if kind == "invented by the attacker":
        return "k" * 32
    store = session_store()  # an anonymous session the site issued (to the attacker's own browser)
    store["planted"] = "by-the-attacker"
    store.save()
    return store.session_key


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["issued by the site", "invented by the attacker"])
def test_a_session_key_planted_before_the_password_login_is_not_the_one_after_it(kind, password_member):
    password_member()
    planted = _planted_key(kind)
    victim = browser()
    victim.cookies[django_settings.SESSION_COOKIE_NAME] = planted

    assert post(victim).status_code == 302

    after = victim.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert after and after != planted
    assert not session_store().exists(planted), "the planted key is gone from the session store"
    assert session_store().exists(after)
    assert dashboard_name(victim) == "Maria da Silva"

    attacker = browser()  # ... who kept the planted key
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = planted
    assert dashboard_name(attacker) is None, "the planted key does not open the victim's session"
    assert dashboard_name(victim) == "Maria da Silva", "and replaying it did not end the victim's session either"


@pytest.mark.django_db
def test_an_attackers_logged_in_session_planted_in_a_victims_browser_is_replaced_at_the_victims_login(
    password_member, entity_factory
):
    entity = entity_factory(uf="RS")
    password_member(OTHER_CPF, entity=entity, name="Atacante Teste")
    password_member(entity=entity)
    attacker = browser()
    assert post(attacker, OTHER_CPF).status_code == 302
    planted = attacker.cookies[django_settings.SESSION_COOKIE_NAME].value
    victim = browser()
    victim.cookies[django_settings.SESSION_COOKIE_NAME] = planted
    assert dashboard_name(victim) == "Atacante Teste"  # the fixation worked so far: the victim browses as the attacker

    assert post(victim).status_code == 302

    assert victim.cookies[django_settings.SESSION_COOKIE_NAME].value != planted
    assert dashboard_name(victim) == "Maria da Silva"
    assert dashboard_name(attacker) is None, "the attacker's key does not follow the victim into her session"
    assert not session_store().exists(planted)


# -------------------------------------------------------------------------------------------------------- CSRF


def csrf_browser() -> Client:
    return browser(enforce_csrf_checks=True)


def form_token(client: Client) -> str:
    page = client.get(URL, secure=True)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match
    return match.group(1)


def _no_token(client: Client) -> dict:
    return {}


def _cookie_but_no_field(client: Client) -> dict:
    form_token(client)
    assert django_settings.CSRF_COOKIE_NAME in client.cookies
    return {}


def _wrong_field(client: Client) -> dict:
    form_token(client)
    return {"csrfmiddlewaretoken": "x" * 64}


def _another_browsers_token(client: Client) -> dict:
    return {"csrfmiddlewaretoken": form_token(csrf_browser())}  # the attacker's own valid pair, minus its cookie


def _right_token_cross_site(client: Client) -> dict:
    return {"csrfmiddlewaretoken": form_token(client), "HTTP_ORIGIN": "https://atacante.example"}


CSRF_FORGERIES: dict[str, Callable[[Client], dict]] = {
    "no token": _no_token,
    "cookie but no token in the form": _cookie_but_no_field,
    "a wrong token": _wrong_field,
    "another browser's token": _another_browsers_token,
    "the right token from another site": _right_token_cross_site,
}


def _send(client: Client, fields: dict, path: str = URL, data: dict | None = None):
    headers = {"HTTP_ORIGIN": django_settings.PORTAL_BASE_URL}
    headers.update({k: v for k, v in fields.items() if k.startswith("HTTP_")})
    form = {**(data or {}), **{k: v for k, v in fields.items() if not k.startswith("HTTP_")}}
    return client.post(path, form, secure=True, **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("how", list(CSRF_FORGERIES))
def test_a_password_login_post_without_a_valid_csrf_token_is_refused_before_it_counts(how, password_member):
    """403 from CSRF protection, with the RIGHT password: no session, no audit row, no failure counted towards the
    lockout (a cross-site page cannot lock a member out)."""
    password_member()
    client = csrf_browser()

    response = _send(client, CSRF_FORGERIES[how](client), data={"cpf": LAWYER.cpf, "password": PASSWORD})

    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert dashboard_name(client) is None
    assert not LoginAttempt.objects.exists()
    assert not AccessAttempt.objects.exists()


@pytest.mark.django_db
def test_control_a_password_login_post_with_its_token_from_the_portal_logs_in(password_member):
    password_member()
    client = csrf_browser()

    response = _send(
        client, {"csrfmiddlewaretoken": form_token(client)}, data={"cpf": LAWYER.cpf, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert dashboard_name(client) == "Maria da Silva"


def _current_token(client: Client) -> str:
    """The token of the session's pages (Django rotates the CSRF secret at login)."""
    page = client.get("/painel/", secure=True).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the dashboard has the logout form"
    return match.group(1)


#: ``(client, token the browser had before its login) -> fields`` of a logout POST.
LOGOUT_FORGERIES: dict[str, Callable[[Client, str], dict]] = {
    "no token": lambda client, before: {},
    "a wrong token": lambda client, before: {"csrfmiddlewaretoken": "x" * 64},
    "the token from before the login": lambda client, before: {"csrfmiddlewaretoken": before},
    "the right token from another site": lambda client, before: {
        "csrfmiddlewaretoken": _current_token(client),
        "HTTP_ORIGIN": "https://atacante.example",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("how", list(LOGOUT_FORGERIES))
def test_logout_of_a_password_session_without_a_valid_csrf_token_is_refused(how, password_member):
    password_member()
    client = csrf_browser()
    before = form_token(client)
    assert (
        _send(client, {"csrfmiddlewaretoken": before}, data={"cpf": LAWYER.cpf, "password": PASSWORD}).status_code
        == 302
    )
    assert dashboard_name(client) == "Maria da Silva"

    response = _send(client, LOGOUT_FORGERIES[how](client, before), path="/sair/")

    assert response.status_code == 403
    assert dashboard_name(client) == "Maria da Silva", "the session goes on"
    assert client.get("/sair/", secure=True).status_code == 405, "nor does a GET log out"
    assert dashboard_name(client) == "Maria da Silva"

    # Control: with the current token, from the portal, logout works.
    assert _send(client, {"csrfmiddlewaretoken": _current_token(client)}, path="/sair/").status_code == 302
    assert dashboard_name(client) is None


# ---------------------------------------------------------------------------------------------------- the admin

ADMIN_PAGES = [
    "/admin/",
    "/admin/portal/partnerentity/",
    "/admin/portal/member/",
    "/admin/portal/user/",
    "/admin/certauth/loginattempt/",
]


@pytest.fixture
def visitor(password_member, member_factory, staff_factory, staff_login, login_with, proxy_client, settings):
    """``visitor(kind)`` → a browser with that kind of session."""

    def make(kind: str) -> Client:
        if kind == "member, password session":
            password_member()
            client = browser()
            assert post(client).status_code == 302
            return client
        if kind == "member, certificate session":
            member_factory()
            assert login_with(LAWYER).status_code == 302
            return proxy_client
        if kind == "member flagged superuser but not staff, certificate session":
            member = member_factory()
            member.user = User.objects.create_user(username=LAWYER.cpf, cpf=LAWYER.cpf, is_superuser=True)
            member.save()
            assert login_with(LAWYER).status_code == 302
            return proxy_client
        if kind == "staff superuser, password session":
            client = browser()
            client.force_login(staff_factory(superuser=True), backend="django.contrib.auth.backends.ModelBackend")
            return client
        if kind == "non-staff superuser, password session, PORTAL_STAFF_PASSWORD_LOGIN on":
            settings.PORTAL_STAFF_PASSWORD_LOGIN = True
            user = User.objects.create_user(username="nao-servidor", cpf=OTHER_CPF, is_superuser=True)
            client = browser()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            return client
        if kind == "staff superuser, certificate session, deactivated since":
            staff = staff_factory(superuser=True)
            client = staff_login(staff)
            User.objects.filter(pk=staff.pk).update(is_active=False)
            return client
        if kind == "staff superuser, certificate session, staff rights removed since":
            staff = staff_factory(superuser=True)
            client = staff_login(staff)
            User.objects.filter(pk=staff.pk).update(is_staff=False)
            return client
        if kind == "anonymous":
            return browser()
        if kind == "staff superuser, certificate session":
            return staff_login(staff_factory(superuser=True))
        raise AssertionError(kind)

    return make


REFUSED_AT_THE_ADMIN = [
    "anonymous",
    "member, password session",
    "member, certificate session",
    "member flagged superuser but not staff, certificate session",
    "staff superuser, password session",
    "non-staff superuser, password session, PORTAL_STAFF_PASSWORD_LOGIN on",
    "staff superuser, certificate session, deactivated since",
    "staff superuser, certificate session, staff rights removed since",
]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", REFUSED_AT_THE_ADMIN)
def test_the_admin_refuses_everybody_but_staff_with_a_certificate_session(kind, visitor):
    client = visitor(kind)
    entities = PartnerEntity.objects.count()

    for page in ADMIN_PAGES:
        response = client.get(page, secure=True)
        assert response.status_code == 302, (page, response.status_code)
        assert response["Location"].startswith("/admin/login/"), (page, response["Location"])

    added = client.post(
        "/admin/portal/partnerentity/add/",
        {"code": "INVASORA", "name": "Entidade Invasora", "kind": "oab", "uf": "SP", "status": "active"},
        secure=True,
    )
    assert added.status_code == 302 and added["Location"].startswith("/admin/login/"), added.status_code
    assert PartnerEntity.objects.count() == entities
    assert not PartnerEntity.objects.filter(code="INVASORA").exists()


@pytest.mark.django_db
def test_control_staff_with_a_certificate_session_enter_every_admin_page(visitor):
    client = visitor("staff superuser, certificate session")

    for page in ADMIN_PAGES:
        assert client.get(page, secure=True).status_code == 200, page
