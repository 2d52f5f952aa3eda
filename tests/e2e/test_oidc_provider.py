"""The OpenID provider through the real nginx and gunicorn, with two real OpenID Connect client libraries as relying
parties (Authlib and pyoidc, :mod:`tests.e2e.oidc_rp`): discovery, the code flow with PKCE for each login method
and its claims, what is refused, signatures across a key rotation, the Portaria at the provider, and, whenever the
portal session ends, refreshes refused and a valid logout token delivered to the client's back-channel URI."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
from authlib.integrations.requests_client import OAuthError
from authlib.oauth2.rfc6749.errors import MismatchingStateException
from cryptography import x509
from django.test import override_settings
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError
from joserfc.jwk import KeySet

from certauth.icp.builder import Issued, RevokedEntry
from oidc.models import CodeLink, LogoutDelivery, SessionClient
from portal import session_keys
from portal.models import EntityStatus, Member, Membership, PartnerEntity
from portal.serving.processes import BASE_DIR
from portal.session_access import end_sessions
from portal.sessions import SessionStore
from rollout.models import EntityOverride
from tests.conftest import LAWYER
from tests.e2e.conftest import (
    Browser,
    E2EStack,
    assert_rejection_page,
    element_text,
    register_psc,
    serving,
    sibling_stack,
)
from tests.e2e.oidc_rp import (
    BACKCHANNEL_EVENT,
    REDIRECT_URI,
    AuthlibRP,
    PyoidcRP,
    Registration,
    TokenRefused,
    register_client,
    run_worker_once,
)
from tests.e2e.test_cloud_login import until_callback
from tests.e2e.test_password_login import PASSWORD, post_password, with_password
from tests.oidc.conftest import BackchannelReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BRASILIA = ZoneInfo("America/Sao_Paulo")
LIBRARIES = [AuthlibRP, PyoidcRP]
RP = AuthlibRP | PyoidcRP


@pytest.fixture
def backchannel() -> Iterator[BackchannelReceiver]:
    """The client's back-channel logout endpoint, in the test process on loopback."""
    receiver = BackchannelReceiver()
    yield receiver
    receiver.down()


@pytest.fixture
def rs_entity(entity_factory: Callable[..., PartnerEntity]) -> PartnerEntity:
    """An entity whose cutover has no date yet (password access allowed, no end in sight)."""
    return entity_factory(code="OAB-RS", name="OAB Rio Grande do Sul", uf="RS")


def certificate_login(browser: Browser) -> None:
    assert browser.login().status == 302


def password_login(browser: Browser, member: Member) -> None:
    with_password(member)
    response = post_password(browser, member.cpf, PASSWORD)
    assert response.status == 302, response


def brasilia_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=BRASILIA)


def today_in_brasilia() -> dt.date:
    return dt.datetime.now(BRASILIA).date()


# ---------------------------------------------------------------------------------------------- 1. discovery


def test_discovery_document_is_valid_for_both_libraries(e2e_stack: E2EStack) -> None:
    registration = register_client(e2e_stack)
    authlib = AuthlibRP(e2e_stack, registration)  # Authlib validates the metadata (OIDC Discovery + RFC 8414)
    pyoidc = PyoidcRP(e2e_stack, registration)  # pyoidc checks the issuer it asked for and loads the JWKS

    for document in (dict(authlib.metadata), pyoidc.configuration.to_dict()):
        assert document["issuer"] == e2e_stack.portal  # PORTAL_BASE_URL, no trailing slash
        for name, path in {
            "authorization_endpoint": "/oidc/authorize/",
            "token_endpoint": "/oidc/token/",
            "userinfo_endpoint": "/oidc/userinfo/",
            "jwks_uri": "/oidc/jwks/",
            "end_session_endpoint": "/oidc/logout/",
        }.items():
            assert document[name] == f"{e2e_stack.portal}{path}", name
        assert document["response_types_supported"] == ["code"]
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert document["id_token_signing_alg_values_supported"] == ["RS256"]
        assert document["backchannel_logout_supported"] is True
        assert document["backchannel_logout_session_supported"] is True
        assert set(document["scopes_supported"]) >= {"openid", "profile", "email", "entidade", "certificado"}
        assert {"sub", "amr", "acr", "sid", "auth_time", "entity", "certificate"} <= set(document["claims_supported"])
    keys = authlib.jwks()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" and k["kid"] for k in keys)
    assert not any({"d", "p", "q"} & set(k) for k in keys), "no private part published"
    assert len(pyoidc.client.keyjar.get_issuer_keys(e2e_stack.portal)) == len(keys)


