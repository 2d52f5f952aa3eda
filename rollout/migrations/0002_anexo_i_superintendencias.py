"""The six superintendências of Anexo I (Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024), from rollout.regions."""

from django.db import migrations


def load(apps, schema_editor):
    from rollout.regions import SUPERINTENDENCIAS

    Superintendencia = apps.get_model("rollout", "Superintendencia")
    for region in SUPERINTENDENCIAS:
        Superintendencia.objects.update_or_create(
            code=region.code, defaults={"name": region.name, "ufs": list(region.ufs)}
        )


class Migration(migrations.Migration):
    dependencies = [("rollout", "0001_superintendencias")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
