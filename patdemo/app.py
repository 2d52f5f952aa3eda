"""The stand-in's pages (Flask) and its OpenID Connect client (Authlib's Flask integration).

- ``/``: "Entrar"; signed in, what the PAT learned from the portal (refreshed every few seconds); once the portal
  ended the session (back-channel logout), when it did;
- ``/entrar`` → the portal's authorization endpoint (code flow, PKCE S256, ``state``, ``nonce``);
- ``/retorno``: the code exchanged, the ID token checked by Authlib against the JWKS, the userinfo read;
- ``POST /sair``: the local session forgotten, then RP-initiated logout at the portal's ``end_session_endpoint``;
- ``POST /backchannel-logout``: a verified logout token ends the local sessions of its ``sid`` (or ``sub``).
"""

from __future__ import annotations

import hmac
import importlib.util
import logging
import secrets
import time
from pathlib import Path
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, abort, redirect, render_template, request, session
from joserfc.errors import JoseError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from patdemo import logout_token, presentation
from patdemo.config import SCOPES, Settings
from patdemo.sessions import ServerSideSessions, StoredSession
from patdemo.store import SessionStore

log = logging.getLogger("patdemo")

HERE = Path(__file__).resolve().parent
#: Claims about the login itself: taken from the ID token, whatever userinfo says.
AUTH_EVENT = ("iss", "aud", "sub", "sid", "amr", "acr", "auth_time", "nonce")
HTTP_TITLES = {
    400: "Pedido inválido",
    404: "Página não encontrada",
    405: "Método não permitido",
    413: "Pedido grande demais",
}


class PortalUnavailable(RuntimeError):
    pass