# ---------------------------------------------------------------------------------------------- 2. the code flow


def assert_common_claims(claims: dict[str, Any], *, sid_of: Callable[[], str], before: float) -> None:
    assert claims["sub"] == LAWYER.cpf
    assert claims["name"] == "Maria da Silva"
    assert before - 1 <= claims["auth_time"] <= claims["iat"] <= time.time() + 1
    assert claims["sid"] == sid_of()
    assert claims["entity"] == {"code": "OAB-RS", "name": "OAB Rio Grande do Sul", "kind": "oab", "uf": "RS"}
    assert claims["entities"] == [claims["entity"]]
    assert claims["exp"] - claims["iat"] <= 300


def sid_of(client_id: str) -> Callable[[], str]:
    return lambda: SessionClient.objects.get(client__client_id=client_id).sid


def certificate_claims_match(claims: dict[str, Any], certificate: Issued, *, amr: list[str]) -> None:
    assert claims["amr"] == amr
    assert claims["acr"] == "urn:inss:a3:acr:a3"
    assert claims["certificate"]["type"] == "A3"
    assert int(claims["certificate"]["serial"], 16) == certificate.certificate.serial_number
    assert "AC Teste OAB" in claims["certificate"]["issuer"]
    not_after = dt.datetime.fromisoformat(claims["certificate"]["not_after"])
    assert not_after == certificate.certificate.not_valid_after_utc
    assert "password_access_until" not in claims
    assert "cnpj" not in claims  # a person's e-CPF


@pytest.mark.parametrize("library", LIBRARIES)
def test_token_login_code_flow_with_pkce_gives_the_certificate_claims(
    library: type[RP], e2e_stack: E2EStack, browser_factory, member_factory, rs_entity, pki
) -> None:
    member = member_factory(entity=rs_entity, oab="123456SP")
    member.email = "maria@example.org"
    member.save()
    certificate = pki.issue(LAWYER)
    browser = browser_factory(certificate)
    before = time.time()
    certificate_login(browser)
    registration = register_client(e2e_stack)
    rp = library(e2e_stack, registration)

    tokens = rp.login(browser)

    claims = tokens["claims"]
    assert_common_claims(claims, sid_of=sid_of(registration.client_id), before=before)
    certificate_claims_match(claims, certificate, amr=["x509", "x509_token"])
    assert claims["oab"] == [{"number": "123456", "uf": "SP"}]
    assert claims["email"] == "maria@example.org"
    assert tokens["expires_in"] <= 300
    assert tokens["refresh_token"]


def test_cloud_login_code_flow_gives_the_psc_in_amr(
    request: pytest.FixtureRequest, e2e_stack: E2EStack, browser_factory, member_factory, rs_entity, cloud_certificate
) -> None:
    psc = request.getfixturevalue("psc")
    member_factory(entity=rs_entity)
    register_psc(psc)
    browser = browser_factory()
    before = time.time()
    assert browser.get(until_callback(browser, psc)).status == 302  # logged in on the portal host
    registration = register_client(e2e_stack)

    for library in LIBRARIES:  # the same session, a code for each client library in turn
        claims = library(e2e_stack, registration).login(browser)["claims"]

        assert_common_claims(claims, sid_of=sid_of(registration.client_id), before=before)
        certificate_claims_match(claims, cloud_certificate, amr=["x509", "x509_vidaas"])


