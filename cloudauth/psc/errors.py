"""The one exception of the PSC layer: a refusal with one of the stable codes of :class:`Reason`."""

from __future__ import annotations

import datetime as dt

from certauth.icp.errors import Reason


class PscError(Exception):
    """A cloud login step failed. ``detail`` is a short Portuguese sentence for the page and the audit;
    ``retry_at``, when known, the instant from which the same request will be admitted (a rate limit's)."""

    def __init__(self, reason: Reason, detail: str, *, retry_at: dt.datetime | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.retry_at = retry_at


def unavailable(provider: str, what: str) -> PscError:
    return PscError(Reason.CLOUD_PSC_UNAVAILABLE, f"{provider}: {what}")
