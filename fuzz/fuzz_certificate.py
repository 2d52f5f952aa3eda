"""Coverage-guided fuzzing (atheris/libFuzzer) of the certificate core, the way the login view drives it.

Each input is one of four shapes, chosen by its first byte:

0. a forwarded header value (the rest, read as Latin-1, as WSGI hands headers to Django);
1. DER bytes, forwarded as nginx would (URL-escaped PEM);
2. a valid leaf of the fuzz PKI with a few bytes edited (the signature then fails: path and parsing code);
3. the same leaf's TBS edited and signed again by its AC (so policy, key usage and identity see the edit).

Every certificate that decodes goes through ``CertificateValidator.validate`` against a small trust store built at
start (root → AC → leaves) and through ``extract_identity`` (as ``backends.claimed_identity`` does for a refused
one). The store also trusts the test PKI of the seed corpus (``fuzz/seed-pki/``, written with ``fuzz/corpus/`` by
``fuzz/make_seed_corpus.py``), and every input is checked at that PKI's instant, so the committed seeds — the real
samples, the test PKI's certificates, the hostile corpus — reach the late checks on any later day.

Allowed answers: a value, ``CertificateError`` (and ``ValueError`` from the identity parser). Anything else is a
crash (libFuzzer writes the input to ``crash-*``): no leak is tolerated (``tests/certauth/test_fuzz_properties.py``
keeps the hostile cases that once leaked one answered with a documented error).

Run: ``make fuzz`` (``FUZZ_SECONDS``, default 60: a copy of ``fuzz/corpus`` plus the growing ``var/fuzz/corpus``), or
``.venv/bin/python fuzz/fuzz_certificate.py -max_total_time=60 var/fuzz/corpus fuzz/corpus``.
"""

from __future__ import annotations

import base64
import datetime as dt
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import atheris

# Not instrumented: third-party code (cryptography and pyOpenSSL are compiled anyway).
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.utils import CryptographyDeprecationWarning

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["certauth.icp"]):
    from certauth.icp.builder import A3_POLICY, LeafProfile, PersonSpec, PkiBuilder
    from certauth.icp.errors import CertificateError
    from certauth.icp.forwarded import decode_forwarded_certificate
    from certauth.icp.identity import extract_identity
    from certauth.icp.trust import TrustStore, load_pem_files
    from certauth.icp.validation import CertificateValidator

warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)  # negative serials: expected here


# --- the fuzz PKI (built once) ----------------------------------------------------------------------------------

SEED_PKI = Path(__file__).resolve().parent / "seed-pki"
SEED_LEAF = Path(__file__).resolve().parent / "corpus" / "pki-lawyer-oab.der"  #: must validate (see main)
if (SEED_PKI / "instant.txt").exists():
    NOW = dt.datetime.fromisoformat((SEED_PKI / "instant.txt").read_text().strip())
    SEED_ROOTS, SEED_INTERMEDIATES = (load_pem_files([SEED_PKI / name]) for name in ("roots.pem", "intermediates.pem"))
else:
    NOW, SEED_ROOTS, SEED_INTERMEDIATES = dt.datetime.now(dt.UTC).replace(microsecond=0), [], []
AT = NOW + dt.timedelta(minutes=5)
_builder = PkiBuilder(now=NOW, shared_leaf_key=True)
ROOT = _builder.root("AC Raiz Fuzz", key=ec.generate_private_key(ec.SECP256R1()))
AC_KEY = ec.generate_private_key(ec.SECP256R1())  # ECDSA: re-signing each input costs microseconds
AC = _builder.intermediate(ROOT, "AC Fuzz OAB", key=AC_KEY)
VALIDATOR = CertificateValidator(
    trust=TrustStore([ROOT.certificate, *SEED_ROOTS], [AC.certificate, *SEED_INTERMEDIATES])
)
SEEDS = [
    _builder.person(AC, PersonSpec("MARIA FUZZ", "52601815906", oab="0123456SP", policy_oid=A3_POLICY)).certificate,
    _builder.person(AC, PersonSpec("JOAO FUZZ", "47363361886", profile=LeafProfile.RES_211)).certificate,
]
SEED_DER = [c.public_bytes(serialization.Encoding.DER) for c in SEEDS]


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def _parts(der: bytes) -> list[bytes]:
    """The three elements of a Certificate SEQUENCE (as our builder writes it: long-form lengths)."""
    start = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
    found = []
    while start < len(der):
        size, head = der[start + 1], 2
        if size & 0x80:
            count = size & 0x7F
            size, head = int.from_bytes(der[start + 2 : start + 2 + count], "big"), 2 + count
        found.append(der[start : start + head + size])
        start += head + size
    return found