@pytest.mark.parametrize("library", LIBRARIES)
def test_password_login_code_flow_gives_passwd_and_when_password_access_ends(
    library: type[RP], e2e_stack: E2EStack, browser_factory, member_factory, rs_entity
) -> None:
    cutover = today_in_brasilia() + dt.timedelta(days=30)
    EntityOverride.objects.create(entity=rs_entity, cutover_on=cutover, reason="teste de ponta a ponta")
    member = member_factory(entity=rs_entity)
    browser = browser_factory()
    before = time.time()
    password_login(browser, member)
    registration = register_client(e2e_stack)

    claims = library(e2e_stack, registration).login(browser)["claims"]

    assert_common_claims(claims, sid_of=sid_of(registration.client_id), before=before)
    assert claims["amr"] == ["passwd"]
    assert claims["acr"] == "urn:inss:a3:acr:senha"
    assert dt.datetime.fromisoformat(claims["password_access_until"]) == brasilia_midnight(cutover)
    assert "certificate" not in claims and "cnpj" not in claims


def test_state_and_nonce_are_checked_by_the_libraries(
    e2e_stack: E2EStack, browser_factory, member_factory, rs_entity, pki
) -> None:
    """The provider returns the state and puts the nonce in the ID token: each library refuses a mismatch."""
    member_factory(entity=rs_entity)
    browser = browser_factory(pki.issue(LAWYER))
    certificate_login(browser)
    registration = register_client(e2e_stack)
    authlib = AuthlibRP(e2e_stack, registration)

    pending = authlib.start()
    location = authlib_redirect(browser, pending.url)
    assert parse_qs(urlsplit(location).query)["state"] == [pending.state]
    with pytest.raises(MismatchingStateException):
        authlib.finish(pending.but(state="outro-estado"), location)

    pending = authlib.start()
    with pytest.raises(InvalidClaimError, match="nonce"):
        authlib.finish(pending.but(nonce="outro-nonce"), authlib_redirect(browser, pending.url))

    pyoidc = PyoidcRP(e2e_stack, registration)
    pending = pyoidc.start()
    with pytest.raises(Exception, match="nonce"):
        pyoidc.finish(pending.but(nonce="outro-nonce"), authlib_redirect(browser, pending.url))


def authlib_redirect(browser: Browser, url: str) -> str:
    response = browser.get(url)
    location = response.header("Location") or ""
    assert response.status == 302 and location.startswith(f"{REDIRECT_URI}?"), response
    return location


# ---------------------------------------------------------------------------------------------- 3. refused


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def logged_in(e2e_stack: E2EStack, browser_factory, member_factory, rs_entity, pki) -> Browser:
    member_factory(entity=rs_entity)
    browser = browser_factory(pki.issue(LAWYER))
    certificate_login(browser)
    return browser


def test_a_replayed_code_is_refused(e2e_stack: E2EStack, logged_in: Browser) -> None:
    rp = AuthlibRP(e2e_stack, register_client(e2e_stack))
    pending = rp.start()
    location = authlib_redirect(logged_in, pending.url)
    rp.finish(pending, location)

    with pytest.raises(OAuthError) as replayed:
        rp.finish(pending, location)

    assert replayed.value.error == "invalid_grant"


def test_a_wrong_redirect_uri_gets_the_portals_error_page_and_no_redirect(
    e2e_stack: E2EStack, logged_in: Browser
) -> None:
    rp = AuthlibRP(e2e_stack, register_client(e2e_stack))
    for wrong in ("http://127.0.0.1:9/retorno/", "http://127.0.0.1:9/outro", "https://atacante.example/retorno"):
        response = logged_in.get(with_query(rp.start().url, redirect_uri=wrong))

        assert response.status == 400, response
        assert response.header("Location") is None
        assert_oidc_error_page(response.body)


