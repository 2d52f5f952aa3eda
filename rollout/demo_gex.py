"""The demo's Gerências-Executivas (``make run``): "GEX São Paulo — Centro" (Sudeste I) with OAB-SP, "GEX Manaus"
(Norte/Centro-Oeste) with the Amazonas municipalities and their association. Each gets its two staff groups when
saved (``portal.groups.ensure_gex_groups``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from portal.models import PartnerEntity
from rollout.models import GerenciaExecutiva, Superintendencia


@dataclass(frozen=True)
class DemoGex:
    code: str
    name: str
    region: str
    entities: tuple[str, ...]  #: codes of the demo entities assigned to it


GEXS: tuple[DemoGex, ...] = (
    DemoGex("gex-sao-paulo-centro", "GEX São Paulo — Centro", "sudeste-1", ("OAB-SP",)),
    DemoGex("gex-manaus", "GEX Manaus", "norte-centro-oeste", ("MUN-MANAUS", "MUN-PARINTINS", "AAM")),
)


def load_demo_gexs(entities: Mapping[str, PartnerEntity], *, demo_domain: str) -> int:
    """Create or update the demo's GEXs and assign them the demo entities that were loaded (idempotent)."""
    regions = {s.code: s for s in Superintendencia.objects.filter(code__in=[g.region for g in GEXS])}
    for demo in GEXS:
        gex, _ = GerenciaExecutiva.objects.update_or_create(
            code=demo.code,
            defaults={
                "name": demo.name,
                "superintendencia": regions[demo.region],
                "contact_email": f"{demo.code}@{demo_domain}",
            },
        )
        for code in demo.entities:
            entity = entities.get(code)
            if entity is not None and entity.gex_id != gex.pk:
                entity.gex = gex
                entity.save(update_fields=["gex", "updated_at"])
    return len(GEXS)
