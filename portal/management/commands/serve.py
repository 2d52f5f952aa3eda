"""``python manage.py serve``: nginx (mutual TLS) in front of gunicorn, until Ctrl-C (``make run``)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from certauth.demo import DEMO_CERTIFICATES, DemoPki
from cloudauth import demo as cloud_demo
from portal.demo import DEMO_PASSWORD, PASSWORD_MEMBERS
from portal.serving.config import site_from_settings
from portal.serving.processes import BASE_DIR, Stack


class CrlRefresher(threading.Thread):
    """Runs ``manage.py crl refresh`` at start and then periodically, like the cron job of a production host."""

    def __init__(self, *, env: Mapping[str, str], log: Path, interval: int) -> None:
        super().__init__(name="crl-refresh", daemon=True)
        self.env, self.log, self.interval = dict(env), log, max(interval, 60)
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            with self.log.open("ab") as output:
                subprocess.run(
                    [sys.executable, "manage.py", "crl", "refresh"],
                    cwd=BASE_DIR,
                    env=self.env,
                    stdout=output,
                    stderr=output,
                    check=False,
                )
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        self._stopped.set()


class Command(BaseCommand):
    help = "Serve o portal (nginx com TLS mútuo + gunicorn) até Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", "3")))

    def handle(self, *args: Any, **options: Any) -> None:
        # nginx and Django must share the proxy secret; without one configured, make one for this run.
        secret = os.environ.get("CERTAUTH_PROXY_SECRET") or secrets.token_urlsafe(32)
        site = site_from_settings(proxy_secret=secret)
        stack = Stack(
            site=site, env={**os.environ, "CERTAUTH_PROXY_SECRET": secret}, gunicorn_workers=options["workers"]
        )

        def _stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _stop)
        # The demo PSC first: if its port is taken, nothing else has been started yet.
        psc = cloud_demo.start(Path(settings.DEMO_PKI_DIR), settings.DEMO_PSC_PORT) if settings.PORTAL_DEMO else None
        try:
            stack.start()
        except BaseException:
            if psc is not None:
                psc.stop()
            raise
        refresher = CrlRefresher(
            env=stack.env,
            log=site.prefix / "logs" / "crl-refresh.log",
            interval=60 * int(os.environ.get("CERTAUTH_CRL_REFRESH_MINUTES", "60")),
        )
        refresher.start()
        self.stdout.write(self.banner())
        self.stdout.write(f"LCRs: `crl refresh` agora e a cada {refresher.interval // 60} min ({refresher.log}).\n")
        try:
            status = stack.wait()
            self.stderr.write(f"Um dos processos terminou (status {status}); veja {site.prefix}/logs.")
        except KeyboardInterrupt:
            self.stdout.write("\nEncerrando…")
        finally:
            refresher.stop()
            if psc is not None:
                psc.stop()
            stack.stop()

    def banner(self) -> str:
        lines = [
            "",
            self.style.SUCCESS("Portal A3 no ar"),
            f"  Portal:                  {settings.PORTAL_BASE_URL}/",
            f"  Login com certificado:   {settings.CERT_LOGIN_BASE_URL}/entrar/certificado/",
            *(
                [f"  … com TLS 1.2 (tokens sem RSA-PSS): {settings.CERT_LOGIN_TLS12_BASE_URL}/entrar/certificado/"]
                if settings.CERT_LOGIN_TLS12_BASE_URL
                else []
            ),
            f"  Administração (INSS):    {settings.PORTAL_BASE_URL}/admin/",
        ]
        if settings.PORTAL_DEMO:
            lines.append("                           (com os certificados servidor-inss ou servidora-sudeste-1)")
        pki = DemoPki(Path(settings.DEMO_PKI_DIR))
        manifest = pki.manifest() if settings.PORTAL_DEMO else None
        if manifest:
            lines += [
                "",
                f"Certificados de demonstração em {pki.directory}/usuarios/<nome>/",
                f"  certificado-demo.p12 (navegador; senha {manifest['p12_password']}), "
                "certificado.pem + chave-demo.pem (curl)",
                f"  AC do servidor TLS (para confiar no navegador/curl): {pki.tls_ca}",
                "",
            ]
            for entry in manifest["certificates"]:
                outcome = "entra" if entry["expected"] == "LOGIN" else f"recusa {entry['expected']}"
                lines.append(f"  {entry['slug']:<26} {entry['name']:<24} → {outcome}")
            user = pki.user_dir("advogada-oab-sp")
            by_slug = {c.slug: c for c in DEMO_CERTIFICATES}
            base = settings.PORTAL_BASE_URL
            lines += [
                "",
                "Experimente com curl:",
                f"  curl --cacert {pki.tls_ca} --cert {user}/certificado.pem --key {user}/chave-demo.pem \\",
                f"       -c /tmp/a3-cookies -L {settings.CERT_LOGIN_BASE_URL}/entrar/certificado/",
                "",
                f"Acesso com CPF e senha (legado, até a data de cada entidade): {base}/entrar/senha/"
                f" (senha {DEMO_PASSWORD})",
                *[f"  CPF {m.cpf}  {m.name:<18} {m.entity:<8} → {m.outcome}" for m in PASSWORD_MEMBERS],
                f"  Cronograma: {base}/cronograma/   Orientações: {base}/orientacoes/",
                "",
                f"Certificado em nuvem: {base}/entrar/nuvem/ — o {cloud_demo.NAME}, em"
                f" http://127.0.0.1:{settings.DEMO_PSC_PORT}, faz o papel do aplicativo (página “Aprovar”; a"
                f" notificação é aprovada sozinha em {cloud_demo.PUSH_APPROVED_AFTER:g} s). CPFs com certificado nele:",
                *[f"  CPF {by_slug[h].spec.cpf}  {h}" for h in cloud_demo.HOLDERS],
            ]
        lines += ["", "Ctrl-C para encerrar.", ""]
        return "\n".join(lines)