def test_an_unknown_client_gets_the_portals_error_page(e2e_stack: E2EStack, logged_in: Browser) -> None:
    rp = AuthlibRP(e2e_stack, register_client(e2e_stack))

    response = logged_in.get(with_query(rp.start().url, client_id="cliente-desconhecido"))

    assert response.status == 400, response
    assert response.header("Location") is None
    assert_oidc_error_page(response.body)


def assert_oidc_error_page(body: str) -> None:
    """oidc/templates/oauth2_provider/authorize.html: a refusal page like the portal's (code, Brasília time)."""
    assert "Pedido de identificação recusado" in body, body[:2000]
    code = element_text(body, "codigo-erro") or ""
    assert code.startswith("OIDC_"), body[:2000]
    when = element_text(body, "data-hora") or ""
    shown = dt.datetime.strptime(when, "%d/%m/%Y %H:%M:%S").replace(tzinfo=BRASILIA)
    assert abs((dt.datetime.now(BRASILIA) - shown).total_seconds()) < 120


@pytest.mark.parametrize(
    "pkce",
    [
        pytest.param({"code_challenge": None, "code_challenge_method": None}, id="missing"),
        pytest.param({"code_challenge_method": None}, id="method-missing"),
        pytest.param({"code_challenge_method": "plain"}, id="plain"),
    ],
)
def test_an_authorization_request_without_s256_pkce_gets_no_code(
    pkce: dict[str, str | None], e2e_stack: E2EStack, logged_in: Browser
) -> None:
    rp = AuthlibRP(e2e_stack, register_client(e2e_stack))
    pending = rp.start()
    url = with_query(pending.url, **pkce)
    if pkce.get("code_challenge_method") == "plain":
        url = with_query(url, code_challenge=pending.verifier)

    response = logged_in.get(url)

    location = response.header("Location") or ""
    params = parse_qs(urlsplit(location).query)
    assert response.status == 302 and location.startswith(f"{REDIRECT_URI}?"), response
    assert "code" not in params
    assert params["error"] == ["invalid_request"]
    assert params["state"] == [pending.state]
    assert not CodeLink.objects.exists()


# ---------------------------------------------------------------------------------------------- 4. key rotation


def new_key(path: Any) -> str:
    subprocess.run([sys.executable, "-m", "oidc.keygen", str(path)], cwd=BASE_DIR, check=True, timeout=120)
    return str(path)


def test_id_tokens_verify_across_a_key_rotation(
    e2e_stack: E2EStack, member_factory, rs_entity, pki, tmp_path: Any
) -> None:
    """A host signs with key A; restarted with key B active and A in OIDC_INACTIVE_KEY_FILES, its JWKS verifies the
    token A signed, and what it signs now carries B's kid (a refresh of A's session too)."""
    key_a, key_b = new_key(tmp_path / "chave-a.pem"), new_key(tmp_path / "chave-b.pem")
    host = sibling_stack(
        e2e_stack, tmp_path / "host", env={"OIDC_SIGNING_KEY_FILE": key_a, "OIDC_INACTIVE_KEY_FILES": ""}, workers=1
    )
    member_factory(entity=rs_entity)
    (tmp_path / "browser").mkdir()
    browser = Browser(host, tmp_path / "browser", pki.issue(LAWYER))
    with serving(host, what="a portal host signing with key A"):
        registration = register_client(host)
        before = AuthlibRP(host, registration)
        jwks_a = before.jwks()
        certificate_login(browser)
        signed_by_a = before.login(browser)
    kid_a = signed_by_a["claims"]["_header"]["kid"]
    assert [k["kid"] for k in jwks_a["keys"]] == [kid_a]

    host.stack.env = {**host.stack.env, "OIDC_SIGNING_KEY_FILE": key_b, "OIDC_INACTIVE_KEY_FILES": key_a}
    with serving(host, what="the same host restarted with key B active and key A inactive"):
        after = AuthlibRP(host, registration)
        jwks_b = after.jwks()
        # A's token still verifies, with the JWKS the host publishes now
        assert after.id_token_claims(signed_by_a, signed_by_a["claims"]["nonce"], jwks=jwks_b)["sub"] == LAWYER.cpf
        # what the host signs now is B's (a new code; a refresh of A's session)
        signed_by_b = after.login(browser)
        refreshed = after.refresh(signed_by_a["refresh_token"])
        from_pyoidc = PyoidcRP(host, registration).login(browser)
    kid_b = signed_by_b["claims"]["_header"]["kid"]
    assert kid_b != kid_a
    assert sorted(k["kid"] for k in jwks_b["keys"]) == sorted([kid_a, kid_b])
    assert jwt.decode(refreshed["id_token"], KeySet.import_key_set(jwks_b)).header["kid"] == kid_b
    assert from_pyoidc["claims"]["_header"]["kid"] == kid_b
    with pytest.raises(BadSignatureError):
        # B's token does not verify against A's key (published under B's kid)
        key_as_b = {"keys": [{**jwks_a["keys"][0], "kid": kid_b}]}
        jwt.decode(signed_by_b["id_token"], KeySet.import_key_set(key_as_b))


