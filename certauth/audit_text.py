"""How the audit's technical columns read for INSS staff (pure): the revocation check and nginx's own verification.

nginx asks for the client certificate without validating it (``ssl_verify_client optional_no_ca``: it holds no
intermediates, and the ICP-Brasil rules are the portal's), so its verdict is informative only: "FAILED:unable to
verify the first certificate" is what every accepted login shows, and is no failure of the login.
"""

from __future__ import annotations

from certauth.icp.revocation import REASON_NAMES

REVOCATION_STATUS = {
    "good": "verificada: não revogado",
    "soft_fail": "não verificada: aceito sem a verificação (CERTAUTH_REVOCATION_SOFT_FAIL ligado)",
    "not_checked": "não verificada: verificação de revogação desligada (CERTAUTH_REVOCATION)",
    "revoked": "revogado",
    "unknown": "não foi possível verificar (lista de certificados revogados indisponível ou vencida)",
}

#: The label of nginx's verdict wherever staff read it.
PROXY_VERIFY_LABEL = "verificação do nginx (informativa; a validação é feita pelo portal)"


def revocation_status_text(status: str) -> str:
    """``good`` → "verificada: não revogado"; an unknown value is shown as stored; empty stays empty."""
    return REVOCATION_STATUS.get(status, status)


def revocation_reason_text(reason: str) -> str:
    """``keyCompromise`` → "comprometimento da chave (keyCompromise)": the CRL's word kept for support."""
    name = REASON_NAMES.get(reason)
    return f"{name} ({reason})" if name else reason


def proxy_verify_text(value: str) -> str:
    """nginx's ``$ssl_client_verify`` in words, with the value itself in parentheses."""
    if not value:
        return ""
    if value == "SUCCESS":
        return "cadeia verificada também pelo nginx (SUCCESS)"
    if value == "NONE":
        return "o nginx não recebeu certificado (NONE)"
    if value.startswith("FAILED"):
        return f"cadeia não verificada pelo nginx ({value})"
    return value
