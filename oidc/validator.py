from __future__ import annotations

from oauth2_provider.oauth2_validators import OAuth2Validator


class PortalValidator(OAuth2Validator):  # type: ignore[misc]  # django-oauth-toolkit is untyped
    pass
