"""The demo (``make run``): the OAB-SP lawyer's certificate opens her section's member list; the demo's other lawyer
is no manager."""

from __future__ import annotations

from managers.models import EntityManager


def test_the_demo_lawyer_manages_her_section(demo_login):
    assert sorted(EntityManager.objects.values_list("entity__code", flat=True)) == ["MUN-MANAUS", "OAB-SP"]
    lawyer = demo_login("advogada-oab-sp")
    assert "Gerenciar membros da entidade" in lawyer.get("/painel/", secure=True).content.decode()
    assert lawyer.get("/gestao/", secure=True)["Location"] == "/gestao/OAB-SP/"
    assert lawyer.get("/gestao/OAB-SP/", secure=True).status_code == 200
    other = demo_login("advogado-perfil-novo")
    assert "Gerenciar membros da entidade" not in other.get("/painel/", secure=True).content.decode()
