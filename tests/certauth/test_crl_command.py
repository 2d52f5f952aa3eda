"""``manage.py crl refresh | import | status``."""

from __future__ import annotations

import io
import socket
import threading

import pytest
from django.core.management import CommandError, call_command

from certauth import crl_store
from certauth.icp.builder import RevokedEntry
from certauth.icp.crl import key_id
from certauth.models import CrlIssuer


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("crl", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def oab_publishes(pki, file_server, certauth_settings, db):
    """AC Teste OAB publishes at two addresses; the first is down (as happens), the second answers."""
    crl_store.learn_urls(pki.oab.certificate, [file_server.down_url("/oab.crl"), file_server.url("/oab.crl")])
    return lambda data: file_server.files.__setitem__("/oab.crl", data)


def test_refresh_loads_from_the_second_url_when_the_first_is_down(oab_publishes, pki, file_server):
    oab_publishes(pki.builder.crl(pki.oab, [RevokedEntry(0xBAD)], number=3))
    output = run("refresh")
    assert "AC Teste OAB: LCR nº 3 carregada: 1 revogados" in output
    assert crl_store.revocation_of(key_id(pki.oab.certificate), "BAD") is not None
    assert file_server.hits == ["/oab.crl"]


def test_refresh_again_keeps_the_same_crl_and_then_takes_a_newer_one(oab_publishes, pki):
    oab_publishes(pki.builder.crl(pki.oab, number=3))
    run("refresh")
    assert "já vigente" in run("refresh")
    oab_publishes(pki.builder.crl(pki.oab, [RevokedEntry(5)], number=4))
    assert "LCR nº 4 carregada" in run("refresh")


def test_refresh_refuses_an_older_crl_keeps_the_held_one_and_exits_non_zero(oab_publishes, pki):
    oab_publishes(pki.builder.crl(pki.oab, [RevokedEntry(7)], number=8))
    run("refresh")
    oab_publishes(pki.builder.crl(pki.oab, number=2))
    with pytest.raises(CommandError) as exc:
        run("refresh")
    assert exc.value.returncode == 2
    issuer = CrlIssuer.objects.get(key_id=key_id(pki.oab.certificate))
    assert issuer.current.number == "8"
    assert "mais antiga" in issuer.last_error


def test_refresh_with_every_url_down_reports_the_failure(oab_publishes, pki):
    with pytest.raises(CommandError):
        run("refresh")
    assert "HTTP 404" in CrlIssuer.objects.get(key_id=key_id(pki.oab.certificate)).last_error


def test_a_repository_answering_garbage_is_an_error_on_record_and_the_other_acs_are_refreshed(
    certauth_settings, pki, file_server, db
):
    """An AC's repository (or someone on its plain-HTTP path) answering something that is not HTTP must not stop the
    refresh of every other AC: it is that AC's error on record, like a repository that is down."""
    with socket.create_server(("127.0.0.1", 0)) as garbage:
        garbage_url = f"http://127.0.0.1:{garbage.getsockname()[1]}/oab.crl"

        def answer_garbage() -> None:
            client, _ = garbage.accept()
            with client:
                client.recv(65536)
                client.sendall(b"\x00\x01 isto nao e HTTP\r\n\r\n")

        threading.Thread(target=answer_garbage, daemon=True).start()
        crl_store.learn_urls(pki.oab.certificate, [garbage_url])
        crl_store.learn_urls(pki.final.certificate, [file_server.url("/final.crl")])
        file_server.files["/final.crl"] = pki.builder.crl(pki.final, number=9)
        with pytest.raises(CommandError) as exc:
            run("refresh")
    assert exc.value.returncode == 2
    assert CrlIssuer.objects.get(key_id=key_id(pki.final.certificate)).current.number == "9"
    oab = CrlIssuer.objects.get(key_id=key_id(pki.oab.certificate))
    assert oab.current is None
    assert oab.last_error == f"{garbage_url}: resposta HTTP inválida (BadStatusLine)"


def test_configured_urls_are_refreshed_and_their_issuer_found(certauth_settings, pki, file_server, db):
    file_server.files["/final.crl"] = pki.builder.crl(pki.final, number=6)
    certauth_settings.CERTAUTH_CRL_URLS = [file_server.url("/final.crl")]
    output = run("refresh")
    assert "AC Teste Final: LCR nº 6 carregada" in output
    assert CrlIssuer.objects.get(key_id=key_id(pki.final.certificate)).urls == [file_server.url("/final.crl")]


def test_import_loads_files_offline_and_refuses_bad_ones(certauth_settings, pki, tmp_path, db):
    good = tmp_path / "oab.crl"
    good.write_bytes(pki.builder.crl(pki.oab, number=1))
    forged = tmp_path / "forged.crl"
    forged.write_bytes(pki.builder.crl(pki.oab, number=2, signing_key=pki.final.key))
    assert "AC Teste OAB: LCR nº 1 carregada" in run("import", str(good))
    with pytest.raises(CommandError, match="recusado"):
        run("import", str(forged))
    assert CrlIssuer.objects.get().current.number == "1"


def test_status_lists_each_issuer_with_entries_dates_and_freshness(crls, pki, db):
    crl_store.learn_urls(pki.stranger.certificate, ["http://x/y.crl"])
    output = run("status")
    assert "AC Teste OAB" in output and "válida" in output
    assert "AC Estranha" in output and "sem LCR" in output
    assert "4 com LCR válida" in output
