"""A missing signing key: a warning wherever the portal runs, an error for production (``check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.core import checks


def ids(deploy: bool) -> set[str]:
    return {m.id for m in checks.run_checks(include_deployment_checks=deploy) if m.id and m.id.startswith("oidc.")}


def test_with_a_key_nothing_is_said() -> None:
    assert ids(deploy=True) == set()


def test_without_a_key_the_portal_is_warned_and_a_deploy_check_fails(settings: Any) -> None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": ""}
    assert ids(deploy=False) == {"oidc.W001"}
    assert ids(deploy=True) == {"oidc.W001", "oidc.E001"}
