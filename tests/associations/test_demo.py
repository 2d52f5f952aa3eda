"""The demo (``make run``): the AAM coordinator's certificate opens the association's page, with its two
municipalities; the municipal operator (a member of AAM, no coordinator) is refused."""

from __future__ import annotations

from associations.models import Association


def test_the_demo_coordinator_follows_the_aam_municipalities(demo_login):
    aam = Association.objects.get(code="AAM")
    assert aam.entity is not None and aam.entity.code == "AAM"
    assert sorted(aam.links.values_list("entity__code", flat=True)) == ["MUN-MANAUS", "MUN-PARINTINS"]
    coordinator = demo_login("coordenador-aam")
    assert "Acompanhar as entidades da associação" in coordinator.get("/painel/", secure=True).content.decode()
    assert coordinator.get("/associacao/", secure=True)["Location"] == "/associacao/AAM/"
    page = coordinator.get("/associacao/AAM/", secure=True).content.decode()
    assert "Prefeitura Municipal de Manaus" in page and "Prefeitura Municipal de Parintins" in page
    operator = demo_login("operadora-municipal")
    assert operator.get("/associacao/AAM/", secure=True)["X-Error-Code"] == "COORDINATOR_NOT_APPOINTED"