SEED_PARTS = [_parts(der) for der in SEED_DER]


def escaped(der: bytes) -> str:
    body = base64.b64encode(der).decode()
    text = "-----BEGIN CERTIFICATE-----\n" + "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return quote(text + "\n-----END CERTIFICATE-----\n", safe="")


# --- one input --------------------------------------------------------------------------------------------------


def _edit(fdp: atheris.FuzzedDataProvider, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(fdp.ConsumeIntInRange(1, 6)):
        if not buffer:
            break
        index = fdp.ConsumeIntInRange(0, len(buffer) - 1)
        kind = fdp.ConsumeIntInRange(0, 3)
        value = fdp.ConsumeIntInRange(0, 255)
        if kind == 0:
            buffer[index] = value
        elif kind == 1:
            buffer[index] ^= 1 << (value & 7)
        elif kind == 2:
            buffer[index:index] = fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 8)) or bytes([value])
        else:
            del buffer[index : index + 1 + (value & 3)]
    return bytes(buffer)


def _guard(call: Callable[[], Any], *documented: type[BaseException]) -> Any:
    try:
        return call()
    except documented:
        return None


def check_header(value: str) -> None:
    certificate = _guard(lambda: decode_forwarded_certificate(value), CertificateError)
    if certificate is None:
        return
    # The login path: validate() reads the identity itself once the path holds; for a refused certificate the view
    # still reads who it claims to be (backends.claimed_identity), so the identity parser sees every input.
    _guard(lambda: VALIDATOR.validate(certificate, at=AT), CertificateError)
    _guard(lambda: extract_identity(certificate), CertificateError, ValueError)


def TestOneInput(data: bytes) -> None:  # noqa: N802  (atheris' name)
    if not data:
        return
    fdp = atheris.FuzzedDataProvider(data[1:])
    shape = data[0] % 4
    if shape == 0:
        check_header(data[1:].decode("latin-1"))
    elif shape == 1:
        check_header(escaped(data[1:]))
    elif shape == 2:
        seed = SEED_DER[fdp.ConsumeIntInRange(0, len(SEED_DER) - 1)]
        check_header(escaped(_edit(fdp, seed)))
    else:
        tbs, algorithm, _ = SEED_PARTS[fdp.ConsumeIntInRange(0, len(SEED_PARTS) - 1)]
        new_tbs = _edit(fdp, tbs)
        signature = AC_KEY.sign(new_tbs, ec.ECDSA(hashes.SHA256()))
        check_header(escaped(_tlv(0x30, new_tbs + algorithm + _tlv(0x03, b"\x00" + signature))))


def _write_seeds(corpus: Path) -> None:
    """Give an empty corpus one valid input of each shape (libFuzzer mutates from there)."""
    if any(corpus.iterdir()):
        return
    for index, der in enumerate(SEED_DER):
        (corpus / f"seed-header-{index}").write_bytes(b"\x00" + escaped(der).encode())
        (corpus / f"seed-der-{index}").write_bytes(b"\x01" + der)
        (corpus / f"seed-edit-{index}").write_bytes(bytes([2, index, 0, 0, 0]))
        (corpus / f"seed-resign-{index}").write_bytes(bytes([3, index, 0, 0, 0]))


def main() -> None:
    for argument in sys.argv[1:]:
        if not argument.startswith("-") and Path(argument).is_dir():
            _write_seeds(Path(argument))
    # Sanity: the seeds are valid certificates of the fuzz PKI, and the seed corpus's test PKI is trusted at its
    # instant (else the fuzzer would explore nothing useful).
    seeds = [escaped(certificate.public_bytes(serialization.Encoding.DER)) for certificate in SEEDS]
    if SEED_ROOTS:
        seeds.append(escaped(SEED_LEAF.read_bytes()[1:]))
    for header in seeds:
        assert VALIDATOR.validate(decode_forwarded_certificate(header), at=AT)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
