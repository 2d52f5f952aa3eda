"""A test PKI built at run time, shaped like ICP-Brasil (root → 1st level → issuing ACs → e-CPF leaves)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certauth.icp.builder import Issued, PersonSpec, PkiBuilder
from certauth.icp.trust import TrustStore


@dataclass
class TestPki:
    __test__ = False  # not a test class, despite the name
    now: dt.datetime
    builder: PkiBuilder = field(init=False)

    def __post_init__(self) -> None:
        self.builder = PkiBuilder(now=self.now, shared_leaf_key=True)
        b = self.builder
        self.root = b.root("AC Raiz Teste A3")
        self.level1 = b.intermediate(self.root, "AC Teste Nivel 1", path_length=1, valid_from=dt.timedelta(days=-700))
        self.oab = b.intermediate(self.level1, "AC Teste OAB", valid_from=dt.timedelta(days=-700))
        self.final = b.intermediate(self.level1, "AC Teste Final", valid_from=dt.timedelta(days=-700))
        self.stranger_root = b.root("AC Raiz Estranha")
        self.stranger = b.intermediate(self.stranger_root, "AC Estranha")

    @property
    def intermediates(self) -> tuple[Issued, ...]:
        return (self.level1, self.oab, self.final)

    def trust_store(self) -> TrustStore:
        return TrustStore([self.root.certificate], [c.certificate for c in self.intermediates])

    def issue(self, spec: PersonSpec, issuer: Issued | None = None) -> Issued:
        return self.builder.person(issuer or self.oab, spec)

    def write(self, directory: Path) -> tuple[Path, Path]:
        """Write ``roots.pem`` and ``intermediates.pem``; return their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        roots, intermediates = directory / "roots.pem", directory / "intermediates.pem"
        roots.write_bytes(self.root.certificate_pem())
        intermediates.write_bytes(b"".join(c.certificate_pem() for c in self.intermediates))
        return roots, intermediates


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def escaped(certificate: x509.Certificate) -> str:
    """What nginx's ``$ssl_client_escaped_cert`` holds."""
    return quote(pem(certificate), safe="")
