"""``python -m cloudauth.simulator``: the simulator as a process."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cloudauth.simulator.model import Account, Behaviour
from cloudauth.simulator.psc import PscSimulator

# --------------------------------------------------------------------------------------------------------------------
# Command line (the demo runs the simulator as a process)


def _load_accounts(certificates: Sequence[Path], keys: Sequence[Path]) -> list[Account]:
    from certauth.icp.identity import extract_identity  # pure, no Django

    accounts: list[Account] = []
    for certificate_path, key_path in zip(certificates, keys, strict=True):
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path}: only RSA and EC keys are supported")
        cpf = extract_identity(certificate).cpf
        same_cpf = sum(1 for a in accounts if a.cpf == cpf)
        alias = "cert-a3-nuvem" if same_cpf == 0 else f"cert-a3-nuvem-{same_cpf + 1}"
        accounts.append(Account(cpf=cpf, certificate=certificate, key=key, alias=alias))
    return accounts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cloudauth.simulator",
        description="A PSC simulator (DOC-ICP-17.01 API v0) on loopback. Serves until SIGTERM or Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed on stdout)")
    parser.add_argument("--certificate", type=Path, action="append", required=True, help="PEM; repeatable")
    parser.add_argument("--key", type=Path, action="append", required=True, help="PEM PKCS#8, unencrypted; one each")
    parser.add_argument("--prefix", default="", help="path prefix before /v0/oauth (NeoID: /psc)")
    parser.add_argument("--hash-encoding", choices=("base64", "hex"), default="base64")
    parser.add_argument("--token-encoding", choices=("form", "json"), default="form")
    parser.add_argument("--push", action="store_true", help="accept VIDaaS-style push (redirect_uri=push://)")
    parser.add_argument("--approval", choices=("auto", "deny", "page"), default="auto")
    parser.add_argument("--client-id", default="portal-a3-inss")
    parser.add_argument("--client-secret", default="segredo-de-teste")
    parser.add_argument("--redirect-uri", action="append", default=[], help="registered redirect URI; repeatable")
    args = parser.parse_args(argv)
    if len(args.certificate) != len(args.key):
        parser.error("give one --key for each --certificate")
    prefix = args.prefix.strip().rstrip("/")
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    try:
        accounts = _load_accounts(args.certificate, args.key)
    except Exception as error:  # any unreadable input is a usage error
        parser.error(f"cannot load the accounts: {error}")
    behaviour = Behaviour(
        path_prefix=prefix,
        hash_encoding=args.hash_encoding,
        token_encoding=args.token_encoding,
        push=args.push,
        approval=args.approval,
    )
    simulator = PscSimulator(
        accounts,
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uri,
        behaviour=behaviour,
        host=args.host,
        port=args.port,
    )
    stopped = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    simulator.start()
    cpfs = ", ".join(sorted({a.cpf for a in accounts}))
    print(f"PSC simulator listening on {simulator.base_url} (API {simulator.oauth_url}; CPF {cpfs})", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