# ---------------------------------------------------------------------------------------------- 5. the Portaria


def test_a_password_session_past_its_cutover_gets_password_retired_and_no_code(
    e2e_stack: E2EStack, browser_factory, member_factory, rs_entity
) -> None:
    member = member_factory(entity=rs_entity)
    browser = browser_factory()
    password_login(browser, member)
    rp = AuthlibRP(e2e_stack, register_client(e2e_stack))
    rp.login(browser)  # a code while password access lasts
    yesterday = today_in_brasilia() - dt.timedelta(days=1)
    EntityOverride.objects.create(entity=rs_entity, cutover_on=yesterday, reason="teste de ponta a ponta")

    response = browser.get(rp.start().url)

    assert_rejection_page(response, "PASSWORD_RETIRED")
    assert response.header("Location") is None
    assert SessionClient.objects.get().end_reason == "PASSWORD_RETIRED"


def test_an_a3_only_client_sends_a_password_session_to_the_certificate_login(
    e2e_stack: E2EStack, browser_factory, member_factory, rs_entity, pki
) -> None:
    member = member_factory(entity=rs_entity)
    browser = browser_factory()
    password_login(browser, member)
    registration = register_client(e2e_stack, name="PAT (somente A3)", a3_only=True)
    rp = PyoidcRP(e2e_stack, registration)
    pending = rp.start()

    response = browser.get(pending.url)

    location = response.header("Location") or ""
    assert response.status == 302, response
    assert location.startswith(f"{e2e_stack.login}/entrar/certificado/?"), location
    assert parse_qs(urlsplit(location).query)["next"] == [pending.url]
    assert not SessionClient.objects.exists(), "no code for the password session"
    # With the certificate, the same request gets its code: the login brings the user back to it.
    browser.use_certificate(pki.issue(LAWYER))
    back = browser.get(location)
    assert back.status == 302 and back.header("Location") == pending.url, back
    claims = rp.finish(pending, authlib_redirect(browser, pending.url))["claims"]
    assert claims["amr"] == ["x509", "x509_token"]


# ---------------------------------------------------------------------------------------------- 6. the session ends


def edit_session(stack: E2EStack, browser: Browser, **values: int) -> None:
    """Change the stored session as time would (read and written with the stack's own SECRET_KEY)."""
    with override_settings(SECRET_KEY=stack.stack.env["SECRET_KEY"]):
        session = SessionStore(browser.cookies()["sessionid"])
        assert session.get(session_keys.LOGGED_IN_AT), "the stack's session, readable"
        session.update(values)
        session.save()


