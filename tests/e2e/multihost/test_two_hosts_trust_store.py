"""Two portal hosts see the same trust store: an AC imported with one command on host A lets its holders in on host
B, without a restart of B (its workers re-read the store's change count within CERTAUTH_TRUST_STORE_RECHECK_SECONDS)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from certauth.icp.builder import PersonSpec
from tests.e2e.conftest import Browser, assert_rejection_page
from tests.e2e.multihost.conftest import TwoHosts
from tests.e2e.test_load import valid_cpf

pytestmark = [pytest.mark.e2e]

#: The stacks' default re-check interval (30 s) and some slack for a loaded machine.
WAIT_SECONDS = 60


def test_an_ac_imported_on_host_a_lets_its_holders_in_on_host_b_without_a_restart(two_hosts: TwoHosts, tmp_path: Path):
    pki = two_hosts.pki
    new_ac = pki.builder.intermediate(pki.level1, "AC Nova Dois Hosts")
    cpf, name = valid_cpf(444_555_666), "Helena Duarte"  # unique across the folder: the database is shared
    two_hosts.orm(
        "from portal.models import EntityKind, Member, Membership, PartnerEntity\n"
        "entity, _ = PartnerEntity.objects.get_or_create(code='OAB-RS', defaults=dict("
        "name='OAB Rio Grande do Sul', kind=EntityKind.OAB, uf='RS'))\n"
        f"Membership.objects.create(member=Member.objects.create(cpf={cpf!r}, name={name!r}), entity=entity)\n"
    )
    holder = pki.issue(PersonSpec(name.upper(), cpf), new_ac)
    browser = Browser(two_hosts.b, tmp_path, holder)
    assert_rejection_page(browser.login(), "CERT_UNTRUSTED")  # B's workers have built their store without it

    bundle = tmp_path / "ACcompactado.zip"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("nova.crt", new_ac.certificate.public_bytes(serialization.Encoding.DER))
    bundle.write_bytes(out.getvalue())
    crl = tmp_path / "nova.crl"
    crl.write_bytes(pki.builder.crl(new_ac, number=1))
    report = two_hosts.orm(
        "import io\nfrom pathlib import Path\nfrom django.core.management import call_command\n"
        "from certauth import crl_service\nout = io.StringIO()\n"
        f"call_command('trust_store', 'import', {str(bundle)!r}, stdout=out)\n"
        f"crl_service.import_files([Path({str(crl)!r})])\nresult = out.getvalue()"
    )
    assert "incluída: AC Nova Dois Hosts" in report, report

    # each of B's workers re-reads the store within its own interval: wait until several logins in a row are accepted
    deadline, accepted, codes = time.monotonic() + WAIT_SECONDS, 0, []
    while accepted < 5 and time.monotonic() < deadline:
        login = browser.login()
        accepted = accepted + 1 if login.status == 302 else 0
        codes.append(login.status if login.status == 302 else login.header("X-Error-Code"))
        if not accepted:
            time.sleep(1)
    assert accepted == 5, codes
    assert set(codes) <= {302, "CERT_UNTRUSTED"}, codes
    assert login.header("Location") == f"{two_hosts.a.portal}/painel/", login
