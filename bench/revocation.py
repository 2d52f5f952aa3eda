"""Revocation with big CRLs, side by side with the reference tools, in one run.

    .venv/bin/python bench/revocation.py [--sizes 10000,100000,1000000] [--seconds 10] [--clients 4]

Chain as in shared/figures.md: root RSA-4096 → issuing AC RSA-4096 → leaf RSA-2048; the issuing AC's CRL has N
entries shaped like the issue's reference (20-byte serials, a reason code on each: 1M entries ≈ 53 MB of DER). Prints:
1. ingest (verify + index into the store) of each CRL size;
2. full certificate validation (parse + path + policy + identity + revocation) with the largest CRL loaded, and
   pyhanko-certvalidator (revocation required) with the same chain and CRL;
3. certificate logins per second through nginx (TLS 1.3 full handshakes with a client certificate, `openssl
   s_time -new`, several clients) with the largest CRL, the same login with revocation off, and nginx's own
   `ssl_crl` holding the same CRLs; gunicorn workers' memory in each case.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402

from certauth.icp.builder import PersonSpec, PkiBuilder, RevokedEntry  # noqa: E402

NGINX_NATIVE = """
worker_processes 2;
pid {prefix}/native.pid;
error_log {prefix}/native-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate {cert}; ssl_certificate_key {key};
        ssl_verify_client on;
        ssl_verify_depth 3;
        ssl_client_certificate {cas};
        ssl_crl {crls};
        location / {{ return 200 "ok"; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def median_ms(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def s_time(port: int, path: str, files: dict[str, Path], seconds: int, clients: int) -> float:
    """Connections per second (full TLS 1.3 handshakes with a client certificate, one GET each), summed."""
    command = [
        "openssl",
        "s_time",
        "-connect",
        f"127.0.0.1:{port}",
        "-new",
        "-tls1_3",
        "-time",
        str(seconds),
        "-cert",
        str(files["leaf"]),
        "-key",
        str(files["leaf_key"]),
        "-CAfile",
        str(files["tls_ca"]),
        "-www",
        path,
    ]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(clients)
    ]
    total = 0.0
    for process in processes:
        output, _ = process.communicate(timeout=seconds * 4 + 60)
        match = re.search(r"(\d+) connections in (\d+) real seconds", output)
        if match:
            total += int(match.group(1)) / max(int(match.group(2)), 1)
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--pyhanko-rounds", type=int, default=3)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="a3-bench-revocation-"))
    tmp.chmod(0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
    now = dt.datetime.now(dt.UTC)
    builder = PkiBuilder(now=now, key_size=4096)
    root = builder.root("AC Raiz Bench")
    issuer = builder.intermediate(root, "AC Bench")
    builder.key_size = 2048
    leaf = builder.person(issuer, PersonSpec("MARIA DA SILVA", "52601815906", oab="0123456SP"))
    tls_root = builder.root("AC TLS Bench")
    server = builder.server(tls_root, ("localhost",), ips=("127.0.0.1",))
    files = {
        "roots": tmp / "roots.pem",
        "intermediates": tmp / "intermediates.pem",
        "leaf": tmp / "leaf.pem",
        "leaf_key": tmp / "leaf.key",
        "tls_ca": tmp / "tls-ca.pem",
        "server": tmp / "server.pem",
        "server_key": tmp / "server.key",
    }
    files["roots"].write_bytes(root.certificate_pem())
    files["intermediates"].write_bytes(issuer.certificate_pem())
    files["leaf"].write_bytes(leaf.certificate_pem())
    files["leaf_key"].write_bytes(leaf.key_pem())
    files["tls_ca"].write_bytes(tls_root.certificate_pem())
    files["server"].write_bytes(server.certificate_pem())
    files["server_key"].write_bytes(server.key_pem())

    print(f"Generating CRLs of {', '.join(f'{n:,}' for n in sizes)} entries…", flush=True)
    crls = {}
    for number, size in enumerate(sizes, start=2):
        entries = (
            RevokedEntry(
                int.from_bytes(secrets.token_bytes(20)) >> 1,
                now - dt.timedelta(days=1),
                (x509.ReasonFlags.key_compromise, x509.ReasonFlags.superseded)[i % 2],
            )
            for i in range(size)
        )
        crls[size] = builder.crl(issuer, entries, number=number)
    root_crl = builder.crl(root, number=1)

    env = {
        "PORTAL_VAR_DIR": str(tmp / "var"),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "PORTAL_DEMO": "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "CERTAUTH_TRUST_ROOTS": str(files["roots"]),
        "CERTAUTH_INTERMEDIATES": str(files["intermediates"]),
        "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
        "PORTAL_PORT": str(free_port()),
        "CERT_LOGIN_PORT": str(free_port()),
        "CERTAUTH_CRL_FETCH_ON_LOGIN": "0",
        "PORTAL_TLS_CERT": str(files["server"]),
        "PORTAL_TLS_KEY": str(files["server_key"]),
        **({"DATABASE_URL": os.environ["DATABASE_URL"]} if "DATABASE_URL" in os.environ else {}),
    }
    os.environ.update(env)
    (tmp / "var").mkdir()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from certauth import crl_store
    from certauth.validator import get_validator

    crl_store.ingest(root_crl, source="bench", issuer=root.certificate, max_bytes=1 << 30)
    print("\n1. Ingest (load + verify signature + index into the store)")
    for size, data in crls.items():
        start = time.perf_counter()
        crl_store.ingest(data, source="bench", issuer=issuer.certificate, max_bytes=1 << 30)
        elapsed = time.perf_counter() - start
        print(
            f"   {size:>9,} entries  {len(data) / 1e6:6.1f} MB DER   {elapsed:6.2f} s   "
            f"({size / elapsed:,.0f} entries/s)",
            flush=True,
        )
    largest = max(sizes)

    print(f"\n2. Full certificate validation with the {largest:,}-entry CRL loaded (median)")
    validator = get_validator()
    at = dt.datetime.now(dt.UTC)
    header = quote(leaf.certificate_pem().decode(), safe="")
    from certauth.icp.forwarded import decode_forwarded_certificate

    ours = median_ms(lambda: validator.validate(decode_forwarded_certificate(header), at=at), args.rounds)
    print(f"   ours (header → validated, revocation of every CA in the path)      {ours * 1000:8.0f} µs")
    try:
        ref_cold, ref_warm, ref_rss = pyhanko(root, issuer, leaf, root_crl, crls[largest], at, args.pyhanko_rounds)
        print(
            f"   pyhanko-certvalidator, revocation required (warm / first)         "
            f"{ref_warm:8.0f} ms / {ref_cold:.0f} ms  (process peak RSS {ref_rss:,.0f} MB)"
        )
    except ImportError:
        print("   pyhanko-certvalidator: not installed (pip install -e '.[bench]')")

    if args.skip_throughput:
        return
    print(f"\n3. Certificate logins per second through nginx, TLS 1.3, {args.clients} clients × {args.seconds} s")
    from portal.serving.config import site_from_settings
    from portal.serving.processes import Stack

    rows = []
    for label, extra in (
        ("ours, revocation with the 1M CRL", {}),
        ("ours, revocation off", {"CERTAUTH_REVOCATION": "off"}),
    ):
        site = site_from_settings()
        stack = Stack(site=site, env={**os.environ, **extra}, gunicorn_workers=args.workers, output=tmp / "stack.log")
        stack.start()
        try:
            s_time(site.login_port, "/entrar/certificado/", files, 2, 1)  # warm the workers
            workers = children(stack.processes["gunicorn"].pid)
            nginx_workers = children(stack.processes["nginx"].pid)
            before = cpu_seconds(workers), cpu_seconds(nginx_workers), _children_cpu()
            rate = s_time(site.login_port, "/entrar/certificado/", files, args.seconds, args.clients)
            after = cpu_seconds(workers), cpu_seconds(nginx_workers), _children_cpu()
            logins = rate * args.seconds
            print(
                f"   ({label}: CPU per login — gunicorn {1000 * (after[0] - before[0]) / logins:.2f} ms, "
                f"nginx {1000 * (after[1] - before[1]) / logins:.2f} ms, "
                f"TLS clients {1000 * (after[2] - before[2]) / logins:.2f} ms)",
                flush=True,
            )
            memory = max((rss_mb(w) for w in workers), default=0.0)
        finally:
            stack.stop()
        rows.append((label, rate, memory))
    rows.append(("nginx ssl_crl with the same CRLs (reference)", *native(tmp, files, root_crl, crls[largest], args)))
    for label, rate, memory in rows:
        print(f"   {label:<48} {rate:8.1f} logins/s   worker RSS {memory:6.0f} MB")
    ours_rate, off_rate, native_rate = rows[0][1], rows[1][1], rows[2][1]
    print(
        f"   → {ours_rate / max(native_rate, 0.01):.1f}× nginx's own ssl_crl; "
        f"{100 * ours_rate / max(off_rate, 0.01):.0f}% of the same login without revocation"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pyhanko(
    root, issuer, leaf, root_crl: bytes, crl: bytes, at: dt.datetime, rounds: int
) -> tuple[float, float, float]:
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext

    def cert(issued):
        return asn1_x509.Certificate.load(issued.certificate.public_bytes(Encoding.DER))

    loop = asyncio.new_event_loop()
    crls = [asn1_crl.CertificateList.load(root_crl), asn1_crl.CertificateList.load(crl)]

    def once() -> None:
        context = ValidationContext(trust_roots=[cert(root)], crls=crls, revocation_mode="require", moment=at)
        validator = CertificateValidator(cert(leaf), intermediate_certs=[cert(issuer)], validation_context=context)
        loop.run_until_complete(validator.async_validate_usage({"digital_signature"}))

    start = time.perf_counter()
    once()
    cold = (time.perf_counter() - start) * 1000
    warm = median_ms(once, rounds)
    return cold, warm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def native(tmp: Path, files: dict[str, Path], root_crl: bytes, crl: bytes, args) -> tuple[float, float]:
    from portal.serving.nginx import nginx_binary

    pem = b"".join(x509.load_der_x509_crl(data).public_bytes(Encoding.PEM) for data in (root_crl, crl))
    (tmp / "crls.pem").write_bytes(pem)
    (tmp / "cas.pem").write_bytes(files["roots"].read_bytes() + files["intermediates"].read_bytes())
    (tmp / "tmp").mkdir(exist_ok=True)
    port = free_port()
    (tmp / "native.conf").write_text(
        NGINX_NATIVE.format(
            prefix=tmp,
            port=port,
            cert=files["server"],
            key=files["server_key"],
            cas=tmp / "cas.pem",
            crls=tmp / "crls.pem",
        )
    )
    process = subprocess.Popen(
        [nginx_binary(), "-p", str(tmp), "-c", str(tmp / "native.conf"), "-e", str(tmp / "native-error.log")]
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        rate = s_time(port, "/", files, args.seconds, args.clients)
        memory = max((rss_mb(w) for w in children(process.pid)), default=0.0)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return rate, memory


if __name__ == "__main__":
    main()