def create_app(settings: Settings) -> Flask:
    app = Flask("patdemo", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config.update(PATDEMO=settings, MAX_CONTENT_LENGTH=64 * 1024)
    store = SessionStore(settings.state_dir / "sessions.sqlite3")
    app.session_interface = ServerSideSessions(store)
    oauth = OAuth(app)
    portal = oauth.register(
        name="portal",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "verify": settings.ca_file or True,
            # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's own ``verify``: with a CA file
            # configured, the environment is not consulted (nor its proxies: the portal is on loopback in the demo).
            "trust_env": settings.ca_file is None,
            "default_timeout": settings.timeout,
        },
    )

    def metadata() -> dict[str, Any]:
        """The discovery document (read once); its issuer must be the one configured (OIDC Discovery § 4.3)."""
        try:
            loaded: dict[str, Any] = portal.load_server_metadata()
        except (requests.RequestException, ValueError) as exc:
            raise PortalUnavailable(f"{settings.discovery_url}: {exc}") from exc
        if loaded.get("issuer") != settings.issuer:
            portal.server_metadata.clear()
            raise PortalUnavailable(f"issuer {loaded.get('issuer')!r} is not {settings.issuer!r}")
        return loaded

    def jwks(force: bool) -> dict[str, Any]:
        metadata()
        try:
            keys: dict[str, Any] = portal.fetch_jwk_set(force=force)
        except (requests.RequestException, ValueError, RuntimeError) as exc:
            raise PortalUnavailable(f"JWKS: {exc}") from exc
        return keys

    app.extensions["patdemo.portal"] = portal  # the tests reach Authlib's client here
    if importlib.util.find_spec("patdemo.legacy") is not None:  # the gateway's demo upstream (/legado/)
        from patdemo.legacy import legacy

        app.register_blueprint(legacy)

    def current() -> StoredSession:
        assert isinstance(session, StoredSession)
        return session

    @app.after_request
    def security_headers(response: Response) -> Response:
        portal_origin = settings.issuer
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
            f"form-action 'self' {portal_origin}",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(PortalUnavailable)
    def portal_unavailable(exc: PortalUnavailable) -> tuple[str, int]:
        log.warning("portal unavailable: %s", exc)
        return render_template("erro.html", titulo="Portal de Acesso A3 indisponível", detalhe=None), 503

    @app.get("/")
    def home() -> str:
        stored = current()
        login = stored.get("login")
        if login:
            return render_template(
                "sessao.html",
                name=login["claims"].get("name") or "",
                facts=presentation.facts(login["claims"]),
                refresh=settings.refresh_seconds,
                csrf=login["csrf"],
            )
        ended = presentation.from_epoch(stored.ended_at) if stored.ended_at else None
        return render_template("inicio.html", ended=ended)

    @app.get("/entrar")
    def sign_in() -> BaseResponse:
        metadata()
        response: BaseResponse = portal.authorize_redirect(settings.redirect_uri)
        return response

    @app.get("/retorno")
    def callback() -> BaseResponse | tuple[str, int]:
        loaded = metadata()
        returned_issuer = request.args.get("iss")
        if returned_issuer is not None and returned_issuer != loaded["issuer"]:  # RFC 9207: no mix-up
            return _refused("iss", f"issuer {returned_issuer!r} in the authorization response")
        try:
            token = portal.authorize_access_token()
            id_claims = token.get("userinfo")
            if not id_claims:
                raise OAuthError(error="id_token", description="no validated ID token")
            userinfo = dict(portal.userinfo(token=token))
        except OAuthError as exc:
            return _refused(exc.error or "oauth", exc.description or "")
        except JoseError as exc:  # the ID token's signature or claims (Authlib checks them with joserfc)
            return _refused("id_token", f"{exc.error}: {exc}")
        except (requests.RequestException, ValueError) as exc:
            raise PortalUnavailable(str(exc)) from exc
        if userinfo.get("sub") != id_claims.get("sub"):  # OIDC Core § 5.3.2
            return _refused("sub", "userinfo sub differs from the ID token's")
        stored = current()
        stored.regenerate()
        stored["login"] = {
            # The authentication event is the ID token's word; the rest, userinfo's (read at the same moment).
            "claims": {**dict(id_claims), **userinfo, **{k: id_claims[k] for k in AUTH_EVENT if k in id_claims}},
            "sid": id_claims.get("sid"),
            "sub": id_claims["sub"],
            "id_token": token["id_token"],
            "csrf": secrets.token_urlsafe(24),
            "at": time.time(),
        }
        log.info("login sid=%s", str(id_claims.get("sid"))[:8])
        return redirect("/", code=303)

    def _refused(code: str, detail: str) -> tuple[str, int]:
        log.warning("login refused: %s %s", code, detail)
        return render_template("erro.html", titulo="Não foi possível entrar", detalhe=code), 400

    @app.post("/sair")
    def sign_out() -> BaseResponse:
        stored = current()
        login = stored.get("login")
        if not login:
            return redirect("/", code=303)
        if not hmac.compare_digest(str(request.form.get("csrf", "")), str(login["csrf"])):
            abort(400)
        id_token = str(login["id_token"])
        stored.forget()
        end_session = metadata().get("end_session_endpoint")
        if not end_session:
            return redirect("/", code=303)
        response: BaseResponse = portal.logout_redirect(
            post_logout_redirect_uri=settings.post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=settings.client_id,
        )
        return response

    @app.post("/backchannel-logout")
    def backchannel_logout() -> Response:
        raw = request.form.get("logout_token", "")
        try:
            claims = logout_token.verify(
                raw,
                jwks=jwks,
                issuer=settings.issuer,
                client_id=settings.client_id,
                now=int(time.time()),
                max_age=settings.logout_token_max_age,
            )
        except logout_token.InvalidLogoutToken as exc:
            log.warning("logout token refused: %s", exc)
            return _no_store(Response('{"error":"invalid_request"}', status=400, mimetype="application/json"))
        except PortalUnavailable as exc:  # the provider retries a logout that got no 200
            log.warning("logout token not checked, JWKS unavailable: %s", exc)
            return _no_store(Response('{"error":"temporarily_unavailable"}', status=503, mimetype="application/json"))
        ended = store.end(sid=claims.sid, sub=claims.sub)
        log.info("back-channel logout sid=%s: %d session(s) ended", (claims.sid or "")[:8], ended)
        return _no_store(Response("", status=200))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        return render_template("erro.html", titulo=HTTP_TITLES.get(code, "Erro"), detalhe=None), code

    return app


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # Back-Channel Logout 1.0 § 2.8
    return response
