"""Cloud A3 login: what the portal adds to the PSC's own latency, side by side with the reference, in one run.

    .venv/bin/python bench/cloud_login.py [--pscs 6] [--latency 0.2] [--rounds 20]

1. Discovery ("em quais PSCs este CPF tem certificado?"): ``--pscs`` PSC simulators on loopback, each answering
   user-discovery after ``--latency`` seconds. Ours asks them all at once (``cloudauth.psc.discovery.discover``);
   the reference is the one-PSC-after-another loop the public clients use (psc-cloud-login.md §9).
2. Proof of possession, against one simulator with no added latency: token → certificate → RAW signature of our
   challenge → verification (three HTTP round trips on loopback), next to the portal's own share of it: the RSA
   verification and the certauth validation of the certificate (the same core as the mTLS login; no revocation).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed  # noqa: E402

from certauth.icp.builder import PersonSpec, PkiBuilder  # noqa: E402
from certauth.icp.trust import TrustStore  # noqa: E402
from certauth.icp.validation import CertificateValidator  # noqa: E402
from cloudauth.psc.adapters import STANDARD  # noqa: E402
from cloudauth.psc.challenge import LoginChallenge, new_nonce  # noqa: E402
from cloudauth.psc.client import PscClient, PscConfig  # noqa: E402
from cloudauth.psc.discovery import Holding, discover  # noqa: E402
from cloudauth.psc.pkce import new_verifier, s256_challenge  # noqa: E402
from cloudauth.psc.proof import prove_possession  # noqa: E402
from cloudauth.psc.signature import verify_raw_signature  # noqa: E402
from cloudauth.simulator import Account, Behaviour, PscSimulator  # noqa: E402

CPF = "52601815906"
REDIRECT = "https://localhost/entrar/nuvem/retorno/"


def client_for(simulator: PscSimulator, slug: str) -> PscClient:
    config = PscConfig(slug, slug, simulator.base_url, simulator.client_id, simulator.client_secret, STANDARD)
    return PscClient(config, timeout=10)


def timed(call: Callable[[], object], rounds: int) -> list[float]:
    call()  # warm-up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def row(name: str, samples: list[float]) -> str:
    return f"  {name:<58} median {statistics.median(samples):8.2f} ms   max {max(samples):8.2f} ms"


def code_for(client: PscClient, verifier: str) -> str:
    """What the holder's browser does at the PSC: authorize (approved at once) and come back with a code."""
    url = client.authorize_url(
        cpf=CPF, state="s", code_challenge=s256_challenge(verifier), redirect_uri=REDIRECT, lifetime=300
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(url, timeout=10)  # noqa: S310 (loopback simulator)
    except urllib.error.HTTPError as redirect:
        query = urllib.parse.urlsplit(redirect.headers["Location"]).query
        return urllib.parse.parse_qs(query)["code"][0]
    raise SystemExit("the simulator did not redirect")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pscs", type=int, default=6)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    now = dt.datetime.now(dt.UTC)
    builder = PkiBuilder(now=now)
    root = builder.root("AC Raiz Bench")
    issuing = builder.intermediate(root, "AC Bench")
    holder = builder.person(issuing, PersonSpec("MARIA BENCH", CPF))
    validator = CertificateValidator(trust=TrustStore([root.certificate], [issuing.certificate]))
    account = Account(CPF, holder.certificate, holder.key)

    print(f"1. Discovery at {args.pscs} PSCs, each answering after {args.latency * 1000:.0f} ms")
    slow = Behaviour(delay=args.latency, delay_endpoints=frozenset({"user-discovery"}))
    simulators = [PscSimulator([account], behaviour=Behaviour(**vars(slow))) for _ in range(args.pscs)]
    for simulator in simulators:
        simulator.start()
    try:
        clients = [client_for(s, f"psc{i}") for i, s in enumerate(simulators)]
        rounds = max(3, args.rounds // 4)
        ours = timed(lambda: discover(clients, CPF, timeout=args.latency * 5), rounds)
        found = discover(clients, CPF, timeout=args.latency * 5)
        assert all(r.holding is Holding.FOUND for r in found), found
        reference = timed(lambda: [c.holds_certificate(CPF) for c in clients], rounds)
    finally:
        for simulator in simulators:
            simulator.stop()
    print(row("reference: one PSC after another", reference))
    print(row("ours: all PSCs at once (discover)", ours))
    print(f"  → {statistics.median(reference) / statistics.median(ours):.1f}× faster\n")

    print("2. Proof of possession against one PSC on loopback (no added latency)")
    with PscSimulator([account]) as simulator:
        client = client_for(simulator, "psc")

        def one_login() -> None:
            verifier = new_verifier()
            challenge = LoginChallenge("psc", CPF, new_nonce(), dt.datetime.now(dt.UTC))
            proof = prove_possession(
                client, code=code_for(client, verifier), verifier=verifier, redirect_uri=REDIRECT, challenge=challenge
            )
            validator.validate(proof.certificate, at=dt.datetime.now(dt.UTC))

        whole = timed(one_login, args.rounds)
    challenge = LoginChallenge("psc", CPF, new_nonce(), now)
    signature = holder.key.sign(challenge.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    verify = timed(lambda: verify_raw_signature(holder.certificate, challenge.digest, signature), args.rounds * 10)
    validate = timed(lambda: validator.validate(holder.certificate, at=dt.datetime.now(dt.UTC)), args.rounds * 10)
    print(row("authorize + token + certificate + signature + checks", whole))
    print(row("  of which: RSA-2048 verification of the challenge", verify))
    print(row("  of which: certauth validation of the certificate", validate))


if __name__ == "__main__":
    main()
