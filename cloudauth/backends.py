"""The authentication backend that answers only to ``cloud_proof=``: a certificate whose key a PSC used, under our
eyes, to sign this login's challenge. It then runs exactly the certificate login's checks (the certauth core, the
binder) and also requires the certificate's CPF to be the one the holder typed (``CLOUD_CPF_MISMATCH``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from certauth.backends import ClientCertificateBackend
from certauth.models import LoginMethod
from cloudauth.psc.proof import PossessionProof

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

BACKEND = "cloudauth.backends.CloudCertificateBackend"


class CloudCertificateBackend(ClientCertificateBackend):
    method = LoginMethod.CLOUD.value

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        *,
        cloud_proof: PossessionProof,
        at: dt.datetime | None = None,
    ) -> AbstractBaseUser | None:
        return self.authenticate_certificate(
            request, cloud_proof.certificate, at=at, expected_cpf=cloud_proof.cpf, provider=cloud_proof.provider
        )
