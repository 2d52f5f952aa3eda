"""Static files storage: hashed names and compression (WhiteNoise), but never a crash for a missing file —
an error page must render even if ``collectstatic`` has not run (it then links the unhashed name)."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:
            return name
