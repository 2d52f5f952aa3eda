"""Who may use the lookup (constants only: imported by the app, its post_migrate receiver and the tests)."""

from __future__ import annotations

SUPPORT_GROUP = "INSS — suporte"
#: ``support.lookup_reference``: the lookup page. The support group holds only this; the national groups and every
#: "Superintendência X — consulta" group hold it too (a regional group for the attempts of its region only).
PERMISSION_CODENAME = "lookup_reference"
PERMISSION = f"support.{PERMISSION_CODENAME}"
