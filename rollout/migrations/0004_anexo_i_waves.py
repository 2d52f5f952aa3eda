"""Anexo I of Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024, exactly as published: OAB sections by UF, six waves;
Rio Grande do Sul without a date (climate emergency)."""

import datetime as dt

from django.db import migrations

ANEXO_I = (
    # (number, superintendência code, UFs, window start, window end, undefined reason)
    (1, "sudeste-1", ["SP"], dt.date(2024, 5, 16), dt.date(2024, 5, 16), ""),
    (2, "norte-centro-oeste", ["DF", "GO", "MS", "MT", "TO", "PA", "AM", "RO", "AC", "AP", "RR"],
     dt.date(2024, 5, 27), dt.date(2024, 6, 7), ""),
    (3, "sudeste-3", ["RJ"], dt.date(2024, 6, 10), dt.date(2024, 6, 21), ""),
    (4, "sudeste-2", ["MG", "ES"], dt.date(2024, 6, 24), dt.date(2024, 7, 5), ""),
    (5, "nordeste", ["BA", "SE", "AL", "PE", "PB", "RN", "CE", "PI", "MA"], dt.date(2024, 7, 8), dt.date(2024, 7, 19), ""),
    (6, "sul", ["PR", "SC"], dt.date(2024, 7, 22), dt.date(2024, 8, 2), ""),
    (6, "sul", ["RS"], None, None, "emergência climática no Rio Grande do Sul"),
)


def load(apps, schema_editor):
    from django.utils import timezone

    Superintendencia = apps.get_model("rollout", "Superintendencia")
    Wave = apps.get_model("rollout", "Wave")
    HistoricalWave = apps.get_model("rollout", "HistoricalWave")
    for number, code, ufs, start, end, reason in ANEXO_I:
        region = Superintendencia.objects.get(code=code)
        wave, created = Wave.objects.update_or_create(
            number=number, superintendencia=region, ufs=ufs,
            defaults={
                "name": f"Etapa {number} — {region.name}" + (f" ({', '.join(ufs)})" if code == "sul" else ""),
                "kinds": ["oab"], "window_start": start, "window_end": end, "undefined_reason": reason,
            },
        )
        # The wave's history starts with the Portaria (signals of django-simple-history do not run in migrations).
        HistoricalWave.objects.create(
            id=wave.id, number=wave.number, name=wave.name, superintendencia_id=region.id, kinds=wave.kinds,
            ufs=wave.ufs, window_start=start, window_end=end, undefined_reason=reason, notes=wave.notes,
            history_date=timezone.now(), history_type="+" if created else "~",
            history_change_reason="Anexo I da Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024",
        )


class Migration(migrations.Migration):
    dependencies = [("rollout", "0003_waves_and_overrides")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
