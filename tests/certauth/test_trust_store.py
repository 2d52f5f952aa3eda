"""The trust store's ACs in the database: imported from ITI's bundle (all or nothing), used by every worker's
validator without a restart, reported by ``trust_store status``."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.utils import timezone

from certauth import trust_store, validator
from certauth.icp.builder import Issued
from certauth.icp.bundle import BundleError
from certauth.icp.errors import Reason
from certauth.models import LoginAttempt, Outcome, TrustedAuthority, TrustSource, TrustStoreImport
from tests.conftest import LAWYER
from tests.pki import TestPki

pytestmark = pytest.mark.django_db


def _new_ac(pki: TestPki, name: str, **options: Any) -> Issued:
    return pki.builder.intermediate(
        pki.level1, name, valid_from=options.pop("valid_from", dt.timedelta(days=-10)), **options
    )


def _zip(tmp_path: Path, *issued: Issued, name: str = "ACcompactado.zip") -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i, item in enumerate(issued):
            archive.writestr(f"ac{i}.crt", item.certificate.public_bytes(serialization.Encoding.DER))
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("trust_store", *args, stdout=out)
    return out.getvalue()


def _state() -> tuple[list[tuple[str, Any]], int, int]:
    rows = list(TrustedAuthority.objects.order_by("fingerprint").values_list("fingerprint", "removed_at"))
    return rows, trust_store.generation(), TrustStoreImport.objects.count()


def test_a_bundle_with_a_new_ac_makes_its_holders_login_work_without_a_restart(
    tmp_path: Path, pki: TestPki, login_with: Any, member_factory: Any, publish_crl: Any
) -> None:
    member_factory(oab="123456SP")
    new_ac = _new_ac(pki, "AC Teste Nova Login")
    holder = pki.issue(LAWYER, new_ac)
    assert login_with(holder).status_code != 302
    assert LoginAttempt.objects.get().code == Reason.CERT_UNTRUSTED

    output = _run("import", str(_zip(tmp_path, new_ac, pki.level1)))
    publish_crl(new_ac)

    assert "incluída: AC Teste Nova Login" in output
    assert "1 incluída(s), 0 vencida(s), 0 retirada(s), 0 recusada(s), 1 já conhecida(s)." in output
    response = login_with(holder)
    assert response.status_code == 302, response.content[:300]
    assert LoginAttempt.objects.latest("created_at").outcome == Outcome.ACCEPTED
    row = TrustedAuthority.objects.get()
    assert (row.source, row.subject, row.removed_at) == (TrustSource.IMPORT, "AC Teste Nova Login", None)
    assert row.crl_urls == [] and row.key_id and row.not_after == new_ac.certificate.not_valid_after_utc


def test_another_worker_sees_a_stored_ac_after_the_recheck_interval(
    pki: TestPki, certauth_settings: Any, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    certauth_settings.CERTAUTH_TRUST_STORE_RECHECK_SECONDS = 30
    new_ac = _new_ac(pki, "AC Teste Outro Processo")
    holder = pki.issue(LAWYER, new_ac).certificate
    clock = [1000.0]
    monkeypatch.setattr(validator.time, "monotonic", lambda: clock[0])
    assert new_ac.certificate not in validator.get_trust_store().intermediates  # this worker built its store

    # Another worker (another process, another host) stores the AC: this process's cache is not told.
    monkeypatch.setattr(validator, "invalidate", lambda: None)
    trust_store.remember([new_ac.certificate], source=TrustSource.IMPORT, now=now)
    assert not any(c == new_ac.certificate for c in validator.get_trust_store().intermediates)

    clock[0] += 29
    assert new_ac.certificate not in validator.get_trust_store().intermediates
    clock[0] += 2
    assert validator.get_trust_store().verify(holder, at=now).issuer == new_ac.certificate


def test_the_process_that_stores_an_ac_uses_it_at_once(
    pki: TestPki, certauth_settings: Any, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_ac = _new_ac(pki, "AC Teste Mesmo Processo")
    monkeypatch.setattr(validator.time, "monotonic", lambda: 5000.0)  # the recheck interval never passes
    validator.get_trust_store()
    assert trust_store.remember([new_ac.certificate], source=TrustSource.AIA, now=now) == [new_ac.certificate]
    assert new_ac.certificate in validator.get_trust_store().intermediates


def test_remember_stores_only_unknown_acs_and_bumps_the_generation_once(
    pki: TestPki, certauth_settings: Any, now: dt.datetime
) -> None:
    new_ac = _new_ac(pki, "AC Teste Lembrar")
    before = trust_store.generation()
    added = trust_store.remember(
        [new_ac.certificate, pki.level1.certificate, pki.root.certificate], source="aia", now=now
    )
    assert added == [new_ac.certificate]
    assert trust_store.generation() == before + 1
    assert trust_store.remember([new_ac.certificate], source="aia", now=now) == []
    assert trust_store.generation() == before + 1
    assert new_ac.certificate in trust_store.current_intermediates()
    assert pki.level1.certificate in trust_store.current_intermediates()


@pytest.mark.parametrize("case", ["unknown-root", "root", "expired"])
def test_refused_or_expired_acs_each_get_a_line_and_change_nothing(
    case: str, tmp_path: Path, pki: TestPki, certauth_settings: Any
) -> None:
    issued = {
        "unknown-root": pki.stranger,
        "root": pki.root,
        "expired": _new_ac(pki, "AC Teste Vencida Import", years=1, valid_from=dt.timedelta(days=-800)),
    }[case]
    expected = {
        "unknown-root": "recusada: AC Estranha (ac0.crt): sem caminho até uma raiz configurada",
        "root": "recusada: AC Raiz Teste A3 (ac0.crt): é uma raiz (já configurada); raízes nunca vêm de um pacote",
        "expired": "vencida, não incluída: AC Teste Vencida Import (ac0.crt), venceu em ",
    }[case]
    rows, generation, _ = _state()
    output = _run("import", str(_zip(tmp_path, issued)))
    assert expected in output
    assert "0 incluída(s)" in output
    assert _state()[:2] == (rows, generation)


def test_a_corrupt_zip_is_refused_with_a_clear_error_and_nothing_changes(
    tmp_path: Path, pki: TestPki, certauth_settings: Any
) -> None:
    good = _zip(tmp_path, _new_ac(pki, "AC Teste Antes Do Corrompido"))
    corrupt = tmp_path / "corrompido.zip"
    corrupt.write_bytes(good.read_bytes()[:60])
    before = _state()
    with pytest.raises(CommandError, match="Pacote recusado, nada foi alterado: Arquivo zip corrompido") as caught:
        _run("import", str(corrupt))
    assert caught.value.returncode == 1
    assert _state() == before


def test_missing_file_is_refused_with_exit_code_1(certauth_settings: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Não foi possível ler"):
        _run("import", str(tmp_path / "nao-existe.zip"))


def test_dry_run_prints_the_changes_and_writes_nothing(tmp_path: Path, pki: TestPki, certauth_settings: Any) -> None:
    before = _state()
    output = _run("import", str(_zip(tmp_path, _new_ac(pki, "AC Teste Simulada"))), "--dry-run")
    assert "incluída: AC Teste Simulada" in output
    assert output.strip().endswith(
        "Simulação (nada foi gravado): 1 incluída(s), 0 vencida(s), 0 retirada(s), 0 recusada(s), 0 já conhecida(s)."
    )
    assert _state() == before


def test_expired_stored_acs_are_retired_and_valid_ones_omitted_by_the_bundle_are_kept(
    tmp_path: Path, pki: TestPki, certauth_settings: Any, now: dt.datetime
) -> None:
    kept = _new_ac(pki, "AC Teste Ainda Valida")
    ending = _new_ac(pki, "AC Teste Vai Vencer", years=1, valid_from=dt.timedelta(days=-360))
    trust_store.remember([kept.certificate, ending.certificate], source=TrustSource.IMPORT, now=now)
    later = ending.certificate.not_valid_after_utc + dt.timedelta(days=1)

    result = trust_store.import_bundle(str(_zip(tmp_path, pki.level1)), now=later)

    assert result.removed == [f"AC Teste Vai Vencer, venceu em {ending.certificate.not_valid_after_utc:%d/%m/%Y}"]
    assert result.kept == ["AC Teste Ainda Valida: ausente do pacote, mas ainda válida (só sai ao vencer)"]
    assert TrustedAuthority.objects.get(subject="AC Teste Vai Vencer").removed_at == later
    assert TrustedAuthority.objects.get(subject="AC Teste Ainda Valida").removed_at is None
    assert ending.certificate not in trust_store.current_intermediates()
    assert TrustStoreImport.objects.get().removed == 1


def test_status_counts_acs_per_root_and_lists_next_expiries_and_the_last_import(
    tmp_path: Path, pki: TestPki, certauth_settings: Any
) -> None:
    soon = _new_ac(pki, "AC Teste Vence Logo", years=1, valid_from=dt.timedelta(days=-350))
    _run("import", str(_zip(tmp_path, soon)))

    text = _run("status")
    assert "3 AC(s) da pasta distribuída, 1 do banco (0 retirada(s))" in text
    assert "     4  AC Raiz Teste A3" in text
    assert "Vencem em até 30 dias: 1" in text and "AC Teste Vence Logo (banco)" in text
    assert "Última importação:" in text and "1 incluída(s)" in text

    data = json.loads(_run("status", "--format", "json"))
    assert data["per_root"] == {"AC Raiz Teste A3": 4}
    assert [e["name"] for e in data["expiring"]] == ["AC Teste Vence Logo"]
    assert data["last_import"]["added"] == 1 and data["generation"] == trust_store.generation()


def test_status_with_an_empty_database_is_the_shipped_store(certauth_settings: Any) -> None:
    text = _run("status")
    assert "Geração 0: 3 AC(s) da pasta distribuída, 0 do banco" in text
    assert "Última importação: nenhuma" in text


def test_import_from_an_unreachable_url_is_refused(certauth_settings: Any) -> None:
    with pytest.raises(BundleError, match="Não foi possível baixar"):
        trust_store.import_bundle("http://127.0.0.1:9/ACcompactado.zip", now=timezone.now())


def test_crl_refresh_learns_the_crl_addresses_of_stored_acs_and_trusts_their_crls(
    pki: TestPki, certauth_settings: Any, now: dt.datetime
) -> None:
    from certauth import crl_service
    from certauth.icp.crl import key_id
    from certauth.models import CrlIssuer

    url = "http://repositorio.example/lcr-nivel1-nova.crl"
    new_ac = _new_ac(pki, "AC Teste Com LCR", crl_urls=(url,))
    trust_store.remember([new_ac.certificate], source=TrustSource.IMPORT, now=now)

    crl_service.learn_from_trust_store(now=now)

    assert url in CrlIssuer.objects.get(key_id=key_id(pki.level1.certificate)).urls
    assert key_id(new_ac.certificate) in crl_service.trusted_authorities()
    assert TrustedAuthority.objects.get().crl_urls == [url]


def test_import_from_a_url_downloads_the_bundle_within_the_size_cap(
    file_server: Any, tmp_path: Path, pki: TestPki, certauth_settings: Any
) -> None:
    new_ac = _new_ac(pki, "AC Teste Pela Rede")
    file_server.files["/ACcompactado.zip"] = _zip(tmp_path, new_ac).read_bytes()
    output = _run("import", file_server.url("/ACcompactado.zip"))
    assert "incluída: AC Teste Pela Rede (ac0.crt)" in output
    assert TrustStoreImport.objects.get().source == file_server.url("/ACcompactado.zip")

    certauth_settings.CERTAUTH_TRUST_STORE_MAX_BYTES = 100
    before = _state()
    with pytest.raises(CommandError, match="Não foi possível baixar o pacote"):
        _run("import", file_server.url("/ACcompactado.zip"))
    assert _state() == before


def test_remember_of_an_ac_another_worker_stored_meanwhile_is_not_an_error(
    pki: TestPki, certauth_settings: Any, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_ac = _new_ac(pki, "AC Teste Corrida")
    other = _new_ac(pki, "AC Teste Corrida Outra")
    trust_store.remember([new_ac.certificate], source=TrustSource.AIA, now=now)
    # The other worker's row is not visible when this one looked (the race): the insert meets the unique index.
    real_filter = TrustedAuthority.objects.filter
    monkeypatch.setattr(
        TrustedAuthority.objects,
        "filter",
        lambda **kw: real_filter(pk=-1) if "fingerprint" in kw else real_filter(**kw),
    )
    added = trust_store.remember([new_ac.certificate, other.certificate], source=TrustSource.AIA, now=now)
    assert added == [other.certificate]
    assert TrustedAuthority.objects.count() == 2
