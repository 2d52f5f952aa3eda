"""Write the seed corpus of ``make fuzz`` (``fuzz/corpus/``) and the test PKI it chains to (``fuzz/seed-pki/``).

    .venv/bin/python fuzz/make_seed_corpus.py

Certificates and forwarded header values only — never a private key (checked before anything is written):

- ``sample-*``: the public ICP-Brasil-format samples of Lacuna's test PKI (``tests/data/icp-brasil-samples``);
- ``pki-*``: the test PKI of ``tests/pki.py`` — its ACs and e-CPF/e-CNPJ-like leaves of every profile the
  builder makes (OAB field or not, Resolução 211, A1 policy, no clientAuth, no digitalSignature, no CPF in the CN…);
- ``hostile-*``: every case of the hostile corpus (``tests/certauth/hostile.py``) as nginx would forward it, and
  the DER inside when there is one.

Each input is written in the fuzz target's framing (``fuzz/fuzz_certificate.py``): first byte 0 = a forwarded header
value, 1 = DER. The target trusts ``fuzz/seed-pki/roots.pem`` (and builds paths with ``intermediates.pem``) and checks
every input at ``fuzz/seed-pki/instant.txt``, so a seed signed by the test PKI's ACs reaches the late checks (policy,
key usage, identity) the way the hostile corpus means it to, on any later day. Re-running replaces every file (the
keys are new each time); commit the result.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import shutil
import sys
import warnings
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.utils import CryptographyDeprecationWarning

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from certauth.icp.builder import A1_POLICY, LeafProfile, PersonSpec  # noqa: E402
from tests.certauth.hostile import CASES, Forge, Stage  # noqa: E402
from tests.pki import TestPki, escaped  # noqa: E402

CORPUS = BASE_DIR / "fuzz" / "corpus"
SEED_PKI = BASE_DIR / "fuzz" / "seed-pki"
SAMPLES = BASE_DIR / "tests" / "data" / "icp-brasil-samples"
HEADER, DER = b"\x00", b"\x01"
MAX_INPUT = 32 * 1024  #: larger inputs (the 1 MB header case) would make every libFuzzer input that long
PEM_BEGIN, PEM_END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"

warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)  # negative serials of hostile cases


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def der_inside(header: str) -> bytes | None:
    """The DER of the (first) PEM block of a forwarded value, if it has one that decodes as base64."""
    text = unquote(header)
    start, end = text.find(PEM_BEGIN), text.find(PEM_END)
    if start == -1 or end <= start:
        return None
    try:
        return base64.b64decode("".join(text[start + len(PEM_BEGIN) : end].split()), validate=True) or None
    except (binascii.Error, ValueError):
        return None


def pki_leaves(pki: TestPki) -> dict[str, x509.Certificate]:
    base = PersonSpec("MARIA DA SILVA", "52601815906", dt.date(1979, 3, 14), oab="0123456SP")
    specs = {
        "lawyer-oab": (base, pki.oab),
        "lawyer-no-oab-field": (base.but(oab=None), pki.final),
        "res-211": (base.but(profile=LeafProfile.RES_211, oab=None), pki.final),
        "a1-policy": (base.but(policy_oid=A1_POLICY), pki.oab),
        "no-client-auth": (base.but(client_auth=False), pki.oab),
        "no-digital-signature": (base.but(digital_signature=False), pki.oab),
        "cn-without-cpf": (base.but(cn_with_cpf=False), pki.oab),
        "with-crl-ocsp-email": (
            base.but(
                crl_urls=("http://lcr.teste/oab.crl", "http://lcr2.teste/oab.crl"),
                ocsp_url="http://ocsp.teste/",
                email="maria@example.com",
            ),
            pki.oab,
        ),
        "expired": (base.but(valid_from=dt.timedelta(days=-800), valid_for=dt.timedelta(days=400)), pki.oab),
        "not-yet-valid": (base.but(valid_from=dt.timedelta(days=30)), pki.oab),
        "other-person": (PersonSpec("JOAO FUZZ", "47363361886", dt.date(2000, 1, 1)), pki.final),
        "untrusted-ac": (base, pki.stranger),
    }
    return {name: pki.issue(spec, issuer).certificate for name, (spec, issuer) in specs.items()}


def inputs(pki: TestPki) -> tuple[dict[str, bytes], list[x509.Certificate], list[str]]:
    """(file name → input, extra intermediates offered by hostile cases, skipped cases)."""
    found: dict[str, bytes] = {}
    pool: list[x509.Certificate] = []
    skipped: list[str] = []

    for path in sorted(SAMPLES.glob("*.pem")):
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        found[f"sample-{path.stem}.der"] = DER + der(certificate)

    cas = {"root": pki.root, "level1": pki.level1, "oab": pki.oab, "final": pki.final, "stranger": pki.stranger}
    for name, issued in cas.items():
        found[f"pki-ac-{name}.der"] = DER + der(issued.certificate)
    for name, certificate in pki_leaves(pki).items():
        found[f"pki-{name}.der"] = DER + der(certificate)
        found[f"pki-{name}.header"] = HEADER + escaped(certificate).encode("ascii")

    forge = Forge(pki)
    for name, case in CASES.items():
        if case.stage is Stage.PROXY:  # the same valid leaf as others, only the request's headers differ
            continue
        sample = case.build(forge)
        if has_private_key(sample.header.encode("utf-8", "replace")):  # the "a private key instead" case
            skipped.append(f"{name} (contém uma chave privada)")
            continue
        pool.extend(sample.pool)
        try:
            header = HEADER + sample.header.encode("latin-1")  # what WSGI hands Django
        except UnicodeEncodeError:
            header = b""
        if header and len(header) <= MAX_INPUT:
            found[f"hostile-{name}.header"] = header
        else:
            skipped.append(f"{name} (cabeçalho de {len(sample.header):,} caracteres: grande demais)")
        inner = der_inside(sample.header)
        if inner is not None and len(inner) < MAX_INPUT:
            found[f"hostile-{name}.der"] = DER + inner
    return found, pool, skipped


def has_private_key(data: bytes) -> bool:
    lowered = unquote(data.decode("latin-1")).lower()
    return "private key" in lowered


def no_private_key(data: bytes, name: str) -> None:
    if has_private_key(data):
        raise SystemExit(f"{name}: looks like a private key; nothing written")


def main() -> None:
    instant = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    pki = TestPki(now=instant)
    found, pool, skipped = inputs(pki)
    roots = pki.root.certificate_pem()
    unique_pool = {c.fingerprint(hashes.SHA256()): c for c in pool}
    intermediates = b"".join(c.certificate_pem() for c in pki.intermediates) + b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in unique_pool.values()
    )
    for name, data in {**found, "roots.pem": roots, "intermediates.pem": intermediates}.items():
        no_private_key(data, name)

    shutil.rmtree(CORPUS, ignore_errors=True)
    CORPUS.mkdir(parents=True)
    for name, data in sorted(found.items()):
        (CORPUS / name).write_bytes(data)
    SEED_PKI.mkdir(parents=True, exist_ok=True)
    (SEED_PKI / "roots.pem").write_bytes(roots)
    (SEED_PKI / "intermediates.pem").write_bytes(intermediates)
    (SEED_PKI / "instant.txt").write_text(instant.isoformat() + "\n")

    size = sum(len(data) for data in found.values())
    digest = hashlib.sha256(b"".join(found[name] for name in sorted(found))).hexdigest()[:12]
    print(f"fuzz/corpus: {len(found)} entradas, {size:,} bytes (sha256 {digest}); fuzz/seed-pki no instante {instant}")
    for name in skipped:
        print(f"  fora do corpus: {name}")


if __name__ == "__main__":
    main()
