"""Rendering ``nginx/nginx.conf.template``: one source of truth for Django and nginx.

The CA names the login host sends are the very roots certauth trusts (``CERTAUTH_TRUST_ROOTS``), concatenated
into one file at render time.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID
from django.template import Context, Engine

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "nginx"
_SAFE_SECRET = re.compile(r"\A[A-Za-z0-9_\-.~+/=]{16,256}\Z")
_SAFE_VALUE = re.compile(r"\A[A-Za-z0-9_\-.:/\[\]]+\Z")
#: An address the error pages link to: https, and nothing nginx would read inside a quoted string ($ " ' \ ; {}).
_SAFE_LINK = re.compile(r"\Ahttps://[A-Za-z0-9_\-.~:/?#\[\]@!&()*+,=%]+\Z")


@dataclass(frozen=True)
class NginxSite:
    prefix: Path  #: holds nginx.conf, logs/, tmp/, the pid file and the CA names file
    upstream: str  #: gunicorn's address, host:port
    proxy_secret: str
    server_certificate: Path
    server_key: Path
    trust_roots: Sequence[str | Path]
    portal_base_url: str
    login_base_url: str
    listen: str = "127.0.0.1"
    portal_port: int = 8443
    login_port: int = 8444
    #: A second login host port offering TLS 1.2 only (tokens without RSA-PSS); 0: none.
    login_tls12_port: int = 0
    portal_server_name: str = "localhost"
    login_server_name: str = "localhost"
    workers: int = 2
    #: Demo only: publish this directory's CRLs over plain HTTP on ``crl_port`` (ICP-Brasil ACs use plain HTTP).
    crl_dir: Path | None = None
    crl_port: int = 8480
    #: DNS resolver nginx uses to reach the server certificate's OCSP responder (stapling); empty: no stapling.
    resolver: str = ""
    #: Load balancers (addresses or networks) that open every connection with a PROXY protocol header naming the
    #: client; empty: none (clients connect to nginx directly). When set, the portal and login ports accept only
    #: connections from them, and the client address they report is the one the audit and the limits see.
    proxy_protocol_from: Sequence[str] = ()
    #: The support channel nginx's own error pages (``nginx/errors/``, SSI) link to (``PORTAL_SUPPORT_URL``); empty:
    #: the pages name it without a link.
    support_url: str = ""
    #: The gateway for a legacy system that cannot speak OpenID Connect (``OIDC_GATEWAY_PORT``, its upstream
    #: ``OIDC_GATEWAY_UPSTREAM``, an http(s) URL): served only when both are set.
    gateway_port: int = 0
    gateway_upstream: str = ""
    #: The portal's cookies the gateway never passes to the upstream (the session's above all).
    gateway_dropped_cookies: Sequence[str] = ("sessionid", "csrftoken", "messages")

    @property
    def config_file(self) -> Path:
        return self.prefix / "nginx.conf"

    @property
    def client_ca_names(self) -> Path:
        return self.prefix / "client-ca-names.pem"


def render(site: NginxSite) -> Path:
    """Write ``nginx.conf`` and the CA names file under ``site.prefix``; return the config path."""
    if not _SAFE_SECRET.match(site.proxy_secret):
        raise ValueError("the proxy secret must be 16–256 URL-safe characters")
    for value in (
        site.upstream,
        site.listen,
        site.portal_server_name,
        site.login_server_name,
        site.portal_base_url,
        site.login_base_url,
        site.resolver or "none",
    ):
        if not _SAFE_VALUE.match(value):
            raise ValueError(f"unsafe value for the nginx configuration: {value!r}")
    if site.support_url and not _SAFE_LINK.match(site.support_url):
        raise ValueError(f"unsafe support address for the nginx error pages: {site.support_url!r}")
    balancers = proxy_protocol_networks(site.proxy_protocol_from)
    gateway = gateway_context(site)
    for sub in ("logs", "tmp"):
        (site.prefix / sub).mkdir(parents=True, exist_ok=True)
    site.client_ca_names.write_bytes(b"".join(Path(p).read_bytes().rstrip(b"\n") + b"\n" for p in site.trust_roots))
    engine = Engine(dirs=[str(TEMPLATE_DIR)], autoescape=False)
    text = engine.get_template("nginx.conf.template").render(
        Context(
            {
                **{name: getattr(site, name) for name in site.__dataclass_fields__},
                "client_ca_names": site.client_ca_names,
                "dhparam": TEMPLATE_DIR / "ffdhe2048.pem",
                "errors_dir": TEMPLATE_DIR / "errors",
                "login_listeners": [
                    {"port": site.login_port, "tls12_only": False},
                    *([{"port": site.login_tls12_port, "tls12_only": True}] if site.login_tls12_port else []),
                ],
                "ocsp_stapling": bool(site.resolver) and has_ocsp_responder(Path(site.server_certificate)),
                "proxy_protocol_from": balancers,
                "gateway": gateway,
            }
        )
    )
    site.config_file.write_text(text)
    site.config_file.chmod(0o600)  # it holds the proxy secret
    return site.config_file


def gateway_context(site: NginxSite) -> dict[str, object] | None:
    """The gateway server's values (None: no gateway), from its upstream's URL: the address nginx connects to,
    the Host it names, and the path the legacy system lives under (the gateway serves the same paths)."""
    if not (site.gateway_port and site.gateway_upstream):
        return None
    url = urlsplit(site.gateway_upstream)
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment or url.username:
        raise ValueError(f"the gateway's upstream must be an http(s) URL: {site.gateway_upstream!r}")
    port = url.port or (443 if url.scheme == "https" else 80)
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    path = url.path or "/"
    cookies = [c for c in site.gateway_dropped_cookies if c]
    for value in (host, path, *cookies):
        if not _SAFE_VALUE.match(value):
            raise ValueError(f"unsafe value for the nginx configuration: {value!r}")
    if not cookies:
        raise ValueError("the gateway must drop at least the portal's session cookie")
    return {
        "port": int(site.gateway_port),
        "scheme": url.scheme,
        "address": f"{host}:{port}",
        "host": url.netloc,
        "path": path,
        "cookies": cookies,
    }


def proxy_protocol_networks(entries: Sequence[str]) -> list[str]:
    """The balancers' addresses as networks nginx reads (``10.0.0.5`` → ``10.0.0.5/32``); refuse anything else."""
    networks: list[str] = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue  # "a,,b" or an empty variable
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"not an address or network of a load balancer: {entry!r}") from None
        if network.prefixlen == 0:
            raise ValueError(f"{entry!r} would believe a PROXY header from any address: name the load balancers")
        if str(network) not in networks:
            networks.append(str(network))
    return networks


def has_ocsp_responder(certificate_file: Path) -> bool:
    """Whether the server certificate names an OCSP responder (nginx can staple its answers only then)."""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_file.read_bytes())
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    return any(d.access_method == AuthorityInformationAccessOID.OCSP for d in access)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def nginx_command(site: NginxSite, *extra: str) -> list[str]:
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (apt-get install nginx)")
    return [
        binary,
        "-p",
        str(site.prefix),
        "-c",
        str(site.config_file),
        "-e",
        str(site.prefix / "logs" / "error.log"),
        *extra,
    ]


def check_config(site: NginxSite) -> None:
    """``nginx -t``: raise with nginx's own message if the rendered configuration is invalid."""
    result = subprocess.run(nginx_command(site, "-t", "-q"), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"nginx -t failed: {result.stderr.strip()}")
