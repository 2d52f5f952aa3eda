"""``python manage.py serve``: nginx (mutual TLS) in front of gunicorn, until Ctrl-C (``make run``)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from certauth.conf import settings as certauth_settings
from certauth.demo import DEMO_CERTIFICATES, DemoPki, demo_root_trusted
from certauth.validator import get_trust_store
from cloudauth import demo as cloud_demo
from oidc.demo import stand_in_base_url, stand_in_environment
from patdemo import process as pat_stand_in
from portal.demo import DEMO_PASSWORD, PASSWORD_MEMBERS
from portal.serving.config import site_from_settings
from portal.serving.processes import BASE_DIR, Cancelled, ManageCommand, Stack
from portal.serving.shutdown import StopRequests, run_bounded

if TYPE_CHECKING:
    from cloudauth.simulator import PscSimulator


#: Seconds the demo PSC simulator may take to stop before it is left to end with the process.
PSC_STOP_TIMEOUT = 3.0
#: Seconds nginx and gunicorn get for their graceful stop (gunicorn's own graceful timeout is 10 s).
GRACEFUL_STOP_TIMEOUT = 15.0


class CrlRefresher(threading.Thread):
    """Runs ``manage.py crl refresh`` (or ``command``) at start and then periodically, like the cron job of a
    production host."""

    def __init__(
        self, *, env: Mapping[str, str], log: Path, interval: int, command: tuple[str, ...] = ("crl", "refresh")
    ) -> None:
        super().__init__(name="-".join(command[:2]), daemon=True)
        self.env, self.log, self.interval, self.command = dict(env), log, max(interval, 60), command
        self._stopped = threading.Event()
        self._running: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self._stopped.is_set():
            with self.log.open("ab") as output, self._lock:
                if self._stopped.is_set():
                    return
                self._running = subprocess.Popen(
                    [sys.executable, "manage.py", *self.command],
                    cwd=BASE_DIR,
                    env=self.env,
                    stdout=output,
                    stderr=output,
                )
            self._running.wait()
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        """No new refresh; the one under way (downloads with their own timeouts) is ended."""
        self._stopped.set()
        with self._lock:
            running = self._running
        if running is not None and running.poll() is None:
            running.terminate()
            try:
                running.wait(timeout=5)
            except subprocess.TimeoutExpired:
                running.kill()


class Command(BaseCommand):
    help = "Serve o portal (nginx com TLS mútuo + gunicorn) até Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", "3")))

    def handle(self, *args: Any, **options: Any) -> None:
        # Signals are events from here on: the shutdown below always runs to its end (see portal.serving.shutdown).
        stop = StopRequests()
        stop.install()
        # nginx and Django must share the proxy secret; without one configured, make one for this run.
        secret = os.environ.get("CERTAUTH_PROXY_SECRET") or secrets.token_urlsafe(32)
        site = site_from_settings(proxy_secret=secret)
        stack = Stack(
            site=site, env={**os.environ, "CERTAUTH_PROXY_SECRET": secret}, gunicorn_workers=options["workers"]
        )
        demo_pki = self.demo_pki_applies()
        refresher: CrlRefresher | None = None
        trust_importer: CrlRefresher | None = None
        oidc_worker: ManageCommand | None = None
        psc: PscSimulator | None = None
        stand_in: subprocess.Popen[bytes] | None = None
        try:
            # The demo PSC first: if its port is taken, nothing else has been started yet.
            psc = cloud_demo.start(Path(settings.DEMO_PKI_DIR), settings.DEMO_PSC_PORT) if demo_pki else None
            stack.start(cancel=stop.requested)
            stand_in = self.start_stand_in(stack.env, site.prefix / "logs") if settings.PORTAL_DEMO else None
            refresher = CrlRefresher(
                env=stack.env,
                log=site.prefix / "logs" / "crl-refresh.log",
                interval=60 * int(os.environ.get("CERTAUTH_CRL_REFRESH_MINUTES", "60")),
            )
            refresher.start()
            trust_store_url = str(certauth_settings.TRUST_STORE_URL)
            if trust_store_url:  # ITI's bundle: new ACs without a release (issue 17)
                trust_importer = CrlRefresher(
                    env=stack.env,
                    log=site.prefix / "logs" / "trust-store-import.log",
                    interval=24 * 60 * 60,
                    command=("trust_store", "import", trust_store_url),
                )
                trust_importer.start()
            # The OpenID provider's job: re-evaluates sessions clients hold, delivers the back-channel logouts.
            oidc_worker = ManageCommand(
                ["oidc_worker", "--interval", "1"],
                env={**stack.env, "PROMETHEUS_MULTIPROC_DIR": str(stack.metrics_dir)},
                log=site.prefix / "logs" / "oidc-worker.log",
            )
            oidc_worker.start()
            self.stdout.write(self.banner(demo_pki=demo_pki, stand_in=stand_in is not None))
            self.stdout.write(f"LCRs: `crl refresh` agora e a cada {refresher.interval // 60} min ({refresher.log}).\n")
            if trust_importer is not None:
                self.stdout.write(f"ACs: `trust_store import` agora e a cada 24 h ({trust_importer.log}).\n")
            self.stdout.write(f"Logouts aos clientes OpenID: `oidc_worker` a cada 1 s ({oidc_worker.log}).\n")
            status = stack.wait(stop=stop.requested)
            if status is not None:
                self.stderr.write(f"Um dos processos terminou (status {status}); veja {site.prefix}/logs.")
        except Cancelled:
            pass
        finally:
            if stop.requested.is_set():
                self.stdout.write("\nEncerrando… (Ctrl-C de novo encerra na hora)")
            # What outlives this process first (nginx, gunicorn and the ports they hold), then its own threads.
            stack.stop(timeout=GRACEFUL_STOP_TIMEOUT, urgent=stop.urgent)
            if stand_in is not None:
                pat_stand_in.stop(stand_in)
            if oidc_worker is not None:
                oidc_worker.stop(timeout=GRACEFUL_STOP_TIMEOUT, urgent=stop.urgent)
            if refresher is not None:
                refresher.stop()
            if trust_importer is not None:
                trust_importer.stop()
            if psc is not None and not run_bounded(psc.stop, timeout=PSC_STOP_TIMEOUT, name="psc-stop"):
                self.stderr.write(f"O simulador de PSC não parou em {PSC_STOP_TIMEOUT:g} s; termina com o processo.")
            self.stdout.write("Encerrado.")

    def demo_pki_applies(self) -> bool:
        """In the demo, whether the trust store holds the demo root; if not (``CERTAUTH_TRUST_ROOTS`` names the
        user's own PKI), one line says what is skipped."""
        if not settings.PORTAL_DEMO:
            return False
        if demo_root_trusted(DemoPki(Path(settings.DEMO_PKI_DIR)), get_trust_store().roots):
            return True
        self.stdout.write(
            "PKI de demonstração fora das raízes confiáveis (CERTAUTH_TRUST_ROOTS): certificados de demonstração e "
            "simulador de PSC não se aplicam; entre com os certificados da sua PKI."
        )
        return False

    def start_stand_in(self, env: Mapping[str, str], logs: Path) -> subprocess.Popen[bytes] | None:
        """The demo's Portal de Atendimento (patdemo); if it cannot start, one line says why and the portal runs on."""
        try:
            return pat_stand_in.start(
                stand_in_environment(env), port=settings.OIDC_DEMO_RP_PORT, log=logs / "pat-demo.log"
            )
        except (OSError, RuntimeError) as exc:  # TimeoutError is an OSError
            self.stderr.write(f"Portal de Atendimento (demonstração) não iniciou: {exc}")
            return None

    def banner(self, *, demo_pki: bool, stand_in: bool = False) -> str:
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
        if demo_pki:
            lines.append("                           (com os certificados servidor-inss ou servidora-sudeste-1)")
            lines.append(
                f"  Acompanhamento da migração: {settings.PORTAL_BASE_URL}/acompanhamento/ (servidor-inss: o país; "
                "servidora-sudeste-1: Sudeste I; servidor-gex-manaus: a GEX Manaus)"
            )
        if stand_in:
            lines.append(f"  Portal de Atendimento (demonstração, cliente OpenID): {stand_in_base_url()}/")
        pki = DemoPki(Path(settings.DEMO_PKI_DIR))
        base = settings.PORTAL_BASE_URL
        if settings.PORTAL_DEMO:
            lines += ["", f"AC do servidor TLS (para confiar no navegador/curl): {pki.tls_ca}"]
        manifest = pki.manifest() if demo_pki else None
        if manifest:
            lines += [
                "",
                f"Certificados de demonstração em {pki.directory}/usuarios/<nome>/",
                f"  certificado-demo.p12 (navegador; senha {manifest['p12_password']}), "
                "certificado.pem + chave-demo.pem (curl)",
                "",
            ]
            for entry in manifest["certificates"]:
                outcome = "entra" if entry["expected"] == "LOGIN" else f"recusa {entry['expected']}"
                lines.append(f"  {entry['slug']:<26} {entry['name']:<24} → {outcome}")
            user = pki.user_dir("advogada-oab-sp")
            lines += [
                "",
                "Experimente com curl:",
                f"  curl --cacert {pki.tls_ca} --cert {user}/certificado.pem --key {user}/chave-demo.pem \\",
                f"       -c /tmp/a3-cookies -L {settings.CERT_LOGIN_BASE_URL}/entrar/certificado/",
            ]
        if settings.PORTAL_DEMO:
            lines += [
                "",
                f"Acesso com CPF e senha (legado, até a data de cada entidade): {base}/entrar/senha/"
                f" (senha {DEMO_PASSWORD})",
                *[f"  CPF {m.cpf}  {m.name:<18} {m.entity:<8} → {m.outcome}" for m in PASSWORD_MEMBERS],
                f"  Cronograma: {base}/cronograma/   Orientações: {base}/orientacoes/",
            ]
        if manifest:
            by_slug = {c.slug: c for c in DEMO_CERTIFICATES}
            lines += [
                "",
                f"Certificado em nuvem: {base}/entrar/nuvem/ — o {cloud_demo.NAME}, em"
                f" http://127.0.0.1:{settings.DEMO_PSC_PORT}, faz o papel do aplicativo (página “Aprovar”; a"
                f" notificação é aprovada sozinha em {cloud_demo.PUSH_APPROVED_AFTER:g} s). CPFs com certificado nele:",
                *[f"  CPF {by_slug[h].spec.cpf}  {h}" for h in cloud_demo.HOLDERS],
            ]
        lines += ["", "Ctrl-C para encerrar.", ""]
        return "\n".join(lines)
