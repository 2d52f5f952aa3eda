from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certauth", "0007_trust_store"),
    ]

    operations = [
        migrations.AddField(
            model_name="loginattempt",
            name="fetched_issuers",
            field=models.CharField(
                blank=True,
                help_text=(
                    "ACs do caminho que não estavam no repositório de confiança e foram baixadas durante este login."
                ),
                max_length=1000,
                verbose_name="ACs obtidas pelo endereço AIA",
            ),
        ),
    ]
