"""The authentication backend that answers only to ``client_certificate=``.

Modelled on Django's ``RemoteUserBackend``: the caller (the login view) has already checked that the certificate
came from the trusted proxy and decoded it; the backend validates it (ICP-Brasil path, dates, A3 policy, key
usage, identity) and asks the configured binder whom it logs in. Password and admin logins never reach it,
because Django only offers it calls that bind its keyword-only ``client_certificate`` argument.

A refusal raises :class:`~certauth.exceptions.LoginRejected` (a ``PermissionDenied``: Django then stops trying
other backends and sends ``user_login_failed``). ``authenticate()`` swallows that exception, so the backend also
leaves it on ``request.certauth_rejection`` for the view that renders the error page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.db import DatabaseError
from django.utils import timezone

from certauth import metrics
from certauth.binding import Binding, get_binder
from certauth.exceptions import LoginRejected
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.identity import IcpBrasilIdentity, extract_identity
from certauth.icp.numbers import mask_cpf
from certauth.icp.validation import ValidatedCertificate
from certauth.models import LoginMethod
from certauth.validator import get_validator

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest


@dataclass(frozen=True)
class CertificateLogin:
    """The result of a successful certificate authentication, attached to the user as ``certificate_login``."""

    certificate: ValidatedCertificate
    binding: Binding
    method: str = LoginMethod.CERTIFICATE.value
    #: Cloud logins: the PSC that holds the key.
    provider: str = ""


class ClientCertificateBackend(BaseBackend):
    method = LoginMethod.CERTIFICATE.value

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        *,
        client_certificate: x509.Certificate,
        at: dt.datetime | None = None,
    ) -> AbstractBaseUser | None:
        return self.authenticate_certificate(request, client_certificate, at=at)

    def authenticate_certificate(
        self,
        request: HttpRequest | None,
        certificate: x509.Certificate,
        *,
        at: dt.datetime | None = None,
        expected_cpf: str = "",
        provider: str = "",
    ) -> AbstractBaseUser:
        """Validate ``certificate`` with the certauth core and bind it; ``expected_cpf``: the CPF the holder
        declared beforehand (cloud logins), which the certificate must carry (``CLOUD_CPF_MISMATCH``)."""
        validated: ValidatedCertificate | None = None
        try:
            with metrics.VALIDATION_SECONDS.time():
                validated = get_validator().validate(certificate, at=at or timezone.now())
            if expected_cpf and validated.identity.cpf != expected_cpf:
                raise LoginRejected(
                    Reason.CLOUD_CPF_MISMATCH,
                    f"O certificado é do CPF {mask_cpf(validated.identity.cpf)}; "
                    f"o CPF informado foi {mask_cpf(expected_cpf)}.",
                )
            binding = get_binder()(validated, request=request)
            if not getattr(binding.user, "is_active", True):
                raise LoginRejected(Reason.MEMBER_INACTIVE, "A conta de usuário está desativada.")
        except CertificateError as exc:
            rejection = LoginRejected.from_certificate_error(exc)
        except LoginRejected as exc:
            rejection = exc
        except DatabaseError:
            raise  # the view answers AUDIT_UNAVAILABLE: nothing about the certificate is wrong
        except Exception as exc:  # noqa: BLE001  a certificate the parsers choke on is malformed, never a 500
            rejection = LoginRejected(
                Reason.CERT_MALFORMED, f"Certificado com estrutura não suportada ({type(exc).__name__})."
            )
        else:
            binding.user.certificate_login = CertificateLogin(  # type: ignore[attr-defined]
                validated, binding, method=self.method, provider=provider
            )
            return binding.user
        if validated is not None:
            rejection.facts = rejection.facts or validated.facts
            rejection.identity = rejection.identity or validated.identity
        elif rejection.identity is None:
            # For the audit and support: who the refused certificate *claims* to be (not verified).
            rejection.identity = claimed_identity(certificate)
        if request is not None:
            request.certauth_rejection = rejection  # type: ignore[attr-defined]
        raise rejection

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:  # type: ignore[override]
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if getattr(user, "is_active", True) else None


def claimed_identity(certificate: x509.Certificate) -> IcpBrasilIdentity | None:
    try:
        return extract_identity(certificate)
    except Exception:  # noqa: BLE001  only informative: a certificate that cannot be read claims nobody
        return None
