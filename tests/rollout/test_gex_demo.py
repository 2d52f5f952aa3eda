"""The demo's Gerências-Executivas (``make run``): two, with demo entities assigned, loaded again in place."""

from __future__ import annotations

import pytest

from portal.models import PartnerEntity
from rollout.demo_gex import load_demo_gexs
from rollout.models import GerenciaExecutiva

pytestmark = pytest.mark.django_db


def test_the_demo_gexs_hold_their_entities_and_have_their_staff_groups(entity_factory):
    entities = {code: entity_factory(code=code, uf=uf) for code, uf in (("OAB-SP", "SP"), ("MUN-MANAUS", "AM"))}

    assert load_demo_gexs(entities, demo_domain="demo.example") == 2
    assert load_demo_gexs(entities, demo_domain="demo.example") == 2  # again: in place

    centro, manaus = (GerenciaExecutiva.objects.get(code=c) for c in ("gex-sao-paulo-centro", "gex-manaus"))
    assert (centro.name, centro.superintendencia.code) == ("GEX São Paulo — Centro", "sudeste-1")
    assert (manaus.name, manaus.superintendencia.code) == ("GEX Manaus", "norte-centro-oeste")
    assert manaus.contact_email == "gex-manaus@demo.example"
    assert dict(PartnerEntity.objects.values_list("code", "gex__code")) == {
        "OAB-SP": "gex-sao-paulo-centro",
        "MUN-MANAUS": "gex-manaus",
    }
    assert manaus.gestao_group is not None and manaus.gestao_group.name == "GEX Manaus — gestão"
    assert GerenciaExecutiva.objects.count() == 2
    for entity in PartnerEntity.objects.all():
        entity.full_clean()  # each GEX's superintendência contains its entities' UFs
