"""The demo's PSC: the simulator (``cloudauth.simulator``) holding some demo holders' keys, registered as a PSC.

``make run`` starts it beside nginx and gunicorn (``manage.py serve``) so the cloud login can be tried end to end:
its authorization page stands in for the phone app ("Aprovar" / "Recusar"), and a push is approved by itself after
a few seconds. Never used outside the demo (its base URL is plain http on loopback).
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from certauth.icp.identity import extract_identity
from cloudauth import sealing
from cloudauth.models import Provider
from cloudauth.simulator import Account, Behaviour, PrivateKey, PscSimulator

SLUG = "psc-demo"
NAME = "PSC de demonstração (simulador)"
CLIENT_ID = "portal-a3-demo"
CLIENT_SECRET = "segredo-demo"  # noqa: S105  (the demo simulator's, on loopback)
#: Demo holders whose key the demo PSC holds (``var/demo-pki/usuarios/<slug>/``).
HOLDERS = ("advogada-oab-sp", "operadora-municipal", "advogado-perfil-novo")
PUSH_APPROVED_AFTER = 8.0  # seconds: "the holder taps Aprovar on the phone"


def register(port: int) -> Provider:
    provider, _ = Provider.objects.update_or_create(
        slug=SLUG,
        defaults={
            "name": NAME,
            "base_url": f"http://127.0.0.1:{port}",
            "path_prefix": "",
            "adapter": "vidaas",  # redirect and push
            "client_id": CLIENT_ID,
            "client_secret": sealing.seal(CLIENT_SECRET),
            "enabled": True,
        },
    )
    return provider


def start(pki_dir: Path, port: int) -> PscSimulator:
    accounts = []
    for holder in HOLDERS:
        directory = pki_dir / "usuarios" / holder
        certificate = x509.load_pem_x509_certificate((directory / "certificado.pem").read_bytes())
        key = serialization.load_pem_private_key((directory / "chave-demo.pem").read_bytes(), None)
        accounts.append(Account(extract_identity(certificate).cpf, certificate, _private(key)))
    behaviour = Behaviour(approval="page", push=True, push_approve_after=PUSH_APPROVED_AFTER)
    simulator = PscSimulator(accounts, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, behaviour=behaviour, port=port)
    simulator.start()
    return simulator


def _private(key: object) -> PrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError(f"chave de demonstração de tipo inesperado: {type(key).__name__}")
    return key
