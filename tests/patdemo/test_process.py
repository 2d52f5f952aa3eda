"""``python -m patdemo`` as ``manage.py serve`` runs it: listening on loopback, stopped by SIGTERM, a taken port
said at once, a missing secret said in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request

import pytest

from patdemo import process
from patdemo.config import ConfigurationError, from_env
from portal.serving.processes import BASE_DIR, free_port


def environment(tmp_path, port: int) -> dict[str, str]:
    secret = tmp_path / "pat-demo-secret"
    secret.write_text("segredo\n")
    return {
        **os.environ,
        "PATDEMO_ISSUER": "https://localhost:9",
        "PATDEMO_CLIENT_SECRET_FILE": str(secret),
        "PATDEMO_STATE_DIR": str(tmp_path / "estado"),
        "OIDC_DEMO_RP_PORT": str(port),
    }


def test_it_serves_the_home_page_on_loopback_and_stops_on_sigterm(tmp_path):
    port = free_port()
    child = process.start(environment(tmp_path, port), port=port, log=tmp_path / "pat.log")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:  # noqa: S310
            body = response.read().decode()
        assert response.status == 200 and "Portal de Atendimento" in body and ">Entrar</a>" in body
    finally:
        process.stop(child)
    assert child.returncode == 0, (tmp_path / "pat.log").read_text()


def test_a_taken_port_is_said_at_once(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(OSError, match=f"porta {port} ocupada"):
            process.start(environment(tmp_path, port), port=port, log=tmp_path / "pat.log")
    assert not (tmp_path / "pat.log").exists()


def test_without_the_secret_file_it_says_to_run_load_demo(tmp_path):
    env = {**environment(tmp_path, free_port()), "PATDEMO_CLIENT_SECRET_FILE": str(tmp_path / "nao-existe")}
    with pytest.raises(ConfigurationError, match="load_demo"):
        from_env(env)
    result = subprocess.run(
        [sys.executable, "-m", "patdemo"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "load_demo" in result.stderr


def test_the_demo_pki_tls_root_is_the_default_ca(tmp_path):
    env = environment(tmp_path, 8450)
    env.pop("PATDEMO_CA_FILE", None)
    env["PORTAL_DEMO_PKI_DIR"] = str(tmp_path / "pki")
    assert from_env(env).ca_file is None  # no demo PKI: the system's roots
    (tmp_path / "pki" / "ac").mkdir(parents=True)
    (tmp_path / "pki" / "ac" / "ac-tls-demo.pem").write_text("-")
    settings = from_env(env)
    assert settings.ca_file == str(tmp_path / "pki" / "ac" / "ac-tls-demo.pem")
    assert (settings.redirect_uri, settings.post_logout_redirect_uri) == (
        "http://localhost:8450/retorno",
        "http://localhost:8450/",
    )
