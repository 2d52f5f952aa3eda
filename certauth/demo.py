"""The demo PKI of ``make run``: an ICP-Brasil-shaped hierarchy and one certificate per case a visitor may try.

    AC Raiz Demo Portal A3 ─── AC Demo Nível 1 ─┬─ AC Demo OAB    (lawyers, with the OAB field)
                                                └─ AC Demo Final  (other e-CPF A3 / A1)
    AC Raiz Desconhecida ───── AC Desconhecida   (not trusted: CERT_UNTRUSTED)
    AC Demo TLS Localhost ──── the nginx server certificate

Every AC publishes a CRL (``lcr/``, served by nginx in the demo, signed again at every start); the demo keys are
generated on this machine at run time and never leave ``var/``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certauth.icp.builder import A1_POLICY, Issued, LeafProfile, PersonSpec, PkiBuilder, RevokedEntry
from certauth.icp.errors import Reason
from certauth.icp.trust import load_pem_files

P12_PASSWORD = "demo1234"  # noqa: S105  (demo PKCS#12 files only)
MANIFEST = "manifest.json"
ROOT_FILE = Path("ac") / "ac-raiz-demo.pem"
INTERMEDIATES_FILE = Path("ac") / "acs-intermediarias-demo.pem"
TLS_CA_FILE = Path("ac") / "ac-tls-demo.pem"
TLS_CERT_FILE = Path("tls") / "servidor.pem"
TLS_KEY_FILE = Path("tls") / "servidor.key"

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DemoCertificate:
    slug: str
    description: str
    spec: PersonSpec
    issuer: str  #: "oab", "final" or "untrusted"
    expected: Reason | None  #: None: logs in


DEMO_CERTIFICATES: tuple[DemoCertificate, ...] = (
    DemoCertificate(
        "advogada-oab-sp",
        "Advogada, e-CPF A3 da AC OAB (perfil antigo, com inscrição OAB 123456/SP)",
        PersonSpec("MARIA APARECIDA SOUZA", "52601815906", dt.date(1979, 3, 14), oab="0123456SP"),
        "oab",
        None,
    ),
    DemoCertificate(
        "advogado-perfil-novo",
        "Advogado, e-CPF A3 no perfil da Resolução 211 (CPF no serialNumber, sem campo OAB)",
        PersonSpec("JOAO CARLOS PEREIRA", "08301661305", profile=LeafProfile.RES_211),
        "final",
        None,
    ),
    DemoCertificate(
        "operadora-municipal",
        "Servidora municipal (Prefeitura de Manaus), e-CPF A3",
        PersonSpec("ANA BEATRIZ LIMA", "18609139034", dt.date(1988, 7, 2)),
        "final",
        None,
    ),
    DemoCertificate(
        "coordenador-aam",
        "Coordenador da AAM (Associação Amazonense de Municípios): acompanha os municípios da associação, e-CPF A3",
        PersonSpec("ROBERTO ALMEIDA COSTA", "28642091797", dt.date(1975, 11, 20)),
        "final",
        None,
    ),
    DemoCertificate(
        "servidor-inss",
        "Servidor do INSS (gestão de entidades): entra na administração com o próprio e-CPF A3",
        PersonSpec("RAFAEL MOREIRA DA SILVA", "50752917080"),
        "final",
        None,
    ),
    DemoCertificate(
        "servidora-sudeste-1",
        "Servidora da Superintendência Sudeste I: consulta só as entidades de SP",
        PersonSpec("PATRICIA LOPES", "78778932807"),
        "final",
        None,
    ),
    DemoCertificate(
        "servidor-gex-manaus",
        "Servidor da Gerência-Executiva Manaus: acompanha só as entidades da sua gerência (/acompanhamento/)",
        PersonSpec("MARCOS VINICIUS ARAUJO", "60417129815"),
        "final",
        None,
    ),
    DemoCertificate(
        "suporte-inss",
        "Atendente do suporte do INSS: consulta tentativas pela referência da tela de erro (/suporte/consulta/)",
        PersonSpec("BEATRIZ NASCIMENTO", "41829365070"),
        "final",
        None,
    ),
    DemoCertificate(
        "certificado-a1",
        "e-CPF do tipo A1 (arquivo): recusado",
        PersonSpec("CARLOS EDUARDO RAMOS", "99603082430", policy_oid=A1_POLICY),
        "final",
        Reason.CERT_NOT_A3,
    ),
    DemoCertificate(
        "certificado-vencido",
        "e-CPF A3 vencido",
        PersonSpec("FERNANDA COSTA", "62819482112", valid_from=-400 * _DAY, valid_for=365 * _DAY),
        "oab",
        Reason.CERT_EXPIRED,
    ),
    DemoCertificate(
        "ainda-nao-valido",
        "e-CPF A3 que só passa a valer daqui a 30 dias",
        PersonSpec("GUSTAVO HENRIQUE ALVES", "99351819019", valid_from=30 * _DAY),
        "oab",
        Reason.CERT_NOT_YET_VALID,
    ),
    DemoCertificate(
        "raiz-nao-confiavel",
        "e-CPF A3 de uma raiz que não é a ICP-Brasil",
        PersonSpec("HELENA MARTINS", "93786579741"),
        "untrusted",
        Reason.CERT_UNTRUSTED,
    ),
    DemoCertificate(
        "sem-autenticacao-cliente",
        "e-CPF A3 sem o uso estendido clientAuth",
        PersonSpec("IGOR SANTOS", "54323194897", client_auth=False),
        "final",
        Reason.CERT_KEY_USAGE,
    ),
    DemoCertificate(
        "cpf-invalido",
        "e-CPF A3 com CPF de dígitos verificadores errados",
        PersonSpec("JULIANA ROCHA", "52601815907"),
        "final",
        Reason.CERT_NO_CPF,
    ),
    DemoCertificate(
        "cpf-nao-cadastrado",
        "e-CPF A3 válido de quem não é membro de entidade parceira",
        PersonSpec("LUCAS FERREIRA", "75749118606"),
        "final",
        Reason.MEMBER_UNKNOWN,
    ),
    DemoCertificate(
        "membro-inativo",
        "e-CPF A3 de membro com cadastro inativo",
        PersonSpec("MARCOS VINICIUS DIAS", "25276018987"),
        "final",
        Reason.MEMBER_INACTIVE,
    ),
    DemoCertificate(
        "entidade-suspensa",
        "Advogada da seccional do Paraná, cujo ACT está suspenso",
        PersonSpec("NATALIA GOMES", "55597971115", oab="0077777PR"),
        "oab",
        Reason.ENTITY_INACTIVE,
    ),
    DemoCertificate(
        "certificado-revogado",
        "Advogado cujo e-CPF A3 foi revogado (comprometimento da chave) e consta da LCR",
        PersonSpec("PAULO ROBERTO NUNES", "34236671255", oab="0333333SP"),
        "oab",
        Reason.CERT_REVOKED,
    ),
    DemoCertificate(
        "oab-divergente",
        "Advogado cujo certificado traz OAB 555555/SP, mas o cadastro diz 444444/SP",
        PersonSpec("OTAVIO BARBOSA", "47104974601", oab="0555555SP"),
        "oab",
        Reason.OAB_MISMATCH,
    ),
)


@dataclass(frozen=True)
class DemoPki:
    directory: Path

    @property
    def root(self) -> Path:
        return self.directory / ROOT_FILE

    @property
    def intermediates(self) -> Path:
        return self.directory / INTERMEDIATES_FILE

    @property
    def tls_ca(self) -> Path:
        return self.directory / TLS_CA_FILE

    @property
    def tls_certificate(self) -> Path:
        return self.directory / TLS_CERT_FILE

    @property
    def tls_key(self) -> Path:
        return self.directory / TLS_KEY_FILE

    @property
    def authority_dir(self) -> Path:
        return self.directory / "ac"

    @property
    def crl_dir(self) -> Path:
        return self.directory / "lcr"

    def user_dir(self, slug: str) -> Path:
        return self.directory / "usuarios" / slug

    def manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.directory / MANIFEST).read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None

    def is_current(self, *, now: dt.datetime, hostnames: tuple[str, ...], crl_base_urls: tuple[str, ...] = ()) -> bool:
        """True if the files exist, cover ``hostnames`` and the CRL addresses, and stay valid 30 more days."""
        manifest = self.manifest()
        if (
            not manifest
            or manifest.get("hostnames") != list(hostnames)
            or manifest.get("crl_base_urls", []) != list(crl_base_urls)
            or "revoked" not in manifest
        ):
            return False
        try:
            expires = dt.datetime.fromisoformat(str(manifest["renew_after"]))
        except (KeyError, ValueError):
            return False
        return now < expires and all(self.user_dir(c.slug).is_dir() for c in DEMO_CERTIFICATES)


def build_demo_pki(
    directory: Path,
    *,
    now: dt.datetime,
    hostnames: tuple[str, ...] = ("localhost",),
    crl_base_urls: tuple[str, ...] = (),
) -> DemoPki:
    """(Re)generate every demo file under ``directory``, CRLs included (published under ``crl_base_urls``)."""
    pki = DemoPki(directory)
    builder = PkiBuilder(now=now)

    def crl_urls(ca_slug: str) -> tuple[str, ...]:
        return tuple(f"{base.rstrip('/')}/{ca_slug}.crl" for base in crl_base_urls)

    root = builder.root("AC Raiz Demo Portal A3")
    level1 = builder.intermediate(
        root, "AC Demo Nivel 1", path_length=1, valid_from=-730 * _DAY, crl_urls=crl_urls("ac-raiz-demo")
    )
    issuers = {
        "oab": builder.intermediate(
            level1, "AC Demo OAB", valid_from=-730 * _DAY, crl_urls=crl_urls("ac-demo-nivel-1")
        ),
        "final": builder.intermediate(
            level1, "AC Demo Final", valid_from=-730 * _DAY, crl_urls=crl_urls("ac-demo-nivel-1")
        ),
    }
    unknown_root = builder.root("AC Raiz Desconhecida")
    issuers["untrusted"] = builder.intermediate(unknown_root, "AC Desconhecida", valid_from=-730 * _DAY)
    tls_root = builder.root("AC Demo TLS Localhost")
    server = builder.server(tls_root, hostnames, ips=("127.0.0.1",))

    _write(pki.root, root.certificate_pem())
    _write(
        pki.intermediates,
        level1.certificate_pem() + issuers["oab"].certificate_pem() + issuers["final"].certificate_pem(),
    )
    _write(pki.tls_ca, tls_root.certificate_pem())
    _write(pki.tls_certificate, server.certificate_pem() + tls_root.certificate_pem())
    _write(pki.tls_key, server.key_pem(), private=True)
    authorities = {
        "ac-raiz-demo": root,
        "ac-demo-nivel-1": level1,
        "ac-demo-oab": issuers["oab"],
        "ac-demo-final": issuers["final"],
    }
    for slug, authority in authorities.items():  # kept so that the CRLs can be signed again at every start
        _write(pki.authority_dir / f"{slug}.pem", authority.certificate_pem())
        _write(pki.authority_dir / f"{slug}-chave-demo.pem", authority.key_pem(), private=True)

    chains = {
        "oab": (issuers["oab"], level1, root),
        "final": (issuers["final"], level1, root),
        "untrusted": (issuers["untrusted"], unknown_root),
    }
    ca_slug = {"oab": "ac-demo-oab", "final": "ac-demo-final", "untrusted": "ac-desconhecida"}
    entries = []
    revoked: dict[str, list[str]] = {slug: [] for slug in authorities}
    for demo in DEMO_CERTIFICATES:
        chain = chains[demo.issuer]
        leaf = builder.person(chain[0], demo.spec.but(crl_urls=crl_urls(ca_slug[demo.issuer])))
        _write_user(pki.user_dir(demo.slug), leaf, tuple(c.certificate for c in chain))
        if demo.expected is Reason.CERT_REVOKED:
            revoked[ca_slug[demo.issuer]].append(format(leaf.certificate.serial_number, "X"))
        entries.append(
            {
                "slug": demo.slug,
                "name": demo.spec.name,
                "cpf": demo.spec.cpf,
                "description": demo.description,
                "expected": demo.expected.value if demo.expected else "LOGIN",
            }
        )
    manifest = {
        "generated_at": now.isoformat(),
        "renew_after": (now + 365 * _DAY).isoformat(),
        "hostnames": list(hostnames),
        "crl_base_urls": list(crl_base_urls),
        "p12_password": P12_PASSWORD,
        "certificates": entries,
        "revoked": revoked,
    }
    _write(directory / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    publish_demo_crls(pki, now=now)
    return pki


def publish_demo_crls(pki: DemoPki, *, now: dt.datetime) -> list[Path]:
    """Sign each demo AC's CRL again (fresh dates, a higher number), into ``lcr/``; return the files."""
    manifest = pki.manifest() or {}
    builder = PkiBuilder(now=now)
    files = []
    number = int(now.timestamp())
    for slug, serials in manifest.get("revoked", {}).items():
        authority = Issued(
            load_pem_files([pki.authority_dir / f"{slug}.pem"])[0],
            serialization.load_pem_private_key((pki.authority_dir / f"{slug}-chave-demo.pem").read_bytes(), None),  # type: ignore[arg-type]
        )
        data = builder.crl(
            authority,
            [RevokedEntry(int(s, 16), now - _DAY, x509.ReasonFlags.key_compromise) for s in serials],
            number=number,
            this_update=now - dt.timedelta(minutes=5),
            next_update=now + 30 * _DAY,
        )
        path = pki.crl_dir / f"{slug}.crl"
        _write(path, data)
        files.append(path)
    return files


