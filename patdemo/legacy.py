""" "Sistema legado (demonstração)": a system that cannot speak OpenID Connect, behind the portal's A3 gateway.

The gateway (nginx ``auth_request``, ``OIDC_GATEWAY_PORT``) checks every request against the portal session and
passes the identity in signed ``X-A3-*`` headers; this page verifies them with ``oidc.gateway_signature.verify``
(the shared secret: ``OIDC_GATEWAY_SECRET``) and shows what it received. Reached without the gateway, or with
headers that do not verify (forged, replayed on another address, older than a minute), it refuses (403).

A Flask Blueprint named ``legacy`` under ``/legado/``; the stand-in mounts it when this module exists.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template_string, request
from werkzeug.wrappers import Response

from certauth.icp.numbers import mask_cpf
from oidc.gateway_signature import GatewayIdentity, GatewaySignatureError, request_target, verify

BRASILIA = ZoneInfo("America/Sao_Paulo")
METHODS = {"x509_token": "Certificado digital A3 (token ou cartão)", "passwd": "CPF e senha (acesso legado)"}
ASSURANCES = {
    "urn:inss:a3:acr:a3": "Certificado A3",
    "urn:inss:a3:acr:a4": "Certificado A4",
    "urn:inss:a3:acr:senha": "Login e senha",
}

#: Why the headers were refused, for the person reading the page (the exception's text is for developers).
REFUSALS = {
    "no gateway secret": "o segredo compartilhado com o gateway não foi configurado",
    "missing": "os cabeçalhos de identidade do gateway não vieram",
    "bad signature": "a assinatura não confere: cabeçalhos alterados, forjados ou copiados de outro endereço",
    "stale": "a assinatura tem mais de um minuto",
}

legacy = Blueprint("legacy", __name__, url_prefix="/legado")

_PAGE = """{% extends "base.html" %}
{% block title %}Sistema legado (demonstração){% endblock %}
{% block content %}
{% if identity %}
<section class="cartao">
  <p class="rotulo">Sistema legado (demonstração) — atrás do gateway do Portal de Acesso A3</p>
  <h1 id="nome">{{ identity.name or "Nome não informado" }}</h1>
  <h2>Identidade recebida do gateway (assinatura conferida)</h2>
  <dl class="fatos">
    {% for id, label, value in facts %}
    <div class="fato"><dt>{{ label }}</dt><dd id="{{ id }}">{{ value }}</dd></div>
    {% endfor %}
  </dl>
  <p class="nota">Este sistema não fala OpenID Connect: o gateway consulta a sessão do portal a cada pedido e envia
    a identidade em cabeçalhos assinados. Se a sessão terminar no portal, o próximo pedido é recusado.</p>
</section>
{% else %}
<section class="aviso aviso--erro">
  <h1>Sistema legado (demonstração): acesso recusado</h1>
  <p id="motivo">A identidade recebida não foi confirmada: {{ reason }}. Entre pelo gateway do Portal de
    Acesso A3.</p>
</section>
{% endif %}
{% endblock %}
"""


def gateway_secret() -> str:
    return os.environ.get("OIDC_GATEWAY_SECRET", "")


def facts(identity: GatewayIdentity) -> list[tuple[str, str, str]]:
    login = dt.datetime.fromtimestamp(identity.auth_time, tz=BRASILIA) if identity.auth_time else None
    method = METHODS.get(identity.method) or (
        f"Certificado digital A3 em nuvem ({identity.method.removeprefix('x509_')})"
        if identity.method.startswith("x509_")
        else identity.method
    )
    return [
        ("cpf", "CPF", mask_cpf(identity.cpf)),
        ("entidade", "Entidade", identity.entity or "ainda não escolhida"),
        ("entidades", "Entidades em que pode atuar", ", ".join(identity.entities) or "nenhuma"),
        ("metodo", "Forma de entrada", method),
        ("garantia", "Nível de garantia", ASSURANCES.get(identity.assurance, identity.assurance)),
        ("entrada", "Entrada no portal", f"{login:%d/%m/%Y %H:%M}" if login else "—"),
        ("sessao", "Sessão (identificador opaco)", identity.session),
    ]


@legacy.route("/", defaults={"rest": ""}, methods=["GET", "POST"])
@legacy.route("/<path:rest>", methods=["GET", "POST"])
def page(rest: str) -> tuple[str, int] | Response:
    try:
        identity = verify(
            gateway_secret(), method=request.method, uri=request_target(request.environ), headers=request.headers
        )
    except GatewaySignatureError as refusal:
        reason = next((text for key, text in REFUSALS.items() if str(refusal).startswith(key)), "cabeçalhos inválidos")
        return render_template_string(_PAGE, identity=None, reason=reason), 403
    response = Response(render_template_string(_PAGE, identity=identity, facts=facts(identity)), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
