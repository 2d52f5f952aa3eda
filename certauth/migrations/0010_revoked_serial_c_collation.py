"""PostgreSQL: revoked serials compared byte by byte (COLLATE "C").

They are upper-case hexadecimal: the C order is their order, and equality — all a lookup asks — is the same under
every collation. Building a CRL partition's index then sorts a million serials with plain byte comparisons instead
of the database's locale rules: half the index build's CPU.
"""

from django.db import migrations

FORWARDS = 'ALTER TABLE certauth_revokedserial ALTER COLUMN serial TYPE varchar(48) COLLATE "C"'
BACKWARDS = 'ALTER TABLE certauth_revokedserial ALTER COLUMN serial TYPE varchar(48) COLLATE "default"'


def _run(statement: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("certauth", "0009_revoked_serials_partitioned")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS), elidable=False)]
