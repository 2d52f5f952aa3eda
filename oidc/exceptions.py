"""The provider's refusals: each carries a stable code (``certauth.icp.errors.Reason``) and subclasses
``PermissionDenied`` through ``certauth.exceptions.LoginRejected``."""

from __future__ import annotations

from certauth.exceptions import LoginRejected


class ProviderRefusal(LoginRejected):
    """The provider gives this session no code and no token."""