@dataclass
class OpenSession:
    """A member's portal session that handed tokens to a client, and what a cause of its end needs."""

    stack: E2EStack
    browser: Browser
    member: Member
    certificate: Issued | None
    publish_crl: Callable[..., Any]
    pki: Any


def end_by_logout(s: OpenSession) -> None:
    assert s.browser.get(f"{s.stack.portal}/painel/").status == 200  # the page with the logout button
    response = s.browser.post(
        f"{s.stack.portal}/sair/",
        data="",
        headers=[("X-CSRFToken", s.browser.cookies()["csrftoken"]), ("Referer", f"{s.stack.portal}/painel/")],
    )
    assert response.status == 302, response


def end_by_deactivating_the_member(s: OpenSession) -> None:
    s.member.refresh_from_db()
    s.member.active = False
    s.member.save()


def end_by_suspending_the_entity(s: OpenSession) -> None:
    entity = PartnerEntity.objects.get(memberships__member=s.member)
    entity.status = EntityStatus.SUSPENDED
    entity.save()


def end_by_ending_the_membership(s: OpenSession) -> None:
    membership = Membership.objects.get(member=s.member)
    membership.active = False
    membership.save()


def end_by_revoking_the_certificate(s: OpenSession) -> None:
    assert s.certificate is not None
    revoked = RevokedEntry(s.certificate.certificate.serial_number, None, x509.ReasonFlags.key_compromise)
    s.publish_crl(s.pki.oab, [revoked])  # a new CRL of the certificate's AC, loaded into the shared store


def end_by_staff(s: OpenSession) -> None:
    s.member.refresh_from_db()
    assert end_sessions(user_ids=[s.member.user_id]) == 1


def end_by_the_cutover(s: OpenSession) -> None:
    entity = PartnerEntity.objects.get(memberships__member=s.member)
    yesterday = today_in_brasilia() - dt.timedelta(days=1)
    EntityOverride.objects.create(entity=entity, cutover_on=yesterday, reason="teste de ponta a ponta")


def end_by_the_idle_limit(s: OpenSession) -> None:
    idle = int(s.stack.stack.env.get("SESSION_IDLE_MINUTES", "30")) * 60
    edit_session(s.stack, s.browser, **{session_keys.LAST_SEEN: int(time.time()) - idle - 5})


def end_by_the_absolute_limit(s: OpenSession) -> None:
    limit = int(s.stack.stack.env.get("SESSION_MAX_HOURS", "8")) * 3600
    edit_session(s.stack, s.browser, **{session_keys.LOGGED_IN_AT: int(time.time()) - limit - 5})


CAUSES = {
    "logout": (end_by_logout, "LOGOUT"),
    "member-deactivated": (end_by_deactivating_the_member, "MEMBER_INACTIVE"),
    "entity-suspended": (end_by_suspending_the_entity, "ENTITY_INACTIVE"),
    "membership-ended": (end_by_ending_the_membership, "ENTITY_INACTIVE"),  # no entity left to act for
    "certificate-revoked": (end_by_revoking_the_certificate, "CERT_REVOKED"),
    "staff-ended-the-sessions": (end_by_staff, "SESSION_ENDED"),
    "password-cutover": (end_by_the_cutover, "PASSWORD_RETIRED"),
    "idle-limit": (end_by_the_idle_limit, "SESSION_IDLE"),
    "absolute-limit": (end_by_the_absolute_limit, "SESSION_EXPIRED"),
}


