"""Per-login certificate work in Django, side by side with the reference tools, in one run.

    .venv/bin/python bench/validation.py [--rounds N]

Chain as in shared/figures.md: root RSA-4096 → intermediate RSA-4096 → leaf RSA-2048, plus the 171 real
ICP-Brasil intermediates in the path-building pool (what production carries). Prints medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from cryptography.x509.verification import PolicyBuilder, Store  # noqa: E402

from certauth import defaults  # noqa: E402
from certauth.icp.builder import Issued, PersonSpec, PkiBuilder  # noqa: E402
from certauth.icp.forwarded import decode_forwarded_certificate  # noqa: E402
from certauth.icp.identity import extract_identity  # noqa: E402
from certauth.icp.policy import DEFAULT_ACCEPTED_POLICY_PREFIXES, check_key_usage, match_policy  # noqa: E402
from certauth.icp.trust import TrustStore, load_pem_files  # noqa: E402
from certauth.icp.validation import CertificateValidator  # noqa: E402


def median_us(fn: Callable[[], object], rounds: int) -> float:
    for _ in range(min(50, rounds)):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def pyhanko_median(root: Issued, issuer: Issued, leaf: Issued, at: dt.datetime, rounds: int) -> float:
    import asyncio

    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator as PyhankoValidator
    from pyhanko_certvalidator import ValidationContext

    def load(issued: Issued) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(issued.certificate.public_bytes(Encoding.DER))

    trusted, intermediate, end_entity = load(root), load(issuer), load(leaf)
    loop = asyncio.new_event_loop()

    def once() -> None:
        context = ValidationContext(trust_roots=[trusted], moment=at)
        validator = PyhankoValidator(end_entity, intermediate_certs=[intermediate], validation_context=context)
        loop.run_until_complete(validator.async_validate_usage({"digital_signature"}))

    return median_us(once, max(rounds // 10, 50))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds

    now = dt.datetime.now(dt.UTC)
    builder = PkiBuilder(now=now, key_size=4096)
    root = builder.root("AC Raiz Bench")
    issuer = builder.intermediate(root, "AC Bench OAB")
    builder.key_size = 2048
    leaf = builder.person(issuer, PersonSpec("MARIA DA SILVA", "52601815906", oab="0123456SP"))
    pem = leaf.certificate_pem().decode()
    from urllib.parse import quote

    escaped = quote(pem, safe="")
    real_intermediates = load_pem_files([defaults.INTERMEDIATES])
    store = TrustStore([root.certificate], [issuer.certificate, *real_intermediates])
    validator = CertificateValidator(trust=store)
    at = now + dt.timedelta(minutes=1)
    certificate = leaf.certificate

    verifier = PolicyBuilder().store(Store([root.certificate])).time(at).build_client_verifier()

    rows: list[tuple[str, str, float]] = [
        (
            "reference",
            "cryptography load_pem_x509_certificate",
            median_us(lambda: x509.load_pem_x509_certificate(pem.encode()), rounds),
        ),
        (
            "ours",
            "decode_forwarded_certificate (unescape + strict PEM)",
            median_us(lambda: decode_forwarded_certificate(escaped), rounds),
        ),
        (
            "ours",
            "identity + A3 policy + key usage",
            median_us(
                lambda: (
                    extract_identity(certificate),
                    match_policy(certificate, DEFAULT_ACCEPTED_POLICY_PREFIXES),
                    check_key_usage(certificate),
                ),
                rounds,
            ),
        ),
        (
            "reference",
            "cryptography ClientVerifier.verify (reused, 1 intermediate)",
            median_us(lambda: verifier.verify(certificate, [issuer.certificate]), rounds),
        ),
        (
            "reference",
            "cryptography ClientVerifier.verify (reused, 172 candidates)",
            median_us(
                lambda: verifier.verify(certificate, [issuer.certificate, *real_intermediates]), max(rounds // 10, 50)
            ),
        ),
        (
            "ours",
            "TrustStore.verify (OpenSSL, pool of 172 intermediates)",
            median_us(lambda: store.verify(certificate, at=at), rounds),
        ),
        (
            "ours",
            "CertificateValidator.validate (everything)",
            median_us(lambda: validator.validate(certificate, at=at), rounds),
        ),
        (
            "ours",
            "header → validated certificate",
            median_us(lambda: validator.validate(decode_forwarded_certificate(escaped), at=at), rounds),
        ),
    ]
    try:
        rows.append(
            ("reference", "pyhanko-certvalidator (no revocation)", pyhanko_median(root, issuer, leaf, at, rounds))
        )
    except ImportError:
        rows.append(("reference", "pyhanko-certvalidator: not installed (pip install -e '.[bench]')", 0.0))

    print(f"{'who':<10} {'what':<66} {'median':>10}")
    for who, what, value in rows:
        print(f"{who:<10} {what:<66} {value:>8.0f} µs" if value else f"{who:<10} {what}")


if __name__ == "__main__":
    main()