def demo_root_trusted(pki: DemoPki, roots: Iterable[x509.Certificate]) -> bool:
    """Whether the trusted ``roots`` include the demo root: otherwise (``CERTAUTH_TRUST_ROOTS`` names the user's own
    PKI) no demo certificate, CRL or cloud holder can be accepted, and the demo skips them."""
    try:
        root = load_pem_files([pki.root])[0]
    except (OSError, ValueError, IndexError):
        return False
    return root in set(roots)


def split_demo_crls(pki: DemoPki, authorities: Iterable[x509.Certificate]) -> tuple[list[Path], list[Path]]:
    """The demo CRL files whose issuing demo AC is among the trusted ``authorities`` (roots and intermediates), and
    the others (no trusted AC to verify them with)."""
    held = set(authorities)
    usable: list[Path] = []
    foreign: list[Path] = []
    for path in sorted(pki.crl_dir.glob("*.crl")):
        try:
            issuer = load_pem_files([pki.authority_dir / f"{path.stem}.pem"])[0]
        except (OSError, ValueError, IndexError):
            issuer = None
        (usable if issuer in held else foreign).append(path)
    return usable, foreign


def _write_user(directory: Path, leaf: Issued, chain: tuple[x509.Certificate, ...]) -> None:
    _write(directory / "certificado.pem", leaf.certificate_pem())
    _write(directory / "chave-demo.pem", leaf.key_pem(), private=True)
    _write(directory / "certificado-demo.p12", leaf.pkcs12(P12_PASSWORD.encode(), chain), private=True)
    _write(directory / "cadeia.pem", b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o600 if private else 0o644)
    tmp.replace(path)