@pytest.mark.parametrize("cause", list(CAUSES))
def test_when_the_session_ends_refresh_is_refused_and_the_client_gets_a_valid_logout_token(
    cause: str,
    e2e_stack: E2EStack,
    browser_factory,
    member_factory,
    rs_entity,
    pki,
    publish_crl,
    backchannel: BackchannelReceiver,
) -> None:
    end, reason = CAUSES[cause]
    member = member_factory(entity=rs_entity)
    browser = browser_factory()
    certificate = None
    if cause == "password-cutover":
        password_login(browser, member)
    else:
        certificate = pki.issue(LAWYER)
        browser.use_certificate(certificate)
        certificate_login(browser)
    registration = register_client(e2e_stack, backchannel_logout_uri=backchannel.url())
    rp = AuthlibRP(e2e_stack, registration)
    tokens = rp.login(browser)
    renewed = rp.refresh(tokens["refresh_token"])  # while the session is open, a refresh works
    assert rp.userinfo(renewed["access_token"]).status_code == 200

    end(OpenSession(e2e_stack, browser, member, certificate, publish_crl, pki))

    with pytest.raises(TokenRefused) as refused:
        rp.refresh(renewed["refresh_token"])
    assert refused.value.error == "invalid_grant"
    assert rp.userinfo(renewed["access_token"]).status_code == 401, "the access token was revoked with the session"
    link = SessionClient.objects.get(sid=tokens["claims"]["sid"])
    assert link.ended_at is not None and link.end_reason == reason
    assert LogoutDelivery.objects.filter(session_client=link).count() == 1

    run_worker_once(e2e_stack)

    [received] = backchannel.received
    assert received.content_type == "application/x-www-form-urlencoded"
    assert_valid_logout_token(received.logout_token, rp, registration, tokens["claims"])
    assert LogoutDelivery.objects.get(session_client=link).delivered_at is not None


def assert_valid_logout_token(token: str, rp: AuthlibRP, registration: Registration, id_token: dict[str, Any]) -> None:
    """The logout token as each library's relying party checks it: joserfc against the JWKS (typ, alg, kid), and
    pyoidc's back-channel logout request rules (events, sid or sub, no nonce, iss, aud)."""
    decoded = jwt.decode(token, KeySet.import_key_set(rp.jwks()), algorithms=["RS256"])
    assert decoded.header["typ"] == "logout+jwt"
    assert decoded.header["kid"] == id_token["_header"]["kid"]
    claims = decoded.claims
    assert claims["iss"] == rp.issuer
    assert claims["aud"] == registration.client_id
    assert claims["sid"] == id_token["sid"]
    assert claims["sub"] == id_token["sub"]
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims
    assert claims["iat"] <= time.time() + 1 < claims["exp"]
    assert claims["jti"]
    checked = PyoidcRP(rp.stack, registration).verify_logout_token(token)
    assert checked["sid"] == id_token["sid"]


def test_rp_initiated_logout_asks_in_portuguese_then_ends_the_session_everywhere(
    e2e_stack: E2EStack, logged_in: Browser, backchannel: BackchannelReceiver
) -> None:
    registration = register_client(e2e_stack, backchannel_logout_uri=backchannel.url())
    rp = AuthlibRP(e2e_stack, registration)
    tokens = rp.login(logged_in)
    end_session = f"{rp.metadata['end_session_endpoint']}?{urlencode({'client_id': registration.client_id})}"

    page = logged_in.get(end_session)  # no id_token_hint: the portal asks

    assert page.status == 200, page
    assert "Sair do Portal A3?" in page.body and "PAT (teste de ponta a ponta)" in page.body
    assert 'id="confirmar-saida"' in page.body
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.body))
    assert fields["client_id"] == registration.client_id
    confirmed = logged_in.post(
        end_session,
        data=urlencode({**fields, "allow": "true"}),
        headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Referer", end_session)],
    )
    assert confirmed.status == 302, confirmed
    with pytest.raises(TokenRefused):
        rp.refresh(tokens["refresh_token"])
    link = SessionClient.objects.get(sid=tokens["claims"]["sid"])
    assert link.ended_at is not None
    run_worker_once(e2e_stack)
    [received] = backchannel.received
    assert_valid_logout_token(received.logout_token, rp, registration, tokens["claims"])
